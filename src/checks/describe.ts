import { performance } from 'node:perf_hooks';

/** Small helpers the kinds share: timing, one-line snippets of bodies, and errors in plain words. */

export const BODY_SNIPPET = 200;

/** Milliseconds since the call, rounded to 0.1 ms. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => Math.round((performance.now() - start) * 10) / 10;
}

/** One line of at most `max` characters, for a chat message. */
export function snippet(text: string, max = BODY_SNIPPET): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Error codes that name the failure, found on the error, its cause or its aggregated errors. */
function codesOf(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const record = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const codes = typeof record.code === 'string' ? [record.code] : [];
  if (Array.isArray(record.errors))
    for (const inner of record.errors) codes.push(...codesOf(inner, depth + 1));
  codes.push(...codesOf(record.cause, depth + 1));
  return codes;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.message) return error.message;
    const inner = (error as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner[0] instanceof Error) return inner[0].message;
    return error.name;
  }
  return String(error);
}

export function isTimeout(error: unknown): boolean {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return true;
  const codes = codesOf(error);
  return codes.some((code) =>
    ['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes(
      code,
    ),
  );
}

/**
 * One short sentence for what went wrong: "connection refused by 127.0.0.1:5", "timed out after 5000 ms".
 * `where` names the target (host:port) when known; the caller masks the result.
 */
export function describeError(error: unknown, timeoutMs: number, where?: string): string {
  const at = where ? ` ${where}` : '';
  const codes = codesOf(error);
  const has = (...wanted: string[]) => codes.some((code) => wanted.includes(code));
  if (has('SHIPCHECK_REFUSED_ADDRESS')) return messageOf(error);
  if (isTimeout(error)) return `timed out after ${timeoutMs} ms`;
  if (has('ECONNREFUSED')) return `connection refused${where ? ` by${at}` : ''}`;
  if (has('ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA')) return `could not resolve${at || ' the host name'}`;
  if (has('EAI_AGAIN')) return `could not resolve${at || ' the host name'} (DNS did not answer)`;
  if (has('ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'))
    return `connection closed by${at || ' the server'} before it answered`;
  if (has('EHOSTUNREACH', 'ENETUNREACH')) return `${where ?? 'host'} is unreachable from here`;
  if (has('ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO'))
    return `TLS handshake failed${at ? ` with${at}` : ''}: the server does not speak TLS on this port`;
  if (codes.some((code) => code.startsWith('ERR_TLS') || code.includes('CERT'))) {
    return `TLS handshake failed${at ? ` with${at}` : ''}: ${messageOf(error)}`;
  }
  if (has('ERR_INVALID_URL')) return 'the target is not a valid URL';
  return snippet(messageOf(error) || 'failed', BODY_SNIPPET);
}

const DEFAULT_PORTS: Record<string, string> = {
  'http:': '80',
  'https:': '443',
  'ws:': '80',
  'wss:': '443',
  'redis:': '6379',
  'rediss:': '6379',
  'postgres:': '5432',
  'postgresql:': '5432',
};

/** `host:port` of a URL, for error sentences (never its credentials); undefined when it does not parse. */
export function hostPortOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (!parsed.hostname) return undefined;
    const port = parsed.port || DEFAULT_PORTS[parsed.protocol];
    return port ? `${parsed.hostname}:${port}` : parsed.hostname;
  } catch {
    return undefined;
  }
}

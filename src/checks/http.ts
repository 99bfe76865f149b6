import { Agent, request } from 'undici';
import type { CheckSpec } from '../checklist/types.js';
import { BODY_SNIPPET, describeError, hostPortOf, snippet, stopwatch } from './describe.js';
import { guardHost } from './guard.js';
import type { CheckResult, KindContext } from './types.js';

type HttpSpec = Extract<CheckSpec, { kind: 'http' }> & { headers?: Record<string, string> | undefined };

/** Enough of a body for a JSON health document; more is not read. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * An HTTP request and what its answer must be: a status (any 2xx by default), a JSON value at a dotted
 * path, a substring of the body, and a latency budget. Redirects are reported, not followed, unless the
 * spec asks; each followed hop is guarded like the first.
 */
export async function checkHttp(spec: HttpSpec, context: KindContext): Promise<CheckResult> {
  const budget = spec.maxLatencyMs;
  // Past the latency budget the check has failed, so there is no point waiting for the full timeout.
  const signal =
    budget !== undefined && budget < context.remainingMs()
      ? AbortSignal.any([context.signal, AbortSignal.timeout(budget)])
      : context.signal;
  const dispatcher = new Agent({
    connect: { lookup: context.lookup, timeout: context.timeoutMs },
    headersTimeout: context.timeoutMs,
    bodyTimeout: context.timeoutMs,
  });
  const elapsed = stopwatch();
  try {
    let url = new URL(spec.url);
    const origin = url.origin;
    let redirects = 0;
    for (;;) {
      const { bare, authorization } = withoutCredentials(url);
      // Like a browser: credentials in headers are not carried to another origin by a redirect.
      const headers = url.origin === origin ? (spec.headers ?? {}) : withoutSecretHeaders(spec.headers ?? {});
      const response = await request(bare, {
        method: spec.method.toUpperCase() as 'GET',
        headers: { 'user-agent': 'shipcheck', ...authorization, ...headers },
        signal,
        dispatcher,
        maxRedirections: 0,
      });
      const location = response.headers.location;
      const redirectTo = typeof location === 'string' ? location : location?.[0];
      if (spec.followRedirects && response.statusCode >= 300 && response.statusCode < 400 && redirectTo) {
        await response.body.dump();
        if (++redirects > MAX_REDIRECTS) {
          return fail(`more than ${MAX_REDIRECTS} redirects`, String(response.statusCode), elapsed());
        }
        url = new URL(redirectTo, url);
        const refused = await guardHost(url.hostname, context.policy, context.signal);
        if (refused) return fail(`redirected to ${url.host}, which is ${refused}`, null, elapsed());
        continue;
      }
      const body =
        spec.method.toUpperCase() === 'HEAD'
          ? await response.body.dump().then(() => '')
          : await readBody(response.body);
      const latencyMs = elapsed();
      return judge(spec, response.statusCode, redirectTo, body, latencyMs);
    }
  } catch (error) {
    const latencyMs = elapsed();
    if (budget !== undefined && signal !== context.signal && !context.signal.aborted && signal.aborted) {
      return fail(`no answer within the latency budget of ${budget} ms`, null, latencyMs);
    }
    return fail(describeError(error, context.timeoutMs, hostPortOf(spec.url)), null, latencyMs);
  } finally {
    void dispatcher.destroy().catch(() => undefined);
  }
}

function judge(
  spec: HttpSpec,
  status: number,
  redirectTo: string | undefined,
  body: string,
  latencyMs: number,
): CheckResult {
  const statusText = String(status);
  const statusOk =
    spec.expectStatus !== undefined ? status === spec.expectStatus : status >= 200 && status < 300;
  if (!statusOk) {
    const wanted = spec.expectStatus !== undefined ? `status ${spec.expectStatus}` : 'a 2xx status';
    const redirect =
      status >= 300 && status < 400 && redirectTo
        ? ` (redirect to ${snippet(redirectTo, 80)}, not followed)`
        : '';
    const excerpt = body && !redirect ? `: ${snippet(body, BODY_SNIPPET)}` : '';
    return fail(`expected ${wanted}, got ${status}${redirect}${excerpt}`, statusText, latencyMs);
  }

  let value = statusText;
  if (spec.jsonPath !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      return fail(
        `response is not JSON: ${snippet(body, BODY_SNIPPET) || 'empty body'}`,
        statusText,
        latencyMs,
      );
    }
    const found = valueAtPath(document, spec.jsonPath);
    if (found === undefined) {
      return fail(
        `${spec.jsonPath} is missing from the response: ${snippet(body, BODY_SNIPPET)}`,
        statusText,
        latencyMs,
      );
    }
    value = typeof found === 'object' ? JSON.stringify(found) : String(found);
    if (spec.equals !== undefined && !matches(found, spec.equals)) {
      return fail(
        `${spec.jsonPath} is ${snippet(JSON.stringify(found), 80)}, expected ${describeExpected(spec.equals)}`,
        value,
        latencyMs,
      );
    }
  }
  if (spec.bodyContains !== undefined && !body.includes(spec.bodyContains)) {
    return fail(
      `the response does not contain "${snippet(spec.bodyContains, 60)}": ${snippet(body, BODY_SNIPPET)}`,
      value,
      latencyMs,
    );
  }
  if (spec.maxLatencyMs !== undefined && latencyMs > spec.maxLatencyMs) {
    return fail(
      `answered in ${Math.round(latencyMs)} ms, over the budget of ${spec.maxLatencyMs} ms`,
      value,
      latencyMs,
    );
  }
  const what =
    spec.jsonPath !== undefined ? `${status}, ${spec.jsonPath} = ${snippet(value, 60)}` : statusText;
  return {
    ok: true,
    value,
    latencyMs,
    detail: `${spec.method.toUpperCase()} answered ${what} in ${Math.round(latencyMs)} ms`,
  };
}

/** `status`, `checks.db.status`, `items.0.name`, `items[0].name`. */
export function valueAtPath(document: unknown, path: string): unknown {
  const steps = path
    .replace(/^\$?\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  let current: unknown = document;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/** `equals: ok` compares as text (so 200 equals "200"); `equals: "/^(ok|up)$/i"` is a pattern. */
function matches(found: unknown, expected: string | number | boolean): boolean {
  const actual = typeof found === 'object' ? JSON.stringify(found) : String(found);
  const pattern = typeof expected === 'string' ? /^\/(.+)\/([a-z]*)$/.exec(expected) : null;
  if (pattern?.[1]) {
    try {
      return new RegExp(pattern[1], pattern[2]).test(actual);
    } catch {
      return false;
    }
  }
  return actual === String(expected);
}

function describeExpected(expected: string | number | boolean): string {
  return typeof expected === 'string' && /^\/.+\/[a-z]*$/.test(expected)
    ? `to match ${expected}`
    : JSON.stringify(expected);
}

async function readBody(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

function withoutSecretHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !/^(authorization|proxy-authorization|cookie)$/i.test(name)),
  );
}

/** undici drops `user:password@` from a URL; they become a Basic authorization header instead. */
export function withoutCredentials(url: URL): { bare: URL; authorization: { authorization?: string } } {
  if (!url.username && !url.password) return { bare: url, authorization: {} };
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { bare, authorization: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` } };
}

function fail(detail: string, value: string | null, latencyMs: number): CheckResult {
  return { ok: false, value, latencyMs, detail };
}

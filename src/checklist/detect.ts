import type { CheckSpec, ItemCheck } from './types.js';

/**
 * Finds an automatable check in an item's text or in the code next to it: `GET https://…/health`,
 * `curl -s URL | jq '.status'`, `curl -I URL`, `redis-cli -u $REDIS_URL ping`, `wscat -c wss://…`,
 * `psql … -c "SELECT …"`. Placeholder hosts (`your-app.railway.app`) become `${APP_HOST}` and shell
 * variables (`$REDIS_URL`) become `${REDIS_URL}`: the front matter or a SHIPCHECK_VAR_ variable fills them.
 */

const PLACEHOLDER_HOST =
  /\b(?:your[-_.]?[a-z0-9-]*|my[-_]app|example|<[^<>]+>|\{[^{}]+\})(?:\.[a-z0-9-]+)*\.(?:com|app|io|net|org|dev)\b|<[^<>\s]+>/gi;
const SHELL_VARIABLE = /\$\{?([A-Z][A-Z0-9_]*)\}?/g;

export function detectCheck(itemText: string, codeBlocks: string[]): ItemCheck | null {
  const candidates = [...inlineCode(itemText), ...codeBlocks.flatMap(commandLines)];
  for (const command of candidates) {
    const spec = specFromCommand(command, itemText);
    if (spec)
      return { spec, source: 'detected', name: null, detectedFrom: command, variables: variablesIn(spec) };
  }
  return null;
}

function withoutComment(line: string): string {
  const comment = /\s#/.exec(line);
  return comment ? line.slice(0, comment.index) : line;
}

function inlineCode(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => (match[1] ?? '').trim());
}

/** Lines of a code block that are commands, with comments and `railway run` wrappers removed. */
function commandLines(code: string): string[] {
  return code
    .split('\n')
    .map((line) => withoutComment(line).trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.replace(/^(?:railway run|heroku run|kubectl exec [^-]*--)\s+/, ''));
}

/** Longer than any real command line; the placeholder search below is only linear up to a bound. */
export const MAX_DETECTED_COMMAND_CHARS = 2000;

function specFromCommand(command: string, itemText: string): CheckSpec | null {
  if (command.length > MAX_DETECTED_COMMAND_CHARS) return null;
  const httpVerb = /^(GET|HEAD)\s+(\S+)/i.exec(command);
  if (httpVerb) return httpSpec((httpVerb[1] ?? 'GET').toUpperCase(), httpVerb[2] ?? '', itemText, command);
  if (
    isProbePath(command) &&
    /endpoint|respond|returns|health/i.test(itemText) &&
    !OTHER_METHOD.test(itemText)
  ) {
    return httpSpec('GET', `\${APP_URL}${command}`, itemText, command);
  }
  const lookup = DNS_LOOKUP.exec(command);
  if (lookup?.[1]) return dnsSpec(lookup[1]);
  if (/^curl\b/.test(command)) {
    const url = /(https?:\/\/\S+|\$\{?[A-Z_]+\}?\S*)/.exec(command)?.[1];
    if (!url) return null;
    const method = /\s-(?:I|-head)\b/.test(command) ? 'HEAD' : 'GET';
    return httpSpec(method, url.replace(/['"]/g, ''), itemText, command);
  }
  if (/^redis-cli\b/i.test(command)) return redisSpec(command);
  const wscat = /^wscat\s+(?:-c|--connect)\s+(\S+)/i.exec(command);
  if (wscat?.[1]) {
    const url = normalizeTarget(wscat[1]);
    return isAimedAtThisMachine(url) ? null : { kind: 'websocket', url };
  }
  if (/^psql\b/i.test(command)) return postgresSpec(command);
  return null;
}

/**
 * A bare path is a check only where it is plainly a probe (`/health`, `/api/readyz`) and the step names
 * no other method: "POST `/api/orders` endpoint works" is a step for a person, not a GET.
 */
const PROBE_PATH =
  /^\/(?:[\w.-]+\/)*(?:health|healthz|healthcheck|ready|readyz|readiness|live|livez|liveness|status|ping)\/?$/i;
const OTHER_METHOD = /\b(?:POST|PUT|PATCH|DELETE)\b/;

/** `nslookup api.acme.io`, `dig +short www.acme.io`, `dig ${APP_HOST}`. */
const DNS_LOOKUP = /^(?:nslookup|dig(?: \+\w+)*) ([a-z0-9_-]+(?:\.[a-z0-9_-]+)+|\$\{[A-Z_]+\})\.?(?:\s|$)/i;

function isProbePath(command: string): boolean {
  return PROBE_PATH.test(command);
}

/**
 * A command aimed at this machine (`curl localhost:8080/health`) is meant to run on the server it is
 * about; run from Shipcheck it would test Shipcheck's own host. It stays a step that shows the command.
 */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\])$/i;

function isAimedAtThisMachine(url: string): boolean {
  const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]/]*\]|[^:/?#]*)/i.exec(url)?.[1] ?? '';
  return LOOPBACK_HOST.test(host);
}

function dnsSpec(name: string): CheckSpec | null {
  const target = normalizeTarget(name);
  return LOOPBACK_HOST.test(target) ? null : { kind: 'dns', name: target };
}

function httpSpec(method: string, rawUrl: string, itemText: string, command: string): CheckSpec | null {
  const url = normalizeTarget(rawUrl);
  if (!/^(https?:\/\/|\$\{)/.test(url) || isAimedAtThisMachine(url)) return null;
  const status =
    /\b(?:returns?|respond(?:s|ing)?(?: with)?|expect(?:ed)?:?(?: HTTP\/[\d.]+)?)\s*(\d{3})\b|\b(\d{3}) OK\b/i.exec(
      itemText,
    );
  const jsonPath = /\|\s*jq\s+'?\.([\w.]+)'?/.exec(command)?.[1];
  const equals = jsonPath
    ? /status[^\w]+(?:is\s+)?["']?(ok|healthy|up|pass)["']?/i.exec(itemText)?.[1]
    : undefined;
  return {
    kind: 'http',
    method,
    url,
    expectStatus: status ? Number(status[1] ?? status[2]) : undefined,
    jsonPath,
    equals,
  };
}

function redisSpec(command: string): CheckSpec | null {
  const url = /\s-u\s+(\S+)/.exec(command)?.[1];
  if (/\s-h\s+(?:localhost|127\.0\.0\.1)\b/.test(command) || (url && isAimedAtThisMachine(url))) return null;
  const verb = /\b(ping|info)\b(?:\s+(\w+))?/i.exec(command.replace(/\s-u\s+\S+/, ''));
  if (!verb?.[1]) return null;
  return {
    kind: 'redis',
    url: url ? normalizeTarget(url) : '${REDIS_URL}',
    command: verb[1].toUpperCase() as 'PING' | 'INFO',
    field: verb[1].toLowerCase() === 'info' ? verb[2]?.toLowerCase() : undefined,
  };
}

function postgresSpec(command: string): CheckSpec | null {
  const query = /\s-c\s+(?:"([^"]+)"|'([^']+)')/.exec(command);
  const text = (query?.[1] ?? query?.[2] ?? '').trim();
  // Only reads are checks: anything else is an action for a person, not a machine.
  if (!/^(select|show|with)\b/i.test(text)) return null;
  const explicit = /(postgres(?:ql)?:\/\/\S+|\$\{?[A-Z_]+\}?)/.exec(
    command.replace(query?.[0] ?? '', ''),
  )?.[1];
  const url = explicit ? normalizeTarget(explicit) : '${DATABASE_URL}';
  if (/\s-h\s*(?:localhost|127\.0\.0\.1)\b/.test(command) || isAimedAtThisMachine(url)) return null;
  return { kind: 'postgres', url, query: text };
}

/** Placeholders and shell variables → `${NAME}`, so the target is declared, never guessed. */
export function normalizeTarget(raw: string): string {
  return raw
    .replace(/^['"]|['"]$/g, '')
    .replace(SHELL_VARIABLE, (_match, name: string) => `\${${name}}`)
    .replace(PLACEHOLDER_HOST, '${APP_HOST}')
    .replace(/^(https?|wss?):\/\/\$\{APP_HOST\}/, (_match, scheme: string) => `${scheme}://\${APP_HOST}`);
}

export function variablesIn(spec: CheckSpec): string[] {
  const names = new Set<string>();
  for (const value of Object.values(spec)) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)) names.add(match[1] ?? '');
  }
  return [...names].filter(Boolean);
}

import { Redis } from 'ioredis';
import type { CheckSpec } from '../checklist/types.js';
import { describeError, hostPortOf, snippet, stopwatch } from './describe.js';
import { vetDriverTarget } from './driverConnect.js';
import { abortable } from './guard.js';
import { compareWithTarget, parseNumber } from './target.js';
import type { CheckResult, KindContext } from './types.js';

type RedisSpec = Extract<CheckSpec, { kind: 'redis' }>;

/** INFO sections, so `field: memory` asks for a section and `field: memory.used_memory` for one field of it. */
const SECTIONS = new Set([
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'commandstats',
  'latencystats',
  'sentinel',
  'cluster',
  'modules',
  'keyspace',
  'errorstats',
  'all',
  'default',
  'everything',
]);

/**
 * PING (must answer PONG) or INFO (a field against a target, e.g. `used_memory < 512mb`). Only PING and
 * INFO are sent, besides what connecting needs (AUTH, SELECT): a check never writes. One attempt, no
 * retries, no offline queue.
 */
export async function checkRedis(spec: RedisSpec, context: KindContext): Promise<CheckResult> {
  const connection = await vetDriverTarget('redis', spec.url, context);
  if (!connection.ok) return { ok: false, value: null, latencyMs: 0, detail: connection.detail };
  const { target, address } = connection;
  // Options, not the URL: ioredis would take a host, sentinels or cluster nodes from its query.
  const client = new Redis({
    host: address,
    port: target.port,
    ...(target.user ? { username: target.user } : {}),
    ...(target.password ? { password: target.password } : {}),
    db: target.database ? Number(target.database) : 0,
    ...(target.tls ? { tls: { servername: target.host } } : {}),
    lazyConnect: true,
    connectTimeout: Math.max(1, Math.round(context.remainingMs())),
    commandTimeout: Math.max(1, Math.round(context.remainingMs())),
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    autoResubscribe: false,
    // ioredis otherwise sends CLIENT SETINFO on connect; a check sends PING or INFO and nothing else.
    disableClientInfo: true,
  });
  let lastError: unknown;
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  const elapsed = stopwatch();
  const where = hostPortOf(spec.url);
  try {
    await abortable(client.connect(), context.signal);
    if (spec.command === 'PING') {
      const answer = await abortable(client.ping(), context.signal);
      const latencyMs = elapsed();
      return answer === 'PONG'
        ? { ok: true, value: answer, latencyMs, detail: `PING answered PONG in ${Math.round(latencyMs)} ms` }
        : {
            ok: false,
            value: snippet(String(answer), 80),
            latencyMs,
            detail: `PING answered ${snippet(String(answer), 80)}, expected PONG`,
          };
    }
    const { section, field } = splitField(spec.field);
    const info = await abortable(section ? client.info(section) : client.info(), context.signal);
    const latencyMs = elapsed();
    const asked = section ? `INFO ${section}` : 'INFO';
    if (!field) {
      const fields = parseInfo(info).size;
      return fields > 0
        ? {
            ok: true,
            value: String(fields),
            latencyMs,
            detail: `${asked} answered ${fields} fields in ${Math.round(latencyMs)} ms`,
          }
        : { ok: false, value: null, latencyMs, detail: `${asked} answered no fields` };
    }
    const raw = parseInfo(info).get(field);
    if (raw === undefined) {
      return {
        ok: false,
        value: null,
        latencyMs,
        detail: `${asked} has no field ${field}`,
      };
    }
    if (!spec.target) return { ok: true, value: raw, latencyMs, detail: `${field} is ${snippet(raw, 80)}` };
    const comparison = compareWithTarget(parseNumber(raw), spec.target);
    return {
      ok: comparison.ok,
      value: raw,
      latencyMs,
      detail: comparison.ok
        ? `${field} is ${comparison.shown} (target ${comparison.target})`
        : `${field} is ${comparison.shown}, target ${comparison.target} not met`,
    };
  } catch (error) {
    const cause = isGeneric(error) && lastError ? lastError : error;
    return {
      ok: false,
      value: null,
      latencyMs: elapsed(),
      detail: describeError(cause, context.timeoutMs, where),
    };
  } finally {
    client.disconnect(false);
  }
}

/** `used_memory` → INFO (default sections); `memory.used_memory` or `memory:used_memory` → INFO memory; `memory` → the section. */
function splitField(text: string | undefined): { section: string | null; field: string | null } {
  if (!text) return { section: null, field: null };
  const parts = text.split(/[.:\s]+/).filter(Boolean);
  if (parts.length >= 2) return { section: parts[0]?.toLowerCase() ?? null, field: parts.slice(1).join('.') };
  const only = parts[0] ?? '';
  return SECTIONS.has(only.toLowerCase())
    ? { section: only.toLowerCase(), field: null }
    : { section: null, field: only };
}

function parseInfo(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** ioredis reports a failed connect as "Connection is closed."; the socket's own error says why. */
function isGeneric(error: unknown): boolean {
  return error instanceof Error && /Connection is closed|Stream isn't writeable/i.test(error.message);
}

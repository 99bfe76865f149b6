import pg from 'pg';
import type { CheckSpec } from '../checklist/types.js';
import { describeError, hostPortOf, snippet, stopwatch } from './describe.js';
import { vetDriverTarget } from './driverConnect.js';
import { abortable } from './guard.js';
import { compareWithTarget, parseNumber } from './target.js';
import type { CheckResult, KindContext } from './types.js';

type PostgresSpec = Extract<CheckSpec, { kind: 'postgres' }>;

const READ_ONLY_START = /^\s*(select|show|with)\b/i;

/**
 * One read-only query, its first value compared with the target. The text must start with SELECT, SHOW
 * or WITH (checked before connecting); it runs as a single prepared statement (so `select 1; delete …`
 * is rejected by the server) inside `BEGIN READ ONLY` with a statement timeout, and is always rolled back.
 */
export async function checkPostgres(spec: PostgresSpec, context: KindContext): Promise<CheckResult> {
  if (!READ_ONLY_START.test(spec.query)) {
    return {
      ok: false,
      value: null,
      latencyMs: 0,
      detail: 'refused: a check may only read; start the query with SELECT, SHOW or WITH',
    };
  }
  const connection = await vetDriverTarget('postgres', spec.url, context);
  if (!connection.ok) return { ok: false, value: null, latencyMs: 0, detail: connection.detail };
  const { target, address } = connection;
  // Every option explicit, so nothing comes from the URL's extras or from Shipcheck's own PG* environment.
  const client = new pg.Client({
    host: address,
    port: target.port,
    user: target.user ?? 'postgres',
    database: target.database ?? target.user ?? 'postgres',
    // A function, because pg falls back to PGPASSWORD for an empty string.
    password: () => target.password ?? '',
    ssl: target.tls ? { servername: target.host, rejectUnauthorized: target.verifyTls } : false,
    connectionTimeoutMillis: Math.max(1, Math.round(context.remainingMs())),
    application_name: 'shipcheck-check',
  });
  client.on('error', () => undefined);
  const onAbort = () => void client.end().catch(() => undefined);
  context.signal.addEventListener('abort', onAbort, { once: true });
  const elapsed = stopwatch();
  let statementTimeoutMs = 0;
  try {
    await abortable(client.connect(), context.signal);
    await abortable(client.query('BEGIN READ ONLY'), context.signal);
    // What is left of the budget, so the server cancels the query before the check gives up on it.
    statementTimeoutMs = Math.max(1, Math.floor(context.remainingMs() - 20));
    await abortable(client.query(`SET LOCAL statement_timeout = ${statementTimeoutMs}`), context.signal);
    const result = await abortable(
      client.query({ name: 'shipcheck_check', text: spec.query, rowMode: 'array' }),
      context.signal,
    );
    const latencyMs = elapsed();
    await abortable(client.query('ROLLBACK'), context.signal).catch(() => undefined);
    const row = result.rows[0] as unknown[] | undefined;
    if (!row || row.length === 0) {
      return spec.target
        ? {
            ok: false,
            value: null,
            latencyMs,
            detail: `the query returned no rows, target ${spec.target.text}`,
          }
        : {
            ok: true,
            value: null,
            latencyMs,
            detail: `the query ran in ${Math.round(latencyMs)} ms and returned no rows`,
          };
    }
    const value = textOf(row[0]);
    if (!spec.target) {
      return {
        ok: true,
        value,
        latencyMs,
        detail: `the query returned ${snippet(value, 80)} in ${Math.round(latencyMs)} ms`,
      };
    }
    const comparison = compareWithTarget(parseNumber(value), spec.target);
    return {
      ok: comparison.ok,
      value,
      latencyMs,
      detail: comparison.ok
        ? `the query returned ${comparison.shown} (target ${comparison.target})`
        : `the query returned ${snippet(comparison.shown, 80)}, target ${comparison.target} not met`,
    };
  } catch (error) {
    return {
      ok: false,
      value: null,
      latencyMs: elapsed(),
      detail: describePostgresError(error, context.timeoutMs, statementTimeoutMs, hostPortOf(spec.url)),
    };
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    void client.end().catch(() => undefined);
  }
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function describePostgresError(
  error: unknown,
  timeoutMs: number,
  statementTimeoutMs: number,
  where?: string,
): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case '57014':
      return `the query was cancelled by the statement timeout of ${statementTimeoutMs} ms (check budget ${timeoutMs} ms)`;
    case '25006':
      return `refused: the query tried to write (${snippet(message, 120)})`;
    case '42P05':
    case '42601':
      if (/multiple commands/i.test(message)) return 'refused: a check runs exactly one statement';
      return `Postgres rejected the query: ${snippet(message, 160)}`;
    case '28P01':
    case '28000':
      return `Postgres refused the login: ${snippet(message, 160)}`;
    case '3D000':
      return `Postgres: ${snippet(message, 160)}`;
  }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `Postgres: ${snippet(message, 160)}`;
  if (/connection timeout|timeout expired/i.test(message))
    return `timed out after ${timeoutMs} ms connecting${where ? ` to ${where}` : ''}`;
  if (/Connection terminated/i.test(message))
    return `connection closed by${where ? ` ${where}` : ' the server'} before it answered`;
  return describeError(error, timeoutMs, where);
}

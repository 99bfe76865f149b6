import type { CheckSpec } from '../checklist/types.js';
import { describeError, stopwatch } from './describe.js';
import { checkDns } from './dns.js';
import { guardedLookup, guardHost, networkPolicy } from './guard.js';
import { checkHttp } from './http.js';
import { createMasker, type Masker } from './mask.js';
import { checkPostgres } from './postgres.js';
import { checkPrometheus } from './prometheus.js';
import { checkRedis } from './redis.js';
import { resolveSpec } from './resolve.js';
import { checkTls } from './tls.js';
import type { CheckContext, CheckResult, KindContext } from './types.js';
import { checkWebSocket } from './websocket.js';

export type { CheckContext, CheckResult } from './types.js';

/**
 * Runs one check: fill its `${VARIABLES}`, refuse link-local and metadata targets, run its kind within
 * the per-check timeout. Never throws: every failure is a result with a short, masked detail.
 */
export async function runCheck(spec: CheckSpec, context: CheckContext): Promise<CheckResult> {
  const elapsed = stopwatch();
  let mask: Masker = createMasker([context.variables, context.env]);
  try {
    const resolution = resolveSpec(spec, context);
    if (!resolution.ok) return masked(resolution.result, mask);
    const resolved = resolution.spec;
    mask = createMasker([context.variables, context.env], stringsOf(resolved), resolution.substituted);

    const timeoutMs = Math.max(1, Math.round(context.timeoutMs));
    if (context.signal?.aborted) return masked(failed('cancelled before it started', 0), mask);
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = context.signal ? AbortSignal.any([deadline, context.signal]) : deadline;
    const started = performance.now();
    const policy = networkPolicy({
      allowedHosts: context.allowedHosts,
      denied: context.deniedNetworks ?? [],
      ...(context.resolve ? { resolve: context.resolve } : {}),
    });
    const kindContext: KindContext = {
      signal,
      timeoutMs,
      remainingMs: () => Math.max(1, timeoutMs - (performance.now() - started)),
      policy,
      ownEndpoints: context.ownEndpoints ?? [],
      lookup: guardedLookup(policy),
    };

    const result = await untilAborted(
      (async () => {
        const host = hostOf(resolved);
        if (host) {
          const refused = await guardHost(host, policy, signal);
          if (refused) return failed(refused, elapsed());
        }
        // Out of time while resolving the name: the race below has already answered.
        if (signal.aborted) return failed('aborted', elapsed());
        return dispatch(resolved, kindContext);
      })(),
      signal,
    );
    const cancelled = signal.aborted && !deadline.aborted;
    if (result && !cancelled) return masked(result, mask);
    return masked(failed(cancelled ? 'cancelled' : `timed out after ${timeoutMs} ms`, elapsed()), mask);
  } catch (error) {
    return masked(failed(describeError(error, context.timeoutMs), elapsed()), mask);
  }
}

export interface RunChecksOptions {
  /** How many checks run at once. */
  concurrency?: number;
}

/**
 * Runs many checks, at most `concurrency` at a time, each under its own timeout. The map holds one
 * result per key, in the order of `entries`.
 */
export async function runChecks(
  entries: { key: string; spec: CheckSpec }[],
  context: CheckContext,
  { concurrency = 8 }: RunChecksOptions = {},
): Promise<Map<string, CheckResult>> {
  const results: (CheckResult | undefined)[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const index = next++;
      const entry = entries[index];
      if (entry) results[index] = await runCheck(entry.spec, context);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(concurrency) || 1, entries.length));
  await Promise.all(Array.from({ length: workers }, worker));
  const map = new Map<string, CheckResult>();
  entries.forEach((entry, index) => {
    map.set(entry.key, results[index] ?? failed('not run', 0));
  });
  return map;
}

function dispatch(spec: CheckSpec, context: KindContext): Promise<CheckResult> {
  switch (spec.kind) {
    case 'http':
      return checkHttp(spec, context);
    case 'redis':
      return checkRedis(spec, context);
    case 'websocket':
      return checkWebSocket(spec, context);
    case 'postgres':
      return checkPostgres(spec, context);
    case 'tls':
      return checkTls(spec, context);
    case 'dns':
      return checkDns(spec, context);
    case 'prometheus':
      return checkPrometheus(spec, context);
    default:
      return Promise.resolve(failed(`unknown check kind ${(spec as { kind: string }).kind}`, 0));
  }
}

/**
 * The host a socket-based check connects to, refused early with a clear sentence; null for DNS (it only
 * asks the resolver) and for the database drivers, which parse and vet their own URLs.
 */
function hostOf(spec: CheckSpec): string | null {
  switch (spec.kind) {
    case 'dns':
    case 'postgres':
    case 'redis':
      return null;
    case 'tls':
      return spec.host;
    case 'prometheus':
      return urlHost(spec.server);
    default:
      return urlHost(spec.url);
  }
}

function urlHost(url: string): string | null {
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

/**
 * The kind's result, or null when the signal aborts first. The kind listens to the same signal and may
 * settle at once with a more precise sentence ("connected but no reply"), so it gets one turn first.
 */
function untilAborted(work: Promise<CheckResult>, signal: AbortSignal): Promise<CheckResult | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onAbort = () => setImmediate(() => resolve(null));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function stringsOf(spec: CheckSpec): string[] {
  return Object.values(spec).filter((value): value is string => typeof value === 'string');
}

function failed(detail: string, latencyMs: number): CheckResult {
  return { ok: false, value: null, latencyMs, detail };
}

function masked(result: CheckResult, mask: Masker): CheckResult {
  return { ...result, value: result.value === null ? null : mask(result.value), detail: mask(result.detail) };
}

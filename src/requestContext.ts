import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/**
 * What one piece of work is about: a chat interaction, a timer, a terminal line. It follows the work
 * through every await, so each log line it writes carries the request id and, once known, the run id,
 * and the metrics can measure from the moment the request arrived.
 */
export interface RequestContext {
  /** Short and unique enough to grep the logs for one interaction. */
  readonly requestId: string;
  readonly platform: string | null;
  /** `performance.now()` when the request arrived at this process. */
  readonly receivedAt: number;
  runId: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function newRequestId(): string {
  return randomBytes(6).toString('base64url');
}

export interface RequestStart {
  requestId?: string;
  platform?: string | null;
  receivedAt?: number;
  runId?: string | null;
}

/** Runs `work` as one request: everything it awaits, logs and measures belongs to that request. */
export function withRequest<T>(start: RequestStart, work: () => T): T {
  const context: RequestContext = {
    requestId: start.requestId ?? newRequestId(),
    platform: start.platform ?? null,
    receivedAt: start.receivedAt ?? performance.now(),
    runId: start.runId ?? null,
  };
  return storage.run(context, work);
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** The request has found its run: from here on its log lines name it. */
export function noteRun(runId: string | null | undefined): void {
  const context = storage.getStore();
  if (context && runId) context.runId = runId;
}

/** Milliseconds since the current request arrived, or null outside a request. */
export function sinceReceipt(): number | null {
  const context = storage.getStore();
  return context ? performance.now() - context.receivedAt : null;
}

/**
 * Binds `work` to the request it was queued in. Work that a queue starts later, from another
 * request's completion, would otherwise run in the wrong request's context.
 */
export function bindToRequest<A extends unknown[], R>(work: (...args: A) => R): (...args: A) => R {
  return AsyncLocalStorage.bind(work);
}

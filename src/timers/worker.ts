import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { withRequest } from '../requestContext.js';
import { type ClaimedTimer, claimDue, giveUp, markFired, retryLater } from './store.js';

/** What a handler says of a job: done, or try again later (a delivery that met a 5xx, say). */
/** `payload`, with a retry: what the next attempt starts from (e.g. which deliveries already went out). */
export type TimerOutcome =
  | { done: true }
  | { retryInMs: number; error: string; payload?: Record<string, unknown> }
  | { failed: string };

export type TimerHandler = (job: ClaimedTimer, now: Date) => Promise<TimerOutcome>;

export interface TimerWorkerOptions {
  db: Database;
  handlers: Record<string, TimerHandler>;
  logger: Logger;
  clock?: () => Date;
  /** How often the worker looks for due jobs; lateness is at most about this. */
  pollMs?: number;
  /** A claimed job is taken again by any worker after this, if its worker died. */
  leaseMs?: number;
  batch?: number;
  maxAttempts?: number;
  /** Observes how late each job ran (for metrics and the benchmark). */
  onFired?: (job: ClaimedTimer, latenessMs: number) => void;
}

/**
 * Runs due timers: claims them under a lease, runs their handler, marks them fired. Handlers make their
 * effect idempotent by the job's key (a page is a run command keyed by it), so a job that runs again
 * after a crash changes nothing twice.
 */
export class TimerWorker {
  readonly #options: Required<Omit<TimerWorkerOptions, 'onFired'>> & Pick<TimerWorkerOptions, 'onFired'>;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  /** Set by stop(): a pass in progress claims no further batch. Tests run passes without start(). */
  #stopping = false;

  constructor(options: TimerWorkerOptions) {
    this.#options = {
      clock: () => new Date(),
      pollMs: 200,
      leaseMs: 30_000,
      batch: 50,
      maxAttempts: 8,
      ...options,
    };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#stopping = false;
    this.#schedule(0);
  }

  /** Stops polling and waits for the jobs in hand to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One pass: every job due now, until none is left. Returns how many ran. Tests call this directly. */
  async runDue(): Promise<number> {
    let total = 0;
    // A stopping worker claims nothing more: a claimed job it cannot finish would wait out its lease.
    while (!this.#stopping) {
      const now = this.#options.clock();
      const jobs = await claimDue(this.#options.db, now, this.#options.leaseMs, this.#options.batch);
      if (jobs.length === 0) return total;
      // A batch runs at once: each job commits on its own (a page locks only its run), so a burst of
      // due jobs is not held up behind one slow delivery.
      const done = await Promise.all(jobs.map((job) => this.#run(job)));
      // The finished ones are marked in one statement: a burst costs one commit per batch, not per job.
      await markFired(
        this.#options.db,
        jobs.filter((_, index) => done[index]).map((job) => job.key),
        this.#options.clock(),
      );
      total += jobs.length;
    }
    return total;
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runDue()
        .then(() => undefined)
        .catch((error: unknown) => {
          // The database may be away for a while (a restart, a failover): keep trying.
          this.#options.logger.warn({ err: error }, 'timer pass failed; retrying');
        })
        .finally(() => {
          this.#running = null;
          this.#schedule(this.#options.pollMs);
        });
    }, delay);
  }

  /** Runs one job; true when it is done and only needs marking fired, false when it was settled otherwise. */
  async #run(job: ClaimedTimer): Promise<boolean> {
    const { db, handlers, logger, clock, maxAttempts } = this.#options;
    const started = clock();
    this.#options.onFired?.(job, started.getTime() - job.dueAt.getTime());
    const handler = handlers[job.kind];
    if (!handler) {
      await giveUp(db, job.key, started, `no handler for ${job.kind}`);
      return false;
    }
    let outcome: TimerOutcome;
    try {
      // The job's log lines name it and its run, like a chat request's do.
      outcome = await withRequest({ requestId: `timer:${job.key}`, runId: job.runId }, () =>
        handler(job, started),
      );
    } catch (error) {
      outcome = {
        retryInMs: backoff(job.attempts),
        error: error instanceof Error ? error.message : String(error),
      };
    }
    const now = clock();
    if ('done' in outcome) return true;
    if ('failed' in outcome) {
      logger.error({ timer: job.key, error: outcome.failed }, 'timer job failed for good');
      await giveUp(db, job.key, now, outcome.failed);
    } else if (job.attempts >= maxAttempts) {
      logger.error(
        { timer: job.key, error: outcome.error, attempts: job.attempts },
        'timer job gave up after retries',
      );
      await giveUp(db, job.key, now, outcome.error);
    } else {
      logger.warn({ timer: job.key, error: outcome.error, attempts: job.attempts }, 'timer job will retry');
      await retryLater(
        db,
        job.key,
        new Date(now.getTime() + outcome.retryInMs),
        outcome.error,
        outcome.payload,
      );
    }
    return false;
  }
}

/** 1 s, 2 s, 4 s … capped at 2 minutes. */
export function backoff(attempts: number): number {
  return Math.min(120_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { withRequest } from '../requestContext.js';
import {
  type ClaimExclusions,
  type ClaimedTimer,
  claimDue,
  type FollowUp,
  giveUp,
  markFired,
  markManyFired,
  renewLeases,
  retryLater,
  SEND_KIND,
} from './store.js';

/**
 * What a handler says of a job: done (with any jobs it leaves behind, written in the same commit), try
 * again later (a delivery that met a 5xx, say), or failed for good. `payload`, with a retry: what the next
 * attempt starts from.
 */
export type TimerOutcome =
  | { done: true; followUps?: FollowUp[] }
  | { retryInMs: number; error: string; payload?: Record<string, unknown> }
  | { failed: string };

export type TimerHandler = (job: ClaimedTimer, now: Date) => Promise<TimerOutcome>;

export interface TimerWorkerOptions {
  db: Database;
  handlers: Record<string, TimerHandler>;
  logger: Logger;
  clock?: () => Date;
  /** How often the worker looks for due jobs; lateness is at most about this while a slot is free. */
  pollMs?: number;
  /**
   * A claimed job is taken again by any worker after this unless renewed. Renewed every `heartbeatMs`
   * while the job runs, so a slow delivery keeps its lease and a dead worker's jobs return within it.
   */
  leaseMs?: number;
  heartbeatMs?: number;
  /**
   * Jobs running at once in this process, per lane: each notifier's deliveries are a lane, every other
   * job shares one. A notifier that hangs fills its own lane and never another's, nor the escalations'.
   */
  concurrency?: number;
  maxAttempts?: number;
  /** Names this worker on the leases it holds; random unless a test names it. */
  workerId?: string;
  /** Observes how late each job ran (for metrics and the benchmark). */
  onFired?: (job: ClaimedTimer, latenessMs: number) => void;
}

type Settings = Required<Omit<TimerWorkerOptions, 'onFired'>> & Pick<TimerWorkerOptions, 'onFired'>;

/**
 * Runs due timers. Each claimed job runs in its own slot (at most `concurrency` at once) and settles on
 * its own, so a notifier that takes 40 s delays nothing but itself. Handlers make their effect idempotent
 * by the job's key (a page is a run command keyed by it), so a job that runs again after a crash changes
 * nothing twice.
 */
export class TimerWorker {
  readonly #options: Settings;
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Lane of each job in flight. */
  readonly #lanes = new Map<string, string>();
  /** Jobs done with nothing left behind, marked fired together: a burst costs one commit, not one each. */
  #doneBatch: { keys: string[]; written: Promise<void> } | null = null;
  #poll: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #claiming: Promise<void> | null = null;
  /** A slot came free while a claim was under way: claim again as soon as it ends. */
  #refill = false;
  #stopped = true;

  constructor(options: TimerWorkerOptions) {
    this.#options = {
      clock: () => new Date(),
      pollMs: 200,
      leaseMs: 6_000,
      heartbeatMs: 2_000,
      concurrency: 32,
      maxAttempts: 8,
      workerId: `worker-${randomUUID()}`,
      ...options,
    };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedulePoll(0);
    this.#heartbeat = setInterval(() => void this.#renew(), this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Stops claiming and waits for the jobs in hand to finish (their leases are renewed meanwhile). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll) clearTimeout(this.#poll);
    this.#poll = null;
    await this.#claiming;
    await Promise.all(this.#inFlight.values());
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** Jobs running now: for the shutdown log and the tests. */
  get running(): number {
    return this.#inFlight.size;
  }

  /**
   * Every job due now and every job those leave due, until none is left, waiting for each: what tests
   * with a moved clock call instead of start(). Returns how many ran.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const jobs = await this.#claim(this.#options.concurrency);
      if (jobs.length === 0) return total;
      await Promise.all(jobs.map((job) => this.#track(job)));
      total += jobs.length;
    }
  }

  #schedulePoll(delay: number): void {
    if (this.#stopped) return;
    this.#poll = setTimeout(() => {
      this.#claiming = this.#fillSlots()
        .catch((error: unknown) => {
          // The database may be away for a while (a restart, a failover): keep trying.
          this.#options.logger.warn({ err: error }, 'timer claim failed; retrying');
        })
        .finally(() => {
          this.#claiming = null;
          const again = this.#refill;
          this.#refill = false;
          this.#schedulePoll(again ? 0 : this.#options.pollMs);
        });
    }, delay);
  }

  /** A slot came free: more due jobs may be waiting for one, so look now rather than at the next poll. */
  #slotFreed(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#refill = true;
      return;
    }
    if (this.#poll) clearTimeout(this.#poll);
    this.#schedulePoll(0);
  }

  /** Claims due jobs for the lanes with free slots and starts each; does not wait for them. */
  async #fillSlots(): Promise<void> {
    const { concurrency } = this.#options;
    const counts = new Map<string, number>();
    for (const lane of this.#lanes.values()) counts.set(lane, (counts.get(lane) ?? 0) + 1);
    const full = [...counts].filter(([, count]) => count >= concurrency).map(([lane]) => lane);
    const exclude = {
      notifiers: full
        .filter((lane) => lane.startsWith(NOTIFIER_LANE))
        .map((lane) => lane.slice(NOTIFIER_LANE.length)),
      otherKinds: full.includes(OTHER_LANE),
    };
    const jobs = await this.#claim(concurrency, exclude);
    for (const job of jobs) void this.#track(job);
    // A full batch means more may be due: look again at once rather than after the poll interval.
    if (jobs.length === concurrency && !this.#stopped) await this.#fillSlots();
  }

  #claim(limit: number, exclude?: ClaimExclusions): Promise<ClaimedTimer[]> {
    const { db, clock, leaseMs, workerId } = this.#options;
    return claimDue(db, clock(), leaseMs, limit, workerId, exclude);
  }

  #track(job: ClaimedTimer): Promise<void> {
    const running = this.#run(job)
      .catch((error: unknown) => {
        // Settling failed (the database went away): the lease runs out and the job runs again.
        this.#options.logger.warn({ err: error, timer: job.key }, 'could not settle a timer job');
      })
      .finally(() => {
        this.#inFlight.delete(job.key);
        this.#lanes.delete(job.key);
        this.#slotFreed();
      });
    this.#inFlight.set(job.key, running);
    this.#lanes.set(job.key, laneOf(job));
    return running;
  }

  /** Joins the batch being gathered this turn of the event loop; resolves once it is written. */
  #markDone(key: string): Promise<void> {
    if (this.#doneBatch) {
      this.#doneBatch.keys.push(key);
      return this.#doneBatch.written;
    }
    const keys = [key];
    const written = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.#doneBatch = null;
        const { db, clock, workerId } = this.#options;
        markManyFired(db, keys, clock(), workerId).then(resolve, reject);
      });
    });
    this.#doneBatch = { keys, written };
    return written;
  }

  async #renew(): Promise<void> {
    const keys = [...this.#inFlight.keys()];
    if (keys.length === 0) return;
    const { db, clock, leaseMs, workerId, logger } = this.#options;
    try {
      const lost = await renewLeases(db, keys, workerId, new Date(clock().getTime() + leaseMs));
      if (lost.length > 0) logger.warn({ timers: lost }, 'lost the lease of running timer jobs');
    } catch (error) {
      logger.warn({ err: error }, 'could not renew timer leases');
    }
  }

  async #run(job: ClaimedTimer): Promise<void> {
    const { db, handlers, logger, clock, maxAttempts, workerId } = this.#options;
    const started = clock();
    this.#options.onFired?.(job, started.getTime() - job.dueAt.getTime());
    const handler = handlers[job.kind];
    if (!handler) {
      await giveUp(db, job.key, started, `no handler for ${job.kind}`, workerId);
      return;
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
    if ('done' in outcome) {
      if (outcome.followUps && outcome.followUps.length > 0)
        await markFired(db, job.key, now, workerId, outcome.followUps);
      else await this.#markDone(job.key);
      return;
    }
    if ('failed' in outcome) {
      logger.error({ timer: job.key, error: outcome.failed }, 'timer job failed for good');
      await giveUp(db, job.key, now, outcome.failed, workerId);
    } else if (job.attempts >= maxAttempts) {
      logger.error(
        { timer: job.key, error: outcome.error, attempts: job.attempts },
        'timer job gave up after retries',
      );
      await giveUp(db, job.key, now, outcome.error, workerId);
    } else {
      logger.warn({ timer: job.key, error: outcome.error, attempts: job.attempts }, 'timer job will retry');
      await retryLater(
        db,
        job.key,
        new Date(now.getTime() + outcome.retryInMs),
        outcome.error,
        workerId,
        outcome.payload,
      );
    }
  }
}

const NOTIFIER_LANE = 'notifier:';
const OTHER_LANE = 'jobs';

function laneOf(job: ClaimedTimer): string {
  return job.kind === SEND_KIND ? `${NOTIFIER_LANE}${String(job.payload.notifier)}` : OTHER_LANE;
}

/** 1 s, 2 s, 4 s … capped at 2 minutes. */
export function backoff(attempts: number): number {
  return Math.min(120_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

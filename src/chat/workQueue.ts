/**
 * Work that follows an acknowledgement, run a few jobs at a time. Platforms want the acknowledgement
 * within three seconds; the work after it (a database transaction, rendering) competes with reading the
 * next requests for the same event loop. Starting each job from a fresh macrotask, and only a few at
 * once, keeps incoming requests answered promptly during a burst.
 *
 * Jobs with the same key (a channel) run one at a time in arrival order, so `/deploy start` followed at
 * once by `/deploy check 1.1` finds the run it started. Commands on one run are serialized by its row
 * lock anyway; the key only makes the order the one people typed.
 */
/**
 * As many as the Postgres pool has connections: a job spends most of its time waiting on the database,
 * and with 4 a burst of 200 clicks a second queued for hundreds of milliseconds behind a few slow commits.
 */
const DEFAULT_CONCURRENCY = 10;

export class WorkQueue {
  readonly #concurrency: number;
  readonly #onError: (error: unknown) => void;
  readonly #waiting: { key: string | null; job: () => Promise<void> }[] = [];
  readonly #busyKeys = new Set<string>();
  #running = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: { concurrency?: number; onError: (error: unknown) => void }) {
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#onError = options.onError;
  }

  get size(): number {
    return this.#running + this.#waiting.length;
  }

  push(key: string | null, job: () => Promise<void>): void {
    this.#waiting.push({ key, job });
    this.#next();
  }

  /** Resolves once every job pushed so far (and any they pushed) has finished. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #next(): void {
    for (let index = 0; index < this.#waiting.length && this.#running < this.#concurrency; ) {
      const entry = this.#waiting[index] as { key: string | null; job: () => Promise<void> };
      if (entry.key !== null && this.#busyKeys.has(entry.key)) {
        index += 1;
        continue;
      }
      this.#waiting.splice(index, 1);
      this.#start(entry.key, entry.job);
    }
  }

  #start(key: string | null, job: () => Promise<void>): void {
    this.#running += 1;
    if (key !== null) this.#busyKeys.add(key);
    setImmediate(() => {
      job()
        .catch(this.#onError)
        .finally(() => {
          this.#running -= 1;
          if (key !== null) this.#busyKeys.delete(key);
          this.#next();
          if (this.size === 0) {
            const waiters = this.#idleWaiters;
            this.#idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    });
  }
}

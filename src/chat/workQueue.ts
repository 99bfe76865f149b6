/**
 * Work that follows an acknowledgement, run a few jobs at a time. Platforms want the acknowledgement
 * within three seconds; the work after it (a database transaction, rendering) competes with reading the
 * next requests for the same event loop. Starting each job from a fresh macrotask, and only a few at
 * once, keeps incoming requests answered promptly during a burst. Commands on one run are serialized by
 * its row lock anyway, so more concurrency would only queue inside the database.
 */
export class WorkQueue {
  readonly #concurrency: number;
  readonly #onError: (error: unknown) => void;
  readonly #waiting: (() => Promise<void>)[] = [];
  #running = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: { concurrency?: number; onError: (error: unknown) => void }) {
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#onError = options.onError;
  }

  get size(): number {
    return this.#running + this.#waiting.length;
  }

  push(job: () => Promise<void>): void {
    this.#waiting.push(job);
    this.#next();
  }

  /** Resolves once every job pushed so far (and any they pushed) has finished. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #next(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift() as () => Promise<void>;
      this.#running += 1;
      setImmediate(() => {
        job()
          .catch(this.#onError)
          .finally(() => {
            this.#running -= 1;
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
}

/**
 * Work that follows an interaction's answer: one lane per channel, so the commands of one channel run
 * in the order people sent them (`/deploy start` before the click that follows it), and different
 * channels in parallel. Remembers what is running, so a stop can wait for it.
 */
export class WorkLanes {
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #onError: (error: unknown) => void;
  #pending = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  get size(): number {
    return this.#pending;
  }

  push(key: string, job: () => Promise<void>): void {
    this.#pending += 1;
    const previous = this.#lanes.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(job)
      .catch(this.#onError)
      .finally(() => {
        this.#pending -= 1;
        if (this.#lanes.get(key) === next) this.#lanes.delete(key);
        if (this.#pending === 0) {
          const waiters = this.#idleWaiters;
          this.#idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    this.#lanes.set(key, next);
  }

  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}

/** The ids seen most recently, up to `capacity`: enough to recognise a repeated delivery. */
export class RecentIds {
  readonly #seen = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** True the first time `id` is offered. */
  add(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > this.#capacity) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return true;
  }
}

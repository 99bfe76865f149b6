import type { Clock } from '../../src/chat/clock.js';

/**
 * A clock that moves only when the test says so. Sleepers wake in time order as `advance` passes their
 * deadline, and whatever they do next runs before the clock moves on.
 */
export class ManualClock implements Clock {
  #now: number;
  #timers: { at: number; resolve: () => void }[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timers.push({ at: this.#now + Math.max(0, ms), resolve });
    });
  }

  get sleepers(): number {
    return this.#timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (let step = 0; step < 100_000; step++) {
      await settle();
      const next = this.#timers.reduce<number | null>(
        (earliest, timer) => (earliest === null || timer.at < earliest ? timer.at : earliest),
        null,
      );
      if (next === null || next > end) break;
      this.#now = next;
      const due = this.#timers.filter((timer) => timer.at <= next);
      this.#timers = this.#timers.filter((timer) => timer.at > next);
      for (const timer of due) timer.resolve();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets pending promise chains run: a few turns of the event loop, no time passes on any clock. */
export async function settle(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

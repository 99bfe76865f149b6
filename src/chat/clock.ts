/**
 * Time as the chat layer sees it. Pacing (rate limits, coalescing intervals) waits on this, never on
 * setTimeout directly, so tests drive it by hand instead of sleeping.
 */
export interface Clock {
  /** Milliseconds, only ever compared with other readings of the same clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

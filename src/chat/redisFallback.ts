import type { Logger } from '../logger.js';
import { type Clock, systemClock } from './clock.js';

/**
 * Redis is an optimisation shared by replicas, never a dependency a chat message waits on: when it is
 * down or slow, each caller does its work the in-process way instead. One warning per outage (not one
 * per call), and after a failure Redis is left alone for `retryAfterMs` so a hung server does not cost
 * every call its timeout; the first call after that tries it again.
 */
export interface RedisFallbackOptions {
  logger: Logger;
  /** What falls back, for the log: e.g. "slack rate limits". */
  what: string;
  retryAfterMs?: number;
  clock?: Clock;
}

const DEFAULT_RETRY_AFTER_MS = 1_000;

export class RedisFallback {
  readonly #logger: Logger;
  readonly #what: string;
  readonly #retryAfterMs: number;
  readonly #clock: Clock;
  #down = false;
  #retryAt = Number.NEGATIVE_INFINITY;

  constructor(options: RedisFallbackOptions) {
    this.#logger = options.logger;
    this.#what = options.what;
    this.#retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    this.#clock = options.clock ?? systemClock;
  }

  /** True while Redis is taken to be out (since its last failure, until it answers again). */
  get down(): boolean {
    return this.#down;
  }

  /** `operation` on Redis, or `fallback` when Redis fails or failed a moment ago. Redis errors never escape. */
  async run<T>(operation: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.#down && this.#clock.now() < this.#retryAt) return fallback();
    let result: T;
    try {
      result = await operation();
    } catch (error) {
      this.#failed(error);
      return fallback();
    }
    if (this.#down) {
      this.#down = false;
      this.#logger.info({ what: this.#what }, 'Redis answers again: back to sharing through it');
    }
    return result;
  }

  #failed(error: unknown): void {
    this.#retryAt = this.#clock.now() + this.#retryAfterMs;
    if (this.#down) return;
    this.#down = true;
    this.#logger.warn(
      { what: this.#what, err: error },
      'Redis is unreachable: this replica falls back to in-process coordination until it answers',
    );
  }
}

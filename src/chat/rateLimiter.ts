import { type Clock, systemClock } from './clock.js';

/**
 * Paces calls to a platform's API by method, the way the platform meters them, so a burst of work waits
 * here instead of being refused there. When the platform refuses anyway (429), `backOff` makes every
 * caller of that method wait out its Retry-After.
 */
export interface RateLimiter {
  /** Resolves when one call of `method` may go out. `scope` splits a per-channel limit (e.g. a channel id). */
  acquire(method: string, scope?: string): Promise<void>;
  /** The platform said "retry after": nobody calls `method` (in `scope`) before then. */
  backOff(method: string, retryAfterMs: number, scope?: string): void;
}

/** A platform refused a call for its rate: try again no sooner than `retryAfterMs` from now. */
export class RateLimitedError extends Error {
  readonly method: string;
  readonly retryAfterMs: number;
  constructor(method: string, retryAfterMs: number) {
    super(`${method} is rate limited; retry after ${retryAfterMs} ms`);
    this.name = 'RateLimitedError';
    this.method = method;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface RateLimit {
  /** Sustained rate. */
  perMinute: number;
  /** How many calls may go at once after a quiet spell. */
  burst: number;
  /** The limit counts per scope (e.g. per channel) rather than for the whole method. */
  perScope?: boolean;
}

export interface RateLimits {
  methods: Record<string, RateLimit>;
  /** For methods not named. */
  fallback: RateLimit;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
  blockedUntil: number;
}

/** Waits no longer than this in one go, then looks again: a wrong clock reading cannot park a caller for good. */
const MAX_SINGLE_WAIT_MS = 60_000;
const MAX_WAITS = 1_000;

/**
 * A token bucket per method (and scope) in this process. Callers reserve a token at once, even when it is
 * not there yet, and wait until it would be: so waiters are served in arrival order without polling.
 */
export class InProcessRateLimiter implements RateLimiter {
  readonly #limits: RateLimits;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limits: RateLimits, clock: Clock = systemClock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  async acquire(method: string, scope?: string): Promise<void> {
    const limit = this.#limitOf(method);
    const bucket = this.#bucket(method, limit, scope);
    this.#refill(bucket, limit);
    bucket.tokens -= 1;
    const ready = this.#clock.now() + Math.max(0, -bucket.tokens) * msPerToken(limit);
    // A 429 that arrives while we wait moves the earliest start later; look again after each wait.
    for (let waits = 0; waits < MAX_WAITS; waits++) {
      const start = Math.max(ready, bucket.blockedUntil);
      const wait = start - this.#clock.now();
      if (wait <= 0) return;
      await this.#clock.sleep(Math.min(wait, MAX_SINGLE_WAIT_MS));
    }
  }

  backOff(method: string, retryAfterMs: number, scope?: string): void {
    const limit = this.#limitOf(method);
    const bucket = this.#bucket(method, limit, scope);
    bucket.blockedUntil = Math.max(bucket.blockedUntil, this.#clock.now() + Math.max(0, retryAfterMs));
  }

  #limitOf(method: string): RateLimit {
    return this.#limits.methods[method] ?? this.#limits.fallback;
  }

  #bucket(method: string, limit: RateLimit, scope: string | undefined): Bucket {
    const key = limit.perScope && scope ? `${method}\u0000${scope}` : method;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.burst, refilledAt: this.#clock.now(), blockedUntil: 0 };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #refill(bucket: Bucket, limit: RateLimit): void {
    const now = this.#clock.now();
    const earned = (now - bucket.refilledAt) / msPerToken(limit);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + earned);
    bucket.refilledAt = now;
  }
}

function msPerToken(limit: RateLimit): number {
  return 60_000 / limit.perMinute;
}

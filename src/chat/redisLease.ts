import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { redisScript } from '../redis.js';
import { type Clock, systemClock } from './clock.js';
import type { RedisFallback } from './redisFallback.js';

/**
 * Exclusive leases in Redis with an expiry: the holder renews its lease while it works, so a lease
 * outlives slow work but not a crashed holder (gone within `ttlMs`). Each lease may carry a "gap" key
 * that the releaser sets to keep the next holder waiting a while after it (the time between two edits
 * of one message). Waiting is by polling: leases here are held for one platform call, so a waiter
 * looks again within tens of milliseconds.
 */

export interface RedisLeasesOptions {
  redis: Redis;
  fallback: RedisFallback;
  logger: Logger;
  /** How long a lease outlives its holder's last renewal. */
  ttlMs?: number;
  /** How long a waiter waits at most before it goes on without the lease (a holder stuck yet renewing). */
  maxWaitMs?: number;
  pollMs?: number;
  clock?: Clock;
}

export interface Lease {
  /** What was left of the gap its previous holder set, when this one took the lease. */
  readonly gapMs: number;
  /** Gives the lease up; with `gapMs`, the next holder waits that long before it starts. */
  release(gapMs?: number): Promise<void>;
}

/** Takes the lease if free; answers [1, ms left of the gap] or [0, ms left of the holder's lease]. */
const TAKE = redisScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if KEYS[2] then return {1, redis.call('PTTL', KEYS[2])} end
  return {1, -2}
end
return {0, redis.call('PTTL', KEYS[1])}
`);

const RENEW = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** The gap is set even when the lease expired meanwhile: it is about the platform, not about the lease. */
const RELEASE = redisScript(`
if KEYS[2] and tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`);

const DEFAULT_TTL_MS = 5_000;
const DEFAULT_MAX_WAIT_MS = 30_000;
const DEFAULT_POLL_MS = 25;

export class RedisLeases {
  readonly #redis: Redis;
  readonly #fallback: RedisFallback;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #maxWaitMs: number;
  readonly #pollMs: number;
  readonly #clock: Clock;

  constructor(options: RedisLeasesOptions) {
    this.#redis = options.redis;
    this.#fallback = options.fallback;
    this.#logger = options.logger;
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Waits until `key` is free and takes it. Null when Redis cannot be asked, or the wait ran past its
   * bound: the caller then goes on as a single process would, since a lost edit is worse than a
   * concurrent one.
   */
  async take(key: string, gapKey?: string): Promise<Lease | null> {
    const token = randomUUID();
    const keys = gapKey ? [key, gapKey] : [key];
    const giveUpAt = this.#clock.now() + this.#maxWaitMs;
    for (;;) {
      const answer = await this.#fallback.run(
        async () => (await TAKE(this.#redis, keys, [token, this.#ttlMs])) as [number, number],
        () => null,
      );
      if (answer === null) return null;
      const [taken, ms] = answer;
      if (taken === 1) return this.#held(keys, token, Math.max(0, ms));
      if (this.#clock.now() >= giveUpAt) {
        this.#logger.warn({ lease: key }, 'a lease stayed taken too long; going on without it');
        return null;
      }
      // Jitter keeps two waiters from asking in lockstep.
      const poll = this.#pollMs * (0.5 + Math.random());
      await this.#clock.sleep(ms > 0 ? Math.min(ms, poll) : poll);
    }
  }

  /** Milliseconds until `key` expires; 0 when it is gone, or when Redis cannot say. */
  async timeLeft(key: string): Promise<number> {
    const ms = await this.#fallback.run(
      () => this.#redis.pttl(key),
      () => 0,
    );
    return Math.max(0, ms);
  }

  #held(keys: string[], token: string, gapMs: number): Lease {
    const renewal = setInterval(
      () => {
        void this.#fallback.run(
          () => RENEW(this.#redis, [keys[0] as string], [token, this.#ttlMs]),
          () => null,
        );
      },
      Math.max(10, Math.floor(this.#ttlMs / 3)),
    );
    // A lease never keeps the process alive: on exit it simply expires.
    renewal.unref();
    let released = false;
    return {
      gapMs,
      release: async (nextGapMs = 0) => {
        if (released) return;
        released = true;
        clearInterval(renewal);
        await this.#fallback.run(
          () => RELEASE(this.#redis, keys, [token, Math.max(0, Math.ceil(nextGapMs))]),
          () => null,
        );
      },
    };
  }
}

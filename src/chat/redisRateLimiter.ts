import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { redisScript } from '../redis.js';
import { type Clock, systemClock } from './clock.js';
import { InProcessRateLimiter, type RateLimit, type RateLimiter, type RateLimits } from './rateLimiter.js';
import { RedisFallback } from './redisFallback.js';

/**
 * The same token buckets as InProcessRateLimiter, kept in Redis so that every replica draws on one
 * budget per method (and scope): a platform meters the app, not the process. Time is Redis's own
 * (TIME inside the scripts, PTTL for back-offs), so replicas whose clocks disagree still agree here.
 * When Redis fails, a call is paced by an in-process bucket instead: it may then overrun the shared
 * budget by one replica's share, which the platform's 429 and `backOff` absorb.
 */

export interface RedisRateLimiterOptions {
  redis: Redis;
  limits: RateLimits;
  /** Keeps one app's buckets apart from another's on the same Redis, e.g. `shipcheck:slack`. */
  prefix: string;
  logger: Logger;
  clock?: Clock;
}

/**
 * Refills the bucket for the time since it was last touched, then takes a token; when none is left it
 * reserves the next one anyway (tokens go below zero), so callers are served in arrival order without
 * polling. Returns how long the caller waits: for its token, or for a back-off, whichever is longer.
 */
const TAKE_TOKEN = redisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local burst = tonumber(ARGV[1])
local msPerToken = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / msPerToken) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
-- Gone once it would be full again anyway: an idle bucket costs nothing.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * msPerToken) + 1000)
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens * msPerToken) end
local blocked = redis.call('PTTL', KEYS[2])
if blocked > wait then wait = blocked end
return wait
`);

/** Holds the method for `ms` from now, unless it is held longer already. */
const BLOCK = redisScript(`
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
`);

/** Waits no longer than this in one go, then looks again (as the in-process limiter does). */
const MAX_SINGLE_WAIT_MS = 60_000;
const MAX_WAITS = 1_000;

export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #limits: RateLimits;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #local: InProcessRateLimiter;
  readonly #fallback: RedisFallback;
  /** Back-offs on their way to Redis: an acquire right after a 429 must not slip in ahead of them. */
  readonly #blocking = new Map<string, Promise<unknown>>();

  constructor(options: RedisRateLimiterOptions) {
    this.#redis = options.redis;
    this.#limits = options.limits;
    this.#prefix = options.prefix;
    this.#clock = options.clock ?? systemClock;
    this.#local = new InProcessRateLimiter(options.limits, this.#clock);
    this.#fallback = new RedisFallback({
      logger: options.logger,
      what: `${options.prefix} rate limits`,
      clock: this.#clock,
    });
  }

  async acquire(method: string, scope?: string): Promise<void> {
    const limit = this.#limitOf(method);
    const keys = this.#keys(method, limit, scope);
    await this.#blocking.get(keys.bucket);
    const reserved = await this.#fallback.run(
      async () => Number(await TAKE_TOKEN(this.#redis, [keys.bucket, keys.blocked], argsOf(limit))),
      () => null,
    );
    if (reserved === null) return this.#local.acquire(method, scope);
    const readyAt = this.#clock.now() + reserved;
    let wait = reserved;
    for (let waits = 0; waits < MAX_WAITS && wait > 0; waits++) {
      await this.#clock.sleep(Math.min(wait, MAX_SINGLE_WAIT_MS));
      // A 429 that any replica saw while this one waited holds this call too.
      const blocked = await this.#fallback.run(
        async () => Number(await this.#redis.pttl(keys.blocked)),
        () => 0,
      );
      wait = Math.max(readyAt - this.#clock.now(), blocked);
    }
  }

  backOff(method: string, retryAfterMs: number, scope?: string): void {
    this.#local.backOff(method, retryAfterMs, scope);
    const keys = this.#keys(method, this.#limitOf(method), scope);
    const ms = Math.max(1, Math.ceil(retryAfterMs));
    const blocking = this.#fallback
      .run(
        () => BLOCK(this.#redis, [keys.blocked], [ms]),
        () => null,
      )
      .finally(() => {
        if (this.#blocking.get(keys.bucket) === blocking) this.#blocking.delete(keys.bucket);
      });
    this.#blocking.set(keys.bucket, blocking);
  }

  #limitOf(method: string): RateLimit {
    return this.#limits.methods[method] ?? this.#limits.fallback;
  }

  /** Both keys of a bucket share one hash tag, so a Redis Cluster keeps them on one node for the script. */
  #keys(method: string, limit: RateLimit, scope: string | undefined): { bucket: string; blocked: string } {
    const name = limit.perScope && scope ? `${method}:${scope}` : method;
    const base = `${this.#prefix}:rate:{${name}}`;
    return { bucket: base, blocked: `${base}:blocked` };
  }
}

function argsOf(limit: RateLimit): number[] {
  return [limit.burst, 60_000 / limit.perMinute];
}

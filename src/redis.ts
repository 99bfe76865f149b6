import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The Redis connection when REDIS_URL is set. It never queues commands while disconnected: a caller
 * gets an error at once and falls back, and nothing durable lives only in Redis. A Redis that accepts
 * the connection but stops answering fails each command after `commandTimeout`, for the same reason.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(5000, attempt * 200),
  });
  // Connection errors are reported through readiness and the callers' own errors, not as crashes.
  redis.on('error', () => {});
  await redis.connect().catch(() => {});
  return redis;
}

/** A Lua script run atomically on the server: sent whole once per connection, by its SHA-1 after that. */
export type RedisScript = (redis: Redis, keys: string[], args: (string | number)[]) => Promise<unknown>;

export function redisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}

import { Redis } from 'ioredis';

/**
 * The Redis connection when REDIS_URL is set. It never queues commands while disconnected: a caller
 * gets an error at once and falls back, and nothing durable lives only in Redis.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(5000, attempt * 200),
  });
  // Connection errors are reported through readiness and the callers' own errors, not as crashes.
  redis.on('error', () => {});
  await redis.connect().catch(() => {});
  return redis;
}

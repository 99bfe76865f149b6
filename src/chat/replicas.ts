import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { MessageCoordinator } from './coordination.js';
import { DISCORD_RATE_LIMITS } from './discord/limits.js';
import type { RateLimiter, RateLimits } from './rateLimiter.js';
import { RedisCoordinator } from './redisCoordinator.js';
import { RedisRateLimiter } from './redisRateLimiter.js';
import { SLACK_RATE_LIMITS } from './slack/limits.js';

const PLATFORM_LIMITS: Record<'slack' | 'discord', RateLimits> = {
  slack: SLACK_RATE_LIMITS,
  discord: DISCORD_RATE_LIMITS,
};

export interface ReplicaSharing {
  rateLimiter?: RateLimiter;
  coordinator?: MessageCoordinator;
}

/**
 * What a chat adapter shares with the other replicas through Redis: the platform's rate limits and the
 * right to post and edit a run's messages. Without Redis nothing is shared, and one replica is the
 * supported setup.
 */
export function sharedThroughRedis(
  redis: Redis | null,
  platform: keyof typeof PLATFORM_LIMITS,
  logger: Logger,
  botToken: string,
): ReplicaSharing {
  if (!redis) return {};
  const prefix = `shipcheck:${platform}:${botOf(botToken)}`;
  return {
    rateLimiter: new RedisRateLimiter({ redis, limits: PLATFORM_LIMITS[platform], prefix, logger }),
    coordinator: new RedisCoordinator({ redis, prefix, logger }),
  };
}

/**
 * Which bot the budgets belong to: the platform meters per app, so two Shipchecks with different apps on
 * one Redis must not share. A digest of the token names it without putting the token in Redis.
 */
function botOf(botToken: string): string {
  return createHash('sha256').update(botToken).digest('base64url').slice(0, 12);
}

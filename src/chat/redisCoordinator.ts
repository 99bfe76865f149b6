import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { type Clock, systemClock } from './clock.js';
import type { EditTurn, MessageCoordinator } from './coordination.js';
import { RedisFallback } from './redisFallback.js';
import { RedisLeases } from './redisLease.js';

/**
 * Several replicas on one Redis: a lease per run for posting its parts, and a lease per message for
 * each edit, whose release starts the message's gap before the next edit (kept as a key's time to live,
 * so it is Redis's clock that counts it). When Redis fails a replica acts alone, as one process would:
 * edits may then interleave between replicas, but none is dropped, and the publisher's check of
 * chat_messages still keeps an older rendering from replacing a newer one it can see.
 */

export interface RedisCoordinatorOptions {
  redis: Redis;
  /** Keeps one deployment's leases apart from another's on the same Redis, e.g. `shipcheck:slack`. */
  prefix: string;
  logger: Logger;
  /** How long a crashed replica's lease keeps the others waiting at most. */
  leaseTtlMs?: number;
  clock?: Clock;
}

const FREE_TURN: EditTurn = { end: async () => {} };
/** The gap is at most one interval: a few looks settle it, a bound against a clock that jumps. */
const MAX_GAP_ROUNDS = 5;

export class RedisCoordinator implements MessageCoordinator {
  readonly shared = true;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #leases: RedisLeases;

  constructor(options: RedisCoordinatorOptions) {
    this.#prefix = options.prefix;
    this.#clock = options.clock ?? systemClock;
    const fallback = new RedisFallback({
      logger: options.logger,
      what: `${options.prefix} message updates`,
      clock: this.#clock,
    });
    this.#leases = new RedisLeases({
      redis: options.redis,
      fallback,
      logger: options.logger,
      clock: this.#clock,
      ...(options.leaseTtlMs !== undefined ? { ttlMs: options.leaseTtlMs } : {}),
    });
  }

  async whilePosting<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const lease = await this.#leases.take(`${this.#prefix}:post:{${runId}}`);
    try {
      return await work();
    } finally {
      await lease?.release();
    }
  }

  async editTurn(key: string, gapMs: number): Promise<EditTurn> {
    const lease = this.#key(key);
    const held = await this.#leases.take(lease, `${lease}:gap`);
    if (!held) return FREE_TURN;
    // Waited out holding the lease: the next edit of this message is this one, whoever else wants one.
    // Until the gap key is gone, not for its time to live: a timer may fire a little early.
    let gap = held.gapMs;
    for (let round = 0; round < MAX_GAP_ROUNDS && gap > 0; round++) {
      await this.#clock.sleep(gap);
      gap = await this.#leases.timeLeft(`${lease}:gap`);
    }
    return { end: (edited) => held.release(edited ? gapMs : 0) };
  }

  #key(message: string): string {
    return `${this.#prefix}:edit:{${message}}`;
  }
}

import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import type { Clock } from '../../src/chat/clock.js';
import { connectRedis } from '../../src/redis.js';

/** What the tests of replicas sharing Redis need: the Redis to share, clocks and logs to look at. */

export const REDIS_URL = process.env.REDIS_URL;
export const WHY_NO_REDIS =
  'needs REDIS_URL (e.g. redis://127.0.0.1:6379): replicas share limits and leases through a real Redis';

/** A key prefix of its own per test, so tests never see each other's buckets and leases. */
export function uniquePrefix(): string {
  return `shipcheck-test:${randomUUID().slice(0, 8)}`;
}

/** One connection per simulated replica, as separate processes would have; all closed by `closeAll`. */
export class RedisConnections {
  readonly #open: Redis[] = [];

  async connect(url = REDIS_URL as string): Promise<Redis> {
    const redis = await connectRedis(url);
    this.#open.push(redis);
    return redis;
  }

  closeAll(): void {
    for (const redis of this.#open.splice(0)) redis.disconnect();
  }
}

export interface LogLine {
  level: number;
  msg: string;
  what?: string;
}

/** A pino logger whose lines (info and above) are kept for the test to read. */
export function capturingLogger(): { logger: Logger; lines: LogLine[]; warnings: () => LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, sink),
    lines,
    warnings: () => lines.filter((line) => line.level >= 40),
  };
}

/**
 * Real time plus whatever callers slept: a sleep returns at once and says how long it was asked to be.
 * A limiter's waits can then be read off exactly, without a test waiting them out.
 */
export class SkippingClock implements Clock {
  readonly sleeps: number[] = [];
  readonly #park: boolean;
  #skipped = 0;

  /** `park`: a sleep never returns, for a wait that would be checked against Redis's own time after it. */
  constructor(options: { park?: boolean } = {}) {
    this.#park = options.park ?? false;
  }

  now(): number {
    return Date.now() + this.#skipped;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    if (this.#park) return new Promise(() => {});
    this.#skipped += Math.max(0, ms);
    return Promise.resolve();
  }

  /** Everything slept since the last call, in total. */
  takeSlept(): number {
    const total = this.sleeps.reduce((sum, ms) => sum + Math.max(0, ms), 0);
    this.sleeps.length = 0;
    return total;
  }
}

/** Polls `done` until it holds, failing after `deadlineMs`: every wait in these tests is bounded. */
export async function waitUntil(what: string, deadlineMs: number, done: () => boolean | Promise<boolean>) {
  const until = Date.now() + deadlineMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

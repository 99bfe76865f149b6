import { afterAll, describe, expect, it } from 'vitest';
import type { RateLimits } from '../../src/chat/rateLimiter.js';
import { RedisRateLimiter } from '../../src/chat/redisRateLimiter.js';
import { FaultProxy, targetOf } from '../support/faultProxy.js';
import {
  capturingLogger,
  REDIS_URL,
  RedisConnections,
  SkippingClock,
  uniquePrefix,
  WHY_NO_REDIS,
  waitUntil,
} from '../support/replicas.js';

/** Ten seconds a token: any wait a test reads off is far from the few milliseconds that pass meanwhile. */
const LIMITS: RateLimits = {
  methods: {
    'chat.update': { perMinute: 6, burst: 3 },
    'chat.postMessage': { perMinute: 6, burst: 1, perScope: true },
  },
  fallback: { perMinute: 6, burst: 1 },
};
const TOKEN_MS = 10_000;

const connections = new RedisConnections();
afterAll(() => connections.closeAll());

/** A limiter as one replica has it: its own connection, clock and log, on a shared prefix. */
async function replica(prefix: string, url?: string, clock = new SkippingClock()) {
  const log = capturingLogger();
  const redis = await connections.connect(url);
  const limiter = new RedisRateLimiter({ redis, limits: LIMITS, prefix, logger: log.logger, clock });
  return { limiter, clock, log, redis };
}

describe.skipIf(!REDIS_URL)(`RedisRateLimiter (${REDIS_URL ? 'Redis' : WHY_NO_REDIS})`, () => {
  it('makes two replicas draw on one budget, served in the order they asked', async () => {
    const prefix = uniquePrefix();
    const a = await replica(prefix);
    const b = await replica(prefix);
    await a.limiter.acquire('chat.update');
    await b.limiter.acquire('chat.update');
    await a.limiter.acquire('chat.update');
    // The burst of three is spent between them: nobody waited yet.
    expect([a.clock.takeSlept(), b.clock.takeSlept()]).toEqual([0, 0]);

    await b.limiter.acquire('chat.update');
    await a.limiter.acquire('chat.update');
    // B reserved the next token and A the one after it, as if one process had asked twice.
    const waitedB = b.clock.takeSlept();
    const waitedA = a.clock.takeSlept();
    expect(waitedB).toBeGreaterThan(TOKEN_MS - 1_000);
    expect(waitedB).toBeLessThanOrEqual(TOKEN_MS);
    expect(waitedA).toBeGreaterThan(2 * TOKEN_MS - 1_000);
    expect(waitedA).toBeLessThanOrEqual(2 * TOKEN_MS);
  });

  it('counts a per-channel limit per channel, across replicas', async () => {
    const prefix = uniquePrefix();
    const a = await replica(prefix);
    const b = await replica(prefix);
    await a.limiter.acquire('chat.postMessage', 'C1');
    await b.limiter.acquire('chat.postMessage', 'C2');
    expect([a.clock.takeSlept(), b.clock.takeSlept()]).toEqual([0, 0]);
    await b.limiter.acquire('chat.postMessage', 'C1');
    expect(b.clock.takeSlept()).toBeGreaterThan(TOKEN_MS - 1_000);
  });

  it('holds every replica for a Retry-After that one of them was given', async () => {
    const prefix = uniquePrefix();
    // The back-off runs on Redis's time, which a skipping clock cannot move: the waits are only read.
    const a = await replica(prefix, undefined, new SkippingClock({ park: true }));
    const b = await replica(prefix, undefined, new SkippingClock({ park: true }));
    const c = await replica(prefix);
    a.limiter.backOff('chat.update', 5_000);
    // A's own next call waits for the back-off to be stored, then for the back-off itself.
    void a.limiter.acquire('chat.update');
    await waitUntil('A to wait', 5_000, () => a.clock.sleeps.length > 0);
    void b.limiter.acquire('chat.update');
    await waitUntil('B to wait', 5_000, () => b.clock.sleeps.length > 0);
    for (const waited of [a.clock.sleeps[0], b.clock.sleeps[0]]) {
      expect(waited).toBeGreaterThan(4_000);
      expect(waited).toBeLessThanOrEqual(5_000);
    }
    // Other methods are not held.
    await c.limiter.acquire('views.open');
    expect(c.clock.takeSlept()).toBe(0);
  });

  it('paces in-process when Redis is unreachable, warns once, and never throws', async () => {
    // Port 1 on loopback: nothing listens there, so every command fails at once.
    const a = await replica(uniquePrefix(), 'redis://127.0.0.1:1');
    await a.limiter.acquire('chat.update');
    await a.limiter.acquire('chat.update');
    await a.limiter.acquire('chat.update');
    expect(a.clock.takeSlept()).toBe(0);
    await a.limiter.acquire('chat.update');
    // The in-process bucket: the fourth call waits a token's time, as one process alone would.
    expect(a.clock.takeSlept()).toBeGreaterThan(TOKEN_MS - 1_000);
    a.limiter.backOff('chat.update', 3_000);
    await a.limiter.acquire('views.open');
    expect(a.log.warnings()).toHaveLength(1);
    expect(a.log.warnings()[0]?.msg).toMatch(/Redis is unreachable/);
  });

  it('goes back to the shared budget once Redis answers again', async () => {
    const proxy = new FaultProxy(targetOf(REDIS_URL as string, 6379));
    await proxy.up();
    const prefix = uniquePrefix();
    const viaProxy = await replica(prefix, proxy.rewrite(REDIS_URL as string));
    const direct = await replica(prefix);
    try {
      await viaProxy.limiter.acquire('chat.update');
      await direct.limiter.acquire('chat.update');

      await proxy.down();
      for (let call = 0; call < 3; call++) await viaProxy.limiter.acquire('views.open');
      expect(viaProxy.log.warnings()).toHaveLength(1);

      await proxy.up();
      await waitUntil('the limiter to use Redis again', 15_000, async () => {
        await viaProxy.limiter.acquire('views.open');
        return viaProxy.log.lines.some((line) => line.msg.startsWith('Redis answers again'));
      });
      await viaProxy.limiter.acquire('chat.update');
      // Two tokens were taken through Redis before the outage, this is the third: the burst is spent, so
      // the direct replica's next call waits, which it would not if the third had been taken in-process.
      await direct.limiter.acquire('chat.update');
      expect(direct.clock.takeSlept()).toBeGreaterThan(TOKEN_MS - 2_000);
      expect(viaProxy.log.lines.map((line) => line.msg)).toContain(
        'Redis answers again: back to sharing through it',
      );
      expect(viaProxy.log.warnings()).toHaveLength(1);
    } finally {
      await proxy.down();
    }
  });
});

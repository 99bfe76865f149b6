import { describe, expect, it } from 'vitest';
import { InProcessRateLimiter } from '../../src/chat/rateLimiter.js';
import { ManualClock, settle } from '../support/manualClock.js';

const LIMITS = {
  methods: {
    'chat.update': { perMinute: 60, burst: 3 },
    'chat.postMessage': { perMinute: 60, burst: 1, perScope: true },
  },
  fallback: { perMinute: 20, burst: 1 },
};

/** Starts `count` acquisitions and records when each one is let through. */
function acquireMany(limiter: InProcessRateLimiter, clock: ManualClock, method: string, count: number) {
  const times: number[] = [];
  const start = clock.now();
  for (let index = 0; index < count; index++) {
    void limiter.acquire(method).then(() => times.push(clock.now() - start));
  }
  return times;
}

describe('InProcessRateLimiter', () => {
  it('lets a burst through at once, then one call per token, in arrival order', async () => {
    const clock = new ManualClock();
    const limiter = new InProcessRateLimiter(LIMITS, clock);
    const times = acquireMany(limiter, clock, 'chat.update', 6);
    await settle();
    expect(times).toEqual([0, 0, 0]);
    await clock.advance(10_000);
    expect(times).toEqual([0, 0, 0, 1_000, 2_000, 3_000]);
  });

  it('refills while idle, up to the burst', async () => {
    const clock = new ManualClock();
    const limiter = new InProcessRateLimiter(LIMITS, clock);
    acquireMany(limiter, clock, 'chat.update', 3);
    await clock.advance(60_000);
    const times = acquireMany(limiter, clock, 'chat.update', 4);
    await clock.advance(1_000);
    expect(times).toEqual([0, 0, 0, 1_000]);
  });

  it('holds every caller of a method for the Retry-After the platform gave', async () => {
    const clock = new ManualClock();
    const limiter = new InProcessRateLimiter(LIMITS, clock);
    limiter.backOff('chat.update', 7_000);
    const times = acquireMany(limiter, clock, 'chat.update', 2);
    const other = acquireMany(limiter, clock, 'views.open', 1);
    await clock.advance(6_999);
    expect(times).toEqual([]);
    expect(other).toEqual([0]);
    await clock.advance(1);
    expect(times).toEqual([7_000, 7_000]);
  });

  it('counts a per-channel limit per channel', async () => {
    const clock = new ManualClock();
    const limiter = new InProcessRateLimiter(LIMITS, clock);
    const times: string[] = [];
    for (const channel of ['C1', 'C1', 'C2']) {
      void limiter.acquire('chat.postMessage', channel).then(() => times.push(`${channel}@${clock.now()}`));
    }
    const start = clock.now();
    await clock.advance(1_000);
    expect(times).toEqual([`C1@${start}`, `C2@${start}`, `C1@${start + 1_000}`]);
  });
});

import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/chat/outbox.js';
import { RateLimitedError } from '../../src/chat/rateLimiter.js';
import { ManualClock, settle } from '../support/manualClock.js';

interface Sent {
  key: string;
  payload: string;
  at: number;
}

function outboxWith(clock: ManualClock, send?: (key: string, payload: string) => Promise<void>) {
  const sent: Sent[] = [];
  const givenUp: string[] = [];
  const outbox = new Outbox<string>({
    clock,
    intervalMs: 1_000,
    send: async (key, payload) => {
      await send?.(key, payload);
      sent.push({ key, payload, at: clock.now() });
    },
    onGiveUp: (key) => givenUp.push(key),
  });
  return { outbox, sent, givenUp };
}

describe('Outbox', () => {
  it('sends the first change at once, then only the newest one per interval', async () => {
    const clock = new ManualClock();
    const { outbox, sent } = outboxWith(clock);
    const start = clock.now();
    for (let version = 1; version <= 50; version++) outbox.offer('m1', version, `v${version}`);
    await settle();
    expect(sent.map((item) => item.payload)).toEqual(['v1']);
    await clock.advance(999);
    expect(sent).toHaveLength(1);
    await clock.advance(1);
    expect(sent.map((item) => [item.payload, item.at - start])).toEqual([
      ['v1', 0],
      ['v50', 1_000],
    ]);
    await outbox.idle();
    expect(outbox.stats).toMatchObject({ sent: 2, coalesced: 48 });
  });

  it('counts the interval from the end of an edit, so a slow edit does not bring the next one closer', async () => {
    const clock = new ManualClock();
    const { outbox, sent } = outboxWith(clock, () => clock.sleep(300));
    const start = clock.now();
    outbox.offer('m', 1, 'v1');
    outbox.offer('m', 2, 'v2');
    await clock.advance(1_299);
    expect(sent.map((item) => item.payload)).toEqual(['v1']);
    await clock.advance(301);
    // v1 went out from 0 to 300; v2 may start at 1,300 and ends at 1,600.
    expect(sent.map((item) => [item.payload, item.at - start])).toEqual([
      ['v1', 300],
      ['v2', 1_600],
    ]);
  });

  it('paces each message on its own', async () => {
    const clock = new ManualClock();
    const { outbox, sent } = outboxWith(clock);
    outbox.offer('a', 1, 'a1');
    outbox.offer('b', 1, 'b1');
    outbox.offer('a', 2, 'a2');
    await clock.advance(1_000);
    expect(sent.map((item) => item.payload)).toEqual(['a1', 'b1', 'a2']);
  });

  it('never lets an older version replace a newer one, even after the newer one was sent', async () => {
    const clock = new ManualClock();
    const { outbox, sent } = outboxWith(clock);
    expect(outbox.offer('m', 7, 'v7')).toBe(true);
    expect(outbox.offer('m', 5, 'v5')).toBe(false);
    await clock.advance(5_000);
    expect(outbox.offer('m', 6, 'v6')).toBe(false);
    await clock.advance(5_000);
    expect(sent.map((item) => item.payload)).toEqual(['v7']);
  });

  it('keeps at most one edit of a message in flight', async () => {
    const clock = new ManualClock();
    let inFlight = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const { outbox, sent } = outboxWith(clock, async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight -= 1;
    });
    outbox.offer('m', 1, 'v1');
    await settle();
    outbox.offer('m', 2, 'v2');
    outbox.offer('m', 3, 'v3');
    await clock.advance(3_000);
    expect(releases).toHaveLength(1);
    releases.shift()?.();
    await clock.advance(1_000);
    releases.shift()?.();
    await outbox.idle();
    expect(most).toBe(1);
    expect(sent.map((item) => item.payload)).toEqual(['v1', 'v3']);
  });

  it('waits out a rate limit, then sends the newest payload', async () => {
    const clock = new ManualClock();
    let refusals = 1;
    const { outbox, sent } = outboxWith(clock, async (_key) => {
      if (refusals-- > 0) throw new RateLimitedError('chat.update', 5_000);
    });
    const start = clock.now();
    outbox.offer('m', 1, 'v1');
    await clock.advance(100);
    outbox.offer('m', 2, 'v2');
    await clock.advance(4_800);
    expect(sent).toEqual([]);
    await clock.advance(200);
    expect(sent.map((item) => [item.payload, item.at - start])).toEqual([['v2', 5_000]]);
    expect(outbox.stats.rateLimited).toBe(1);
  });

  it('retries a failing edit a few times, then gives it up and says so', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const { outbox, sent, givenUp } = outboxWith(clock, async () => {
      calls += 1;
      throw new Error('message_not_found');
    });
    outbox.offer('m', 1, 'v1');
    await clock.advance(60_000);
    await outbox.idle();
    expect(calls).toBe(3);
    expect(sent).toEqual([]);
    expect(givenUp).toEqual(['m']);
  });

  it('is idle at once when nothing is queued, and after the last edit otherwise', async () => {
    const clock = new ManualClock();
    const { outbox } = outboxWith(clock);
    await outbox.idle();
    outbox.offer('m', 1, 'v1');
    outbox.offer('m', 2, 'v2');
    let idle = false;
    void outbox.idle().then(() => {
      idle = true;
    });
    await settle();
    expect(idle).toBe(false);
    await clock.advance(1_000);
    expect(idle).toBe(true);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { RedisCoordinator } from '../../src/chat/redisCoordinator.js';
import {
  capturingLogger,
  REDIS_URL,
  RedisConnections,
  uniquePrefix,
  WHY_NO_REDIS,
  waitUntil,
} from '../support/replicas.js';

const connections = new RedisConnections();
afterAll(() => connections.closeAll());

/** A coordinator as one replica has it: its own connection and log, on a shared prefix. */
async function replica(prefix: string, options: { url?: string; leaseTtlMs?: number } = {}) {
  const log = capturingLogger();
  const redis = await connections.connect(options.url);
  const coordinator = new RedisCoordinator({
    redis,
    prefix,
    logger: log.logger,
    ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
  });
  return { coordinator, log, redis };
}

/** A promise the test settles by hand. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.skipIf(!REDIS_URL)(`RedisCoordinator (${REDIS_URL ? 'Redis' : WHY_NO_REDIS})`, () => {
  it('lets one replica at a time post a run’s parts; the other starts once the first is done', async () => {
    const prefix = uniquePrefix();
    const a = await replica(prefix);
    const b = await replica(prefix);
    const order: string[] = [];
    const holding = gate();
    const first = a.coordinator.whilePosting('run-1', async () => {
      order.push('a starts');
      await holding.opened;
      order.push('a ends');
    });
    await waitUntil('A to hold the lease', 5_000, () => order.length === 1);
    const second = b.coordinator.whilePosting('run-1', async () => {
      order.push('b starts');
    });
    // Another run is not held up by it.
    await a.coordinator.whilePosting('run-2', async () => {
      order.push('run-2');
    });
    holding.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['a starts', 'run-2', 'a ends', 'b starts']);
  });

  it('gives the edit turn of a message to one replica at a time, with the gap after each edit', async () => {
    const prefix = uniquePrefix();
    const replicas = [await replica(prefix), await replica(prefix)];
    const GAP_MS = 40;
    const turns: { who: number; start: number; end: number; edited: boolean }[] = [];
    await Promise.all(
      replicas.map(async ({ coordinator }, who) => {
        for (let edit = 0; edit < 6; edit++) {
          const turn = await coordinator.editTurn('run-1/summary#0', GAP_MS);
          const start = Date.now();
          await new Promise((resolve) => setTimeout(resolve, 5));
          // Every third turn finds nothing to edit: no gap follows it.
          const edited = edit % 3 !== 2;
          const end = Date.now();
          turns.push({ who, start, end, edited });
          await turn.end(edited);
        }
      }),
    );
    expect(turns).toHaveLength(12);
    expect(new Set(turns.map((turn) => turn.who))).toEqual(new Set([0, 1]));
    const ordered = [...turns].sort((x, y) => x.start - y.start);
    for (let index = 1; index < ordered.length; index++) {
      const before = ordered[index - 1] as (typeof turns)[number];
      const after = ordered[index] as (typeof turns)[number];
      // Never two at once; after an edit, the next one waits the gap, whichever replica makes it.
      expect(after.start).toBeGreaterThanOrEqual(before.end);
      if (before.edited) expect(after.start - before.end).toBeGreaterThanOrEqual(GAP_MS);
    }
  });

  it('does not let a crashed replica’s lease hold the others up beyond its time to live', async () => {
    const prefix = uniquePrefix();
    const crashing = await replica(prefix, { leaseTtlMs: 300 });
    const other = await replica(prefix, { leaseTtlMs: 300 });
    await crashing.coordinator.editTurn('run-1/section#0', 0);
    // The process is gone: it neither renews nor releases.
    crashing.redis.disconnect();
    let granted = false;
    const turn = other.coordinator.editTurn('run-1/section#0', 0).then((held) => {
      granted = true;
      return held;
    });
    await waitUntil('the lease to expire', 10_000, () => granted);
    await (await turn).end(true);
    expect(other.log.warnings()).toEqual([]);
  });

  it('lets a replica act alone when Redis is unreachable, warning once', async () => {
    const alone = await replica(uniquePrefix(), { url: 'redis://127.0.0.1:1' });
    let posted = false;
    await alone.coordinator.whilePosting('run-1', async () => {
      posted = true;
    });
    const turn = await alone.coordinator.editTurn('run-1/summary#0', 1_000);
    await turn.end(true);
    await (await alone.coordinator.editTurn('run-1/summary#0', 1_000)).end(true);
    expect(posted).toBe(true);
    expect(alone.log.warnings()).toHaveLength(1);
  });
});

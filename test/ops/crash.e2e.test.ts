import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS } from '../chat/slack/harness.js';
import { type FakeMessage, FakeSlack } from '../fakes/slack/server.js';
import { itemLineOf, type SlackWorkspace } from '../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually, type RunningProduct, startSlackProduct } from '../support/product.js';

const databaseUrl = process.env.DATABASE_URL;
const RUNS = 5;
const CLICKS = 400;
const IN_FLIGHT = 16;
/** The product is killed once this many clicks have had their answer. */
const KILL_AFTER = 150;

/**
 * kill -9 in the middle of a burst of clicks: the product on real Postgres in Slack HTTP mode, 400
 * signed clicks over five runs with sixteen in flight, SIGKILL after 150 answers, a restart. The figure
 * it proves: every click Slack got a 200 for is in the database after the restart (answered ⊆ stored),
 * and no click is applied twice.
 */
describe.skipIf(!databaseUrl)(
  `SIGKILL mid-burst (${databaseUrl ? 'Postgres' : 'skipped: needs DATABASE_URL for real Postgres'})`,
  () => {
    const fake = new FakeSlack();
    let database: TestDatabase;
    const products: RunningProduct[] = [];

    beforeAll(async () => {
      await fake.start();
      database = await createTestDatabase();
    });
    afterAll(async () => {
      for (const product of products) product.kill();
      await fake.close();
      await database?.drop();
    });

    it('loses no answered click and applies none twice', { timeout: 120_000 }, async () => {
      const first = await startSlackProduct(fake, database.env);
      products.push(first.product);
      const channels = Array.from({ length: RUNS }, (_, index) => `C0CRASH${index}`);
      for (const channel of channels) {
        expect((await first.workspace.slash(USERS.ana, channel, 'start demo')).status).toBe(200);
      }
      const sections = await eventually('every run to be posted', () => {
        const all = channels.map((channel) => {
          const summary = fake.messages(channel)[0];
          return summary ? fake.thread(channel, summary.ts) : [];
        });
        return all.every((thread) => thread.length >= 3) ? all : undefined;
      });

      // Every click ticks an item of one run: the first per item is applied, the rest are refused as
      // already done. Applied or refused, an answered click is a recorded outcome.
      const tickable = (sections as FakeMessage[][]).map((thread) =>
        thread.flatMap((section) =>
          refsOn(section)
            .filter((ref) => offersDone(first.workspace, section, ref))
            .map((ref) => ({ section, ref })),
        ),
      );
      const clicks = Array.from({ length: CLICKS }, (_, index) => {
        const targets = tickable[index % RUNS] as { section: FakeMessage; ref: string }[];
        const { section, ref } = targets[Math.floor(index / RUNS) % targets.length] as (typeof targets)[0];
        return first.workspace.chooseAction(USERS.bo, section, ref, '✅ Done');
      });

      const answered: Record<string, unknown>[] = [];
      let next = 0;
      let killed = false;
      const worker = async (workspace: SlackWorkspace) => {
        while (!killed && next < clicks.length) {
          const click = clicks[next++] as Record<string, unknown>;
          try {
            const response = await workspace.deliver(click);
            if (response.status === 200 && !killed) answered.push(click);
          } catch {
            // The connection died with the process: this click was never answered.
          }
          if (answered.length >= KILL_AFTER && !killed) {
            killed = true;
            first.product.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker(first.workspace)));
      expect(killed).toBe(true);
      await first.product.exited;

      const second = await startSlackProduct(fake, database.env);
      products.push(second.product);
      const keys = new Set(answered.map(keyOf));
      const stored = await database.handle.db.execute<{ idempotency_key: string }>(
        "select idempotency_key from run_commands where idempotency_key like 'slack:act:%'",
      );
      const storedKeys = new Set(
        (stored as unknown as { rows: { idempotency_key: string }[] }).rows.map((row) => row.idempotency_key),
      );
      const lost = [...keys].filter((key) => !storedKeys.has(key));
      console.log(
        `kill -9 mid-burst: ${answered.length} answered, ${storedKeys.size} stored, ${lost.length} answered but lost`,
      );
      expect(lost).toEqual([]);
      // None twice: an item is ticked by at most one manual event per run.
      const ticks = await database.handle.db.execute<{ run_id: string; key: string; n: number }>(
        "select run_id, payload->>'key' as key, count(*)::int as n from run_events where type = 'item_checked' and (payload->>'auto') is null group by 1, 2 having count(*) > 1",
      );
      expect((ticks as unknown as { rows: unknown[] }).rows).toEqual([]);
      // The restarted product answers the very clicks it had answered, as replays, changing nothing.
      const again = await second.workspace.deliver(answered[0] as Record<string, unknown>);
      expect(again.status).toBe(200);
    });
  },
);

/** The item refs a section message shows. */
function refsOn(section: FakeMessage): string[] {
  const refs: string[] = [];
  for (let major = 1; major <= 9; major++)
    for (let minor = 1; minor <= 9; minor++)
      if (itemLineOf(section, `${major}.${minor}`)) refs.push(`${major}.${minor}`);
  return refs;
}

function offersDone(workspace: SlackWorkspace, section: FakeMessage, ref: string): boolean {
  try {
    workspace.chooseAction(USERS.bo, section, ref, '✅ Done');
    return true;
  } catch {
    return false;
  }
}

/** The idempotency key Shipcheck files a click under (one per click, from its action_ts). */
function keyOf(click: Record<string, unknown>): string {
  const user = click.user as { id: string };
  const action = (click.actions as { action_ts: string; block_id: string; action_id: string }[])[0];
  if (!action) throw new Error('a click without an action');
  return `slack:act:${action.action_ts}:${user.id}:${action.block_id}:${action.action_id}`;
}

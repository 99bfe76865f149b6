import { describe, expect, it } from 'vitest';
import { loadChecklists } from '../../src/loadChecklists.js';
import { RunService } from '../../src/runs/service.js';
import { USERS } from '../chat/slack/harness.js';
import type { FakeMessage } from '../fakes/slack/server.js';
import { itemLineOf } from '../fakes/slack/workspace.js';
import { eventually, useSlackProduct } from '../support/product.js';

const CHANNEL = 'C0SIGTERM';
const CLICKS = 60;
/** SIGTERM goes out once this many clicks have been acknowledged: the rest arrive while it stops. */
const ACKED_BEFORE_SIGTERM = 15;
const TIERS = {
  'chat.update': { perMinute: 6_000, burst: 1_000 },
  'chat.postMessage': { perMinute: 6_000, burst: 1_000, perChannel: true },
  'chat.postEphemeral': { perMinute: 6_000, burst: 1_000 },
};

describe('SIGTERM during a burst of clicks', () => {
  const slack = useSlackProduct({ tiers: TIERS });
  const { fake } = slack;

  it('exits 0 within ten seconds, and every acknowledged click is in the run', async () => {
    const { product, workspace } = await slack.start();
    expect((await workspace.slash(USERS.ana, CHANNEL, 'start backend-api-deploy v7')).status).toBe(200);

    const checklist = (await loadChecklists('checklists')).find('backend-api-deploy');
    if (!checklist) throw new Error('backend-api-deploy is not shipped');
    const refs = checklist.items
      .filter((item) => item.kind === 'task' && item.childKeys.length === 0)
      .slice(0, CLICKS)
      .map((item) => item.ref);
    // Every click is built from the message that shows its item, as a person's would be.
    const shownIn = await eventually('every item to be posted', () => {
      const summary = fake.messages(CHANNEL)[0];
      if (!summary) return undefined;
      const sections = fake.thread(CHANNEL, summary.ts);
      const found = new Map<string, FakeMessage>();
      for (const ref of refs) {
        const section = sections.find((candidate) => itemLineOf(candidate, ref));
        if (!section) return undefined;
        found.set(ref, section);
      }
      return found;
    });
    const people = [USERS.ana, USERS.bo];
    const payloads = refs.map((ref, index) => ({
      ref,
      payload: workspace.chooseAction(
        people[index % people.length] as (typeof people)[number],
        shownIn.get(ref) as FakeMessage,
        ref,
        '✅ Done',
      ),
    }));

    const acked: string[] = [];
    const running = product;
    const signalled = { at: 0 };
    const stopped = running.exited.then((code) => ({ code, at: Date.now() }));
    await Promise.all(
      payloads.map(async ({ ref, payload }, index) => {
        // Spread over a moment, so some clicks are in hand and some still to come when SIGTERM lands.
        await new Promise((resolve) => setTimeout(resolve, index * 5));
        const answer = await workspace.deliver(payload).catch(() => null);
        if (answer?.status !== 200) return;
        acked.push(ref);
        if (acked.length === ACKED_BEFORE_SIGTERM && signalled.at === 0) {
          signalled.at = Date.now();
          running.child.kill('SIGTERM');
        }
      }),
    );
    const { code, at } = await stopped;
    expect(code).toBe(0);
    expect(signalled.at).toBeGreaterThan(0);
    expect(at - signalled.at).toBeLessThan(10_000);
    expect(acked.length).toBeGreaterThanOrEqual(ACKED_BEFORE_SIGTERM);
    expect(running.log()).toContain('stopping: finishing the interactions in hand');

    // What the database holds once the process is gone: every acknowledged click, done by its clicker.
    await slack.store().read(async (handle) => {
      const runs = new RunService(handle.db);
      const run = await runs.activeRun('slack', CHANNEL);
      if (!run) throw new Error('the run is not in the database');
      const done = refs.filter((ref) => {
        const item = run.checklist.items.find((candidate) => candidate.ref === ref);
        return item && run.items[item.key]?.status === 'done';
      });
      expect(done, running.log()).toEqual(expect.arrayContaining(acked));
      const events = await runs.events(run.id);
      const checked = new Set(
        events
          .filter((event) => event.type === 'item_checked')
          .map((event) => (event.payload as { key: string }).key),
      );
      for (const ref of acked) {
        const item = run.checklist.items.find((candidate) => candidate.ref === ref);
        expect(checked.has(item?.key as string), `the event of ${ref}`).toBe(true);
      }
    });
  });
});

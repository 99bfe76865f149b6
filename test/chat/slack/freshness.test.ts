import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import type { FakeMessage } from '../../fakes/slack/server.js';
import { itemLineOf } from '../../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

/**
 * The person who clicks sees the click in the message they clicked within a second, even while
 * chat.update is throttled: the click's own response_url rewrites that message; the rest of the run
 * catches up through the edit queue.
 */

let database: TestDatabase;
let slack: SlackHarness;
let library: ChecklistLibrary;

/** chat.update allows one edit a minute here: any freshness must come from somewhere else. */
const STARVED = {
  'chat.update': { perMinute: 1, burst: 1 },
  'chat.postMessage': { perMinute: 6_000, burst: 1_000, perChannel: true },
  'chat.postEphemeral': { perMinute: 6_000, burst: 1_000 },
  'views.open': { perMinute: 6_000, burst: 1_000 },
};

beforeAll(async () => {
  database = await createTestDatabase();
  library = await loadChecklists('checklists');
  slack = await startSlackHarness({ mode: 'http', database, library, tiers: STARVED });
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

function sectionWith(channel: string, ref: string): FakeMessage {
  const summary = slack.fake.messages(channel).at(-1);
  if (!summary) throw new Error(`nothing was posted in ${channel}`);
  const found = slack.fake.thread(channel, summary.ts).find((section) => itemLineOf(section, ref));
  if (!found) throw new Error(`no section shows item ${ref}`);
  return found;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

describe('the clicked message shows the click at once', () => {
  it('three clicks in one section each show within 1 s while chat.update allows one edit a minute', async () => {
    const channel = 'C0FRESH01';
    await slack.workspace.slash(USERS.ana, channel, 'start demo v1');
    await slack.adapter.idle();
    const refs = ['1.1', '1.2', '1.3'];
    const seen: number[] = [];
    for (const ref of refs) {
      const section = sectionWith(channel, ref);
      const pressed = performance.now();
      await slack.workspace.choose(USERS.ana, section, ref, '✅ Done');
      const waited = await until(
        () => /done by @ana/.test(itemLineOf(sectionWith(channel, ref), ref) ?? ''),
        5_000,
      );
      seen.push(Number.isFinite(waited) ? performance.now() - pressed : Number.POSITIVE_INFINITY);
    }
    // Figure proved: clicks shown in the clicked message within 1 s = clicks made (3 of 3).
    expect(seen.filter((ms) => ms < 1_000)).toHaveLength(refs.length);
    const section = sectionWith(channel, '1.1');
    expect(section.replacements).toBeGreaterThanOrEqual(refs.length);
    // No rejected call on the way: every rewrite was within Slack's limits.
    expect(slack.problems.filter((problem) => problem.level >= 50)).toEqual([]);
  });
});

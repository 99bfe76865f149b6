import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import type { Checklist } from '../../../src/checklist/types.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import type { FakeMessage } from '../../fakes/slack/server.js';
import { controlsOf, itemLineOf, shownText } from '../../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

/**
 * Every shipped template, from `/deploy start` to Complete by clicks only: each open item gets what it
 * asks for (a tick, a value, the first option of a decision, a signature), read off the channel.
 */

let database: TestDatabase;
let library: ChecklistLibrary;
let slack: SlackHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  library = await loadChecklists('checklists');
  slack = await startSlackHarness({ mode: 'http', database, library });
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

const PEOPLE = [USERS.ana, USERS.bo];

function threadOf(channel: string): FakeMessage[] {
  const summary = slack.fake.messages(channel).at(-1) as FakeMessage;
  return slack.fake.thread(channel, summary.ts);
}

function lineOf(channel: string, ref: string): string {
  for (const message of threadOf(channel)) {
    const line = itemLineOf(message, ref);
    if (line !== undefined) return line;
  }
  throw new Error(`no message shows item ${ref}`);
}

function messageOf(channel: string, ref: string): FakeMessage {
  const found = threadOf(channel).find((message) => itemLineOf(message, ref) !== undefined);
  if (!found) throw new Error(`no message shows item ${ref}`);
  return found;
}

/** What a person clicks on an open item to resolve it. */
async function resolveItem(channel: string, checklist: Checklist, ref: string, turn: number): Promise<void> {
  const item = checklist.items.find((candidate) => candidate.ref === ref);
  const user = PEOPLE[turn % PEOPLE.length] as (typeof PEOPLE)[number];
  const labels = controlsOf(messageOf(channel, ref)).map((control) => control.text);
  if (item?.kind === 'input') {
    await slack.workspace.choose(user, messageOf(channel, ref), ref, '✏️ Record a value…');
    await slack.adapter.idle();
    await slack.workspace.submit(user, [...slack.fake.views.keys()].at(-1) as string, { value: '240' });
    await slack.adapter.idle();
    // A blank with several fields wants name=value pairs: someone marks it N/A instead.
    if (lineOf(channel, ref).includes('⬜'))
      await slack.workspace.choose(user, messageOf(channel, ref), ref, '➖ Not applicable');
  } else if (item?.kind === 'decision') {
    await slack.workspace.choose(user, messageOf(channel, ref), ref, `🗳️ ${item.decision?.options[0]}`);
  } else if (item?.kind === 'signoff') {
    await slack.workspace.choose(user, messageOf(channel, ref), ref, '✍️ Sign off');
  } else if (labels.includes('✅ Done')) {
    await slack.workspace.choose(user, messageOf(channel, ref), ref, '✅ Done');
    // A leaf changes no later item's line, so the next click need not wait for this one to show.
    if (item?.childKeys.length === 0) return;
  }
  await slack.adapter.idle();
}

describe('every shipped template over Slack', () => {
  it('has templates to run', () => {
    expect(library.checklists.length).toBeGreaterThan(1);
  });

  it.each(loadNames())(
    'runs %s to completion by clicks only',
    async (name) => {
      const checklist = library.find(name) as Checklist;
      const channel = `C0T${name
        .replace(/[^a-z0-9]/gi, '')
        .toUpperCase()
        .slice(0, 12)}`;
      await slack.workspace.slash(USERS.ana, channel, `start ${name} v1`);
      await slack.adapter.idle();
      const pages = threadOf(channel).length;
      expect(pages).toBeGreaterThanOrEqual(checklist.phases.flatMap((phase) => phase.sections).length);

      let turn = 0;
      for (const item of checklist.items) {
        // Ticking a parent resolves its children; only what still shows open gets a click.
        if (!lineOf(channel, item.ref).includes('⬜')) continue;
        await resolveItem(channel, checklist, item.ref, turn++);
      }
      const summary = slack.fake.messages(channel).at(-1) as FakeMessage;
      await slack.workspace.press(USERS.ana, summary, '✅ Complete');
      await slack.adapter.idle();

      expect(shownText(slack.fake.messages(channel).at(-1))).toContain('*Completed*');
      const [run] = await slack.runs.recentRuns('slack', channel, 1);
      expect(run?.status).toBe('completed');
      expect(slack.fake.refusals).toEqual([]);
      expect(slack.problems).toEqual([]);
    },
    180_000,
  );
});

/** Template names, read synchronously at collection time (the library is loaded again in beforeAll). */
function loadNames(): string[] {
  return readdirSync('checklists')
    .filter((file) => /\.md$/i.test(file) && !/^readme\./i.test(file))
    .map((file) => file.replace(/\.md$/i, ''))
    .sort();
}

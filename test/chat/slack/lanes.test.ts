import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckExecutor } from '../../../src/chat/runChecks.js';
import { RECORDING_NOTICE } from '../../../src/chat/slack/interactions.js';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import type { FakeMessage } from '../../fakes/slack/server.js';
import { itemLineOf, shownText } from '../../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

/**
 * Two lanes and an honest answer. A modal's trigger id lives three seconds, so opening one never waits
 * behind the channel's slow work; and a click is answered only once it is recorded, or, when the
 * database is slower than Slack waits, answered in time with "still recording" and the outcome after.
 */

const CHECK_MS = 4_000;
/** Automated checks that take four seconds, as a slow health endpoint would. */
const slowChecks: CheckExecutor = {
  async run(entries) {
    await new Promise((resolve) => setTimeout(resolve, CHECK_MS));
    return new Map(
      entries.map((entry) => [entry.key, { ok: true, value: null, latencyMs: CHECK_MS, detail: 'ok' }]),
    );
  },
};

let database: TestDatabase;
let slack: SlackHarness;
let library: ChecklistLibrary;

beforeAll(async () => {
  database = await createTestDatabase();
  library = await loadChecklists('checklists');
  slack = await startSlackHarness({ mode: 'http', database, library, checks: slowChecks });
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

async function startIn(channel: string) {
  await slack.workspace.slash(USERS.ana, channel, 'start demo');
  await slack.adapter.idle();
  const summary = slack.fake.messages(channel).at(-1) as FakeMessage;
  const sections = slack.fake.thread(channel, summary.ts);
  return { summary, sections };
}

describe('deadline answers have a lane of their own', () => {
  it('opens the Skip modal while a four-second Run checks is still running in the channel', async () => {
    const channel = 'C0LANES';
    const { summary, sections } = await startIn(channel);
    const section = sections.find((message) => itemLineOf(message, '1.1')) as FakeMessage;
    const viewsBefore = slack.fake.views.size;
    expect((await slack.workspace.press(USERS.ana, summary, '▶️ Run checks')).status).toBe(200);
    const started = Date.now();
    expect((await slack.workspace.choose(USERS.bo, section, '1.1', '⏭️ Skip…')).status).toBe(200);
    // Opened well inside the trigger's three seconds, while the checks still run.
    while (slack.fake.views.size === viewsBefore && Date.now() - started < 3_000)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slack.fake.views.size).toBe(viewsBefore + 1);
    expect(Date.now() - started).toBeLessThan(CHECK_MS - 1_000);
    await slack.adapter.idle();
    expect(slack.problems.filter((problem) => /trigger/.test(problem.msg))).toEqual([]);
  });
});

// Embedded PGlite runs in this very thread: a slow statement there stops the clock that would answer.
describe.skipIf(!process.env.DATABASE_URL)('a click is answered once it is recorded (Postgres)', () => {
  it('answers within Slack’s three seconds when the database is slow, says so, and records it', async () => {
    const channel = 'C0SLOWDB';
    const { sections } = await startIn(channel);
    const section = sections.find((message) => itemLineOf(message, '1.1')) as FakeMessage;
    const db = database.handle.db;
    // Every command written from now takes 2.5 s in the database itself.
    await db.execute(
      sql.raw(`create or replace function slow_commands() returns trigger language plpgsql as
      $$ begin perform pg_sleep(2.5); return new; end $$`),
    );
    await db.execute(
      sql.raw(`create trigger slow_commands before insert on run_commands
      for each row execute function slow_commands()`),
    );
    try {
      const started = Date.now();
      const answer = await slack.workspace.choose(USERS.bo, section, '1.1', '✅ Done');
      const answeredIn = Date.now() - started;
      expect(answer.status).toBe(200);
      expect(answeredIn).toBeLessThan(3_000);
      await slack.adapter.idle();
      const said = slack.fake.ephemeralsFor(USERS.bo.id).map((message) => shownText(message));
      expect(said).toContain(RECORDING_NOTICE);
      const run = await slack.runs.activeRun('slack', channel);
      const key = run?.checklist.items[0]?.key as string;
      expect(run?.items[key]?.status).toBe('done');
    } finally {
      await db.execute(sql.raw('drop trigger slow_commands on run_commands'));
    }
    // At normal speed the answer comes after the commit and nothing more is said.
    const before = slack.fake.ephemeralsFor(USERS.bo.id).length;
    const next = slack.fake
      .thread(channel, slack.fake.messages(channel).at(-1)?.ts ?? '')
      .find((m) => itemLineOf(m, '1.2')) as FakeMessage;
    expect((await slack.workspace.choose(USERS.bo, next, '1.2', '✅ Done')).status).toBe(200);
    const run = await slack.runs.activeRun('slack', channel);
    expect(run?.items[run.checklist.items[1]?.key as string]?.status).toBe('done');
    await slack.adapter.idle();
    expect(slack.fake.ephemeralsFor(USERS.bo.id).length).toBe(before);
  });
});

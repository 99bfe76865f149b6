import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSlackAdapter } from '../../../src/chat/slack/app.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import type { FakeMessage } from '../../fakes/slack/server.js';
import { itemLineOf, shownText } from '../../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

let database: TestDatabase;
let slack: SlackHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  slack = await startSlackHarness({ mode: 'socket', database, library: await loadChecklists('checklists') });
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

function sectionWith(channel: string, ref: string): FakeMessage {
  const summary = slack.fake.messages(channel).at(-1) as FakeMessage;
  const found = slack.fake.thread(channel, summary.ts).find((section) => itemLineOf(section, ref));
  if (!found) throw new Error(`no section shows item ${ref}`);
  return found;
}

describe('Slack over Socket Mode', () => {
  it('connects with the app token and runs commands and clicks that arrive as envelopes', async () => {
    expect(slack.adapter.mode).toBe('socket');
    expect(slack.fake.callsOf('apps.connections.open')).toHaveLength(1);
    const channel = 'C0SOCKET';

    const started = await slack.workspace.slash(USERS.ana, channel, 'start demo v2');
    expect(JSON.parse(started.body)).toEqual({});
    await slack.adapter.idle();
    expect(shownText(slack.fake.messages(channel)[0])).toContain('*Demo deployment* · v2');

    const click = slack.workspace.chooseAction(USERS.bo, sectionWith(channel, '1.1'), '1.1', '✅ Done');
    await slack.workspace.deliver(click);
    // Socket Mode redelivers an envelope it thinks was lost, with retry_attempt set.
    await slack.workspace.deliver(click, { retryNum: 1 });
    await slack.adapter.idle();
    expect(itemLineOf(sectionWith(channel, '1.1'), '1.1')).toContain('done by @bo');
    const [run] = await slack.runs.recentRuns('slack', channel, 1);
    const events = await slack.runs.events(run?.id as string);
    expect(events.map((event) => event.type)).toEqual(['run_started', 'item_checked']);
    expect(slack.fake.ephemeralsFor(USERS.bo.id)).toEqual([]);
  });

  it('says it is not ready while Slack has dropped the socket, and takes commands again once reconnected', async () => {
    expect(slack.adapter.connectionProblem()).toBeNull();
    const opened = slack.fake.callsOf('apps.connections.open').length;
    slack.fake.dropSockets();
    await vi.waitFor(
      () => expect(slack.adapter.connectionProblem()).toMatch(/Socket Mode is \w+, not connected/),
      {
        timeout: 5_000,
      },
    );
    await vi.waitFor(() => expect(slack.adapter.connectionProblem()).toBeNull(), { timeout: 20_000 });
    expect(slack.fake.callsOf('apps.connections.open').length).toBeGreaterThan(opened);
    const channel = 'C0RECONNECT';
    await slack.workspace.slash(USERS.ana, channel, 'start demo v3');
    await slack.adapter.idle();
    expect(shownText(slack.fake.messages(channel)[0])).toContain('*Demo deployment* · v3');
  });

  it('keeps a modal open with the reason asked for when it is submitted empty', async () => {
    const channel = 'C0SOCKMODAL';
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.adapter.idle();
    await slack.workspace.choose(USERS.ana, sectionWith(channel, '1.2'), '1.2', '❌ Failed…');
    await slack.adapter.idle();
    const viewId = [...slack.fake.views.keys()].at(-1) as string;
    const empty = await slack.workspace.submit(USERS.ana, viewId, { reason: ' ' });
    expect(JSON.parse(empty.body)).toEqual({
      response_action: 'errors',
      errors: { reason: 'Say what failed.' },
    });
    await slack.workspace.submit(USERS.ana, viewId, { reason: 'pager never rang' });
    await slack.adapter.idle();
    expect(itemLineOf(sectionWith(channel, '1.2'), '1.2')).toContain('*FAILED* by @ana');
    expect(itemLineOf(sectionWith(channel, '1.2'), '1.2')).toContain('pager never rang');
  });
});

describe('starting with a token Slack refuses', () => {
  it.each([
    ['socket', 'SLACK_APP_TOKEN'],
    ['http', 'SLACK_BOT_TOKEN'],
  ] as const)('%s mode names the variable to fix', async (mode, variable) => {
    const adapter = createSlackAdapter({
      deps: { runs: slack.runs, library: await loadChecklists('checklists') },
      db: database.handle.db,
      logger: pino({ level: 'silent' }),
      botToken: mode === 'http' ? 'xoxb-not-the-right-one' : slack.fake.botToken,
      appToken: mode === 'socket' ? 'xapp-not-the-right-one' : null,
      signingSecret: mode === 'http' ? 'secret-secret-secret' : null,
      apiUrl: slack.fake.apiUrl,
      port: 0,
      host: '127.0.0.1',
    });
    await expect(adapter.start()).rejects.toThrow(`Slack refused ${variable} (invalid_auth)`);
    await adapter.stop();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import type { Checklist } from '../../../src/checklist/types.js';
import { readOncallFile } from '../../../src/escalation/oncallFile.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import type { FakeMessage } from '../../fakes/slack/server.js';
import { itemLineOf, shownText } from '../../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

/**
 * A run answers only to its own channel, and roles are held by Slack user ids: driven through the real
 * Bolt app over signed HTTP against the fake Slack.
 */

let database: TestDatabase;
let slack: SlackHarness;
let library: ChecklistLibrary;
let metrics: Metrics;

const EVE_AS_BO = { id: 'U0EVE0003', name: 'bo' };
const { directory } = readOncallFile(
  [
    'people:',
    `  ana: { name: Ana, slack: ${USERS.ana.id} }`,
    `  bo: { name: Bo, slack: ${USERS.bo.id} }`,
    'roles:',
    '  engineering-lead: [ana]',
  ].join('\n'),
);

beforeAll(async () => {
  database = await createTestDatabase();
  library = await loadChecklists('checklists');
  metrics = createMetrics();
  slack = await startSlackHarness({
    mode: 'http',
    database,
    library,
    metrics,
    directory: directory ?? undefined,
  });
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

async function startIn(channel: string): Promise<{ runId: string; summary: FakeMessage }> {
  await slack.workspace.slash(USERS.ana, channel, 'start demo v1');
  await slack.adapter.idle();
  const run = await slack.runs.activeRun('slack', channel);
  if (!run) throw new Error(`no run started in ${channel}`);
  return { runId: run.id, summary: slack.fake.messages(channel).at(-1) as FakeMessage };
}

function sectionWith(channel: string, summary: FakeMessage, ref: string): FakeMessage {
  const found = slack.fake.thread(channel, summary.ts).find((message) => itemLineOf(message, ref));
  if (!found) throw new Error(`no section shows ${ref}`);
  return found;
}

const lastSaid = (user: { id: string }) => shownText(slack.fake.ephemeralsFor(user.id).at(-1));

async function wrongChannelCount(): Promise<number> {
  const metric = await metrics.rejections.get();
  return metric.values
    .filter((value) => value.labels.code === 'wrong_channel')
    .reduce((sum, value) => sum + value.value, 0);
}

describe('a run answers only to its own channel', () => {
  it('refuses every write named from another channel, says why, counts it, and changes nothing', async () => {
    const { runId } = await startIn('C0HOMEA');
    const before = await slack.runs.get(runId);
    const counted = await wrongChannelCount();
    const attempts = [
      `skip 1.1 not needed --id ${runId}`,
      `check 1.1 --id ${runId}`,
      `abort no reason --id ${runId}`,
      `run-checks --id ${runId}`,
      `escalate P1 on fire --id ${runId}`,
    ];
    for (const attempt of attempts) {
      await slack.workspace.slash(USERS.ana, 'C0HOMEB', attempt);
      await slack.adapter.idle();
      expect(lastSaid(USERS.ana), attempt).toContain(`run ${runId} belongs to another channel`);
    }
    const after = await slack.runs.get(runId);
    expect(after?.revision).toBe(before?.revision);
    expect(after?.status).toBe('active');
    expect(after?.escalation).toBeNull();
    expect((await wrongChannelCount()) - counted).toBe(attempts.length);
    // From its own channel the same words work.
    await slack.workspace.slash(USERS.ana, 'C0HOMEA', `check 1.1 --id ${runId}`);
    await slack.adapter.idle();
    expect((await slack.runs.get(runId))?.items[before?.checklist.items[0]?.key ?? '']?.status).toBe('done');
  });

  it('refuses a click carrying the run from another channel or another workspace', async () => {
    const channel = 'C0HOMEC';
    const { runId, summary } = await startIn(channel);
    const demo = library.find('demo') as Checklist;
    const ref = demo.items[1]?.ref as string;
    const click = () =>
      slack.workspace.chooseAction(USERS.bo, sectionWith(channel, summary, ref), ref, '✅ Done');

    const elsewhere = click();
    elsewhere.channel = { id: 'C0HOMED', name: 'other' };
    elsewhere.container = { ...(elsewhere.container as object), channel_id: 'C0HOMED' };
    expect((await slack.workspace.deliver(elsewhere)).status).toBe(200);
    await slack.adapter.idle();
    expect(lastSaid(USERS.bo)).toContain(`run ${runId} belongs to another channel`);

    const otherTeam = click();
    otherTeam.team = { id: 'T2', domain: 'elsewhere' };
    otherTeam.user = { ...(otherTeam.user as object), team_id: 'T2' };
    expect((await slack.workspace.deliver(otherTeam)).status).toBe(200);
    await slack.adapter.idle();
    expect(lastSaid(USERS.bo)).toContain(`run ${runId} belongs to another channel`);

    const key = demo.items[1]?.key as string;
    expect((await slack.runs.get(runId))?.items[key]?.status).toBe('open');
    // The very same click from the run's own channel and workspace is applied.
    await slack.workspace.deliver(click());
    await slack.adapter.idle();
    expect((await slack.runs.get(runId))?.items[key]?.status).toBe('done');
  });

  it("reads another channel's run only in the same workspace, and never a private channel's", async () => {
    const { runId: open } = await startIn('C0PUBLIC');
    await slack.workspace.slash(USERS.bo, 'C0READER', `status --id ${open}`);
    await slack.adapter.idle();
    expect(lastSaid(USERS.bo)).toContain(`Run ${open}`);

    const { runId: closed } = await startIn('G0PRIVATE');
    for (const read of [`status --id ${closed}`, `report ${closed}`, `show 1.1 --id ${closed}`]) {
      await slack.workspace.slash(USERS.bo, 'C0READER', read);
      await slack.adapter.idle();
      expect(lastSaid(USERS.bo), read).toContain(`run ${closed} is in a private channel`);
    }
    // Inside the private channel it reads as usual.
    await slack.workspace.slash(USERS.ana, 'G0PRIVATE', `report ${closed}`);
    await slack.adapter.idle();
    expect(lastSaid(USERS.ana)).not.toContain('private channel');
  });
});

describe('identity is the Slack user id', () => {
  it('gives a role to the id a mention names; the same name from another id signs nothing', async () => {
    const channel = 'C0IDENT';
    const { runId, summary } = await startIn(channel);
    const signoff = (library.find('demo') as Checklist).items.find((item) => item.kind === 'signoff');
    if (!signoff) throw new Error('the demo has no sign-off');

    await slack.workspace.slash(USERS.ana, channel, 'assign engineering-lead @bo');
    await slack.adapter.idle();
    expect(lastSaid(USERS.ana)).toContain('name the person with a mention');

    await slack.workspace.slash(USERS.ana, channel, `assign engineering-lead <@${USERS.bo.id}|bo>`);
    await slack.adapter.idle();
    expect(lastSaid(USERS.ana)).toContain('@bo has the role engineering-lead');
    expect((await slack.runs.get(runId))?.assignments['engineering-lead']).toEqual([USERS.bo.id]);

    // Someone else whose user name is also "bo" is not bo.
    await slack.workspace.choose(
      EVE_AS_BO,
      sectionWith(channel, summary, signoff.ref),
      signoff.ref,
      '✍️ Sign off',
    );
    await slack.adapter.idle();
    expect(lastSaid(EVE_AS_BO)).toContain('only someone with the role engineering-lead may sign it');
    expect((await slack.runs.get(runId))?.items[signoff.key]?.status).toBe('open');

    await slack.workspace.choose(
      USERS.bo,
      sectionWith(channel, summary, signoff.ref),
      signoff.ref,
      '✍️ Sign off',
    );
    await slack.adapter.idle();
    expect((await slack.runs.get(runId))?.items[signoff.key]?.status).toBe('done');

    // The audit keeps who it was (the id) beside how they were named at the time.
    const signed = (await slack.runs.events(runId)).find((event) => event.type === 'item_signed');
    expect(signed).toMatchObject({ actor: '@bo', actorId: USERS.bo.id });
    const assigned = (await slack.runs.events(runId)).find((event) => event.type === 'role_assigned');
    expect(assigned).toMatchObject({ actor: '@ana', actorId: USERS.ana.id });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import type { Checklist } from '../../../src/checklist/types.js';
import { readOncallFile } from '../../../src/escalation/oncallFile.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import type { FakeMessage } from '../../fakes/slack/server.js';
import { itemLineOf, shownText } from '../../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

let database: TestDatabase;
let slack: SlackHarness;
let library: ChecklistLibrary;

beforeAll(async () => {
  database = await createTestDatabase();
  library = await loadChecklists('checklists');
  slack = await startSlackHarness({ mode: 'http', database, library });
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

/** What the channel shows for its latest run: the summary and the section messages in its thread. */
function channelView(channel: string): { summary: FakeMessage; sections: FakeMessage[] } {
  const summary = slack.fake.messages(channel).at(-1);
  if (!summary) throw new Error(`nothing was posted in ${channel}`);
  return { summary, sections: slack.fake.thread(channel, summary.ts) };
}

function sectionWith(channel: string, ref: string): FakeMessage {
  const found = channelView(channel).sections.find((section) => itemLineOf(section, ref));
  if (!found) throw new Error(`no section shows item ${ref}`);
  return found;
}

function lastViewId(): string {
  const id = [...slack.fake.views.keys()].at(-1);
  if (!id) throw new Error('no modal was opened');
  return id;
}

function lastEphemeral(user: { id: string }): string {
  return shownText(slack.fake.ephemeralsFor(user.id).at(-1));
}

describe('Slack over HTTP', () => {
  it('runs the demo checklist from /deploy start to completion by clicks only', async () => {
    const channel = 'C0FULLRUN';
    const start = await slack.workspace.slash(USERS.ana, channel, 'start demo v1.4.2 --env production');
    expect(start.status).toBe(200);
    await slack.adapter.idle();

    const demo = library.find('demo') as Checklist;
    const { summary, sections } = channelView(channel);
    expect(shownText(summary)).toContain('*Demo deployment* · v1.4.2 · production');
    expect(shownText(summary)).toContain(`0/${demo.items.length} resolved`);
    expect(sections).toHaveLength(demo.phases.flatMap((phase) => phase.sections).length);

    // Everyone clicks what each item asks for: a tick, a value, a decision, a signature.
    for (const [index, item] of demo.items.entries()) {
      const user = index % 2 === 0 ? USERS.ana : USERS.bo;
      const line = itemLineOf(sectionWith(channel, item.ref), item.ref) ?? '';
      if (!line.startsWith('⬜') && !line.includes('⬜ *')) continue; // already resolved, e.g. by its parent
      const section = sectionWith(channel, item.ref);
      if (item.kind === 'input') {
        await slack.workspace.choose(user, section, item.ref, '✏️ Record a value…');
        await slack.adapter.idle();
        await slack.workspace.submit(user, lastViewId(), { value: '240' });
      } else if (item.kind === 'decision') {
        await slack.workspace.choose(user, section, item.ref, `🗳️ ${item.decision?.options[0]}`);
      } else if (item.kind === 'signoff') {
        await slack.workspace.choose(user, section, item.ref, '✍️ Sign off');
      } else {
        await slack.workspace.choose(user, section, item.ref, '✅ Done');
      }
      await slack.adapter.idle();
      expect(itemLineOf(sectionWith(channel, item.ref), item.ref), `item ${item.ref}`).not.toContain('⬜');
    }
    const input = demo.items.find((item) => item.kind === 'input');
    if (input) expect(itemLineOf(sectionWith(channel, input.ref), input.ref)).toContain('recorded *240');

    const rewrites = (message: FakeMessage) => message.edits + message.replacements;
    const before = channelView(channel);
    const summaryRewrites = rewrites(before.summary);
    const sectionRewrites = before.sections.map(rewrites);
    await slack.workspace.press(USERS.ana, before.summary, '✅ Complete');
    await slack.adapter.idle();

    const after = channelView(channel);
    // Ending the run rewrites the summary only: the thread already shows every item as it ended.
    expect(rewrites(after.summary)).toBeGreaterThan(summaryRewrites);
    expect(after.sections.slice(0, sectionRewrites.length).map(rewrites)).toEqual(sectionRewrites);
    const total = demo.items.length;
    expect(shownText(after.summary)).toContain(`*Completed* · ${total}/${total} resolved (100%)`);
    expect(shownText(after.summary)).toContain('Ended by @ana');
    // The summary has no controls left; an item's menu clicked now is answered that the run has ended.
    expect(JSON.stringify(after.summary.blocks)).not.toMatch(/"type":"(button|overflow)"/);
    const lastItem = demo.items.at(-1)?.ref as string;
    await slack.workspace.choose(USERS.bo, sectionWith(channel, lastItem), lastItem, '↩️ Reopen');
    await slack.adapter.idle();
    expect(shownText(slack.fake.ephemeralsFor(USERS.bo.id).at(-1))).toMatch(/completed|ended/i);
    expect(itemLineOf(sectionWith(channel, lastItem), lastItem)).not.toContain('⬜');
    // The report follows in the thread, for everyone.
    expect(shownText(after.sections.at(-1))).toContain('📋 Run report');
    const run = (await slack.runs.recentRuns('slack', channel, 1))[0];
    expect(run?.status).toBe('completed');
    const events = await slack.runs.events(run?.id as string);
    expect(events.at(-1)).toMatchObject({ type: 'run_completed', actor: '@ana' });
    expect(new Set(events.map((event) => event.actor))).toEqual(new Set(['@ana', '@bo']));
    expect(slack.fake.refusals).toEqual([]);
    // The only private answers in the whole run: the start's "it is here" to the one who typed it, and
    // the answer to the click after the run ended.
    const privately = slack.fake.ephemerals.filter((ephemeral) => ephemeral.channel === channel);
    expect(privately.map((ephemeral) => ephemeral.text)).toEqual([
      `Run ${run?.id} is in this channel.`,
      expect.stringContaining('cannot change now'),
    ]);
    expect(slack.problems).toEqual([]);
  });

  it('refuses a forged signature or a request older than five minutes with 401, and changes nothing', async () => {
    const channel = 'C0FORGED';
    const forged = await slack.workspace.slash(USERS.ana, channel, 'start demo', {
      signature: `v0=${'0'.repeat(64)}`,
    });
    const stale = await slack.workspace.slash(USERS.ana, channel, 'start demo', {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    await slack.adapter.idle();
    expect([forged.status, stale.status]).toEqual([401, 401]);
    expect(await slack.runs.recentRuns('slack', channel, 5)).toEqual([]);
    expect(slack.fake.messages(channel)).toEqual([]);
    expect(
      slack.fake.ephemeralsFor(USERS.ana.id).filter((ephemeral) => ephemeral.channel === channel),
    ).toEqual([]);

    // A forged click on a real run's message changes nothing either.
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.adapter.idle();
    const section = sectionWith(channel, '1.1');
    const click = await slack.workspace.choose(USERS.bo, section, '1.1', '✅ Done', { signature: 'v0=bad' });
    await slack.adapter.idle();
    expect(click.status).toBe(401);
    expect(itemLineOf(sectionWith(channel, '1.1'), '1.1')).toMatch(/^⬜ \*1\.1\*/);
    const run = (await slack.runs.recentRuns('slack', channel, 1))[0];
    expect((await slack.runs.events(run?.id as string)).map((event) => event.type)).toEqual(['run_started']);
  });

  it('applies a click that Slack delivers twice only once', async () => {
    const channel = 'C0TWICE';
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.adapter.idle();
    const click = slack.workspace.chooseAction(USERS.bo, sectionWith(channel, '1.2'), '1.2', '✅ Done');
    const first = await slack.workspace.deliver(click);
    const again = await slack.workspace.deliver(click, { retryNum: 1 });
    await slack.adapter.idle();
    expect([first.status, again.status]).toEqual([200, 200]);
    const run = (await slack.runs.recentRuns('slack', channel, 1))[0];
    const events = await slack.runs.events(run?.id as string);
    expect(events.map((event) => event.type)).toEqual(['run_started', 'item_checked']);
    // Had it been applied twice, the second would have been refused as "already done", and bo told so.
    expect(
      slack.fake.ephemeralsFor(USERS.bo.id).filter((ephemeral) => ephemeral.channel === channel),
    ).toEqual([]);
    expect(itemLineOf(sectionWith(channel, '1.2'), '1.2')).toContain('done by @bo');
  });

  it('shows a skip reason with <!channel> and <@U1> as text, never as a mention', async () => {
    const channel = 'C0ESCAPE';
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.adapter.idle();
    await slack.workspace.choose(USERS.ana, sectionWith(channel, '1.3'), '1.3', '⏭️ Skip…');
    await slack.adapter.idle();
    const viewId = lastViewId();
    await slack.workspace.submit(USERS.ana, viewId, {
      reason: '<!channel> <@U1> said so & <https://x.test|see>',
    });
    await slack.workspace.slash(USERS.bo, channel, 'fail 2.1 <!here> it broke');
    await slack.adapter.idle();
    expect(itemLineOf(sectionWith(channel, '1.3'), '1.3')).toContain(
      '&lt;!channel&gt; &lt;@U1&gt; said so &amp; &lt;https://x.test|see&gt;',
    );
    expect(itemLineOf(sectionWith(channel, '2.1'), '2.1')).toContain('*FAILED* by @bo');
    expect(itemLineOf(sectionWith(channel, '2.1'), '2.1')).toContain('&lt;!here&gt; it broke');
    const everything = JSON.stringify(slack.fake.calls.filter((call) => call.args.channel === channel));
    for (const raw of ['<!channel>', '<!here>', '<@U1>', '<https://x.test'])
      expect(everything).not.toContain(raw);
    expect(everything).not.toContain('link_names');
  });

  it('answers an unknown command with the help, to the one who typed it', async () => {
    const channel = 'C0HELP';
    const response = await slack.workspace.slash(USERS.bo, channel, 'frobnicate now');
    await slack.adapter.idle();
    expect(response.status).toBe(200);
    const help = slack.fake.ephemeralsFor(USERS.bo.id).at(-1);
    expect(help).toMatchObject({ channel, via: 'chat.postEphemeral' });
    expect(shownText(help)).toContain('unknown command “frobnicate”.');
    expect(shownText(help)).toContain('Usage: /deploy &lt;command&gt;');
    expect(shownText(help)).toContain('skip &lt;ref&gt; &lt;reason&gt;');
    expect(slack.fake.messages(channel)).toEqual([]);
    expect(slack.fake.ephemeralsFor(USERS.ana.id).some((ephemeral) => ephemeral.channel === channel)).toBe(
      false,
    );
  });

  it('tells only the clicker why Complete is refused, and changes nothing', async () => {
    const channel = 'C0EARLY';
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.adapter.idle();
    const before = channelView(channel).summary.edits;
    await slack.workspace.press(USERS.bo, channelView(channel).summary, '✅ Complete');
    await slack.adapter.idle();
    expect(lastEphemeral(USERS.bo)).toContain('cannot complete: 10 required items open: 1.1, 1.2');
    expect(channelView(channel).summary.edits).toBe(before);
    const run = (await slack.runs.recentRuns('slack', channel, 1))[0];
    expect(run?.status).toBe('active');
  });

  it('ends a run with a reason through the Abort / Roll back modal', async () => {
    const channel = 'C0ROLLBACK';
    await slack.workspace.slash(USERS.ana, channel, 'start demo v9');
    await slack.adapter.idle();
    await slack.workspace.press(USERS.ana, channelView(channel).summary, '⛔ Abort / Roll back');
    await slack.adapter.idle();
    const viewId = lastViewId();
    const empty = await slack.workspace.submit(USERS.ana, viewId, { how: 'rollback', reason: '   ' });
    expect(JSON.parse(empty.body)).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.any(String) },
    });
    await slack.workspace.submit(USERS.ana, viewId, { how: 'rollback', reason: 'error rate 4%' });
    await slack.adapter.idle();
    expect(shownText(channelView(channel).summary)).toContain('*Rolled back*');
    expect(shownText(channelView(channel).summary)).toContain(': error rate 4%');
    const run = (await slack.runs.recentRuns('slack', channel, 1))[0];
    expect(run?.status).toBe('rolled_back');
  });

  it('runs checks from the button, and says so when this Shipcheck has no checks runner', async () => {
    const channel = 'C0CHECKS';
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.adapter.idle();
    await slack.workspace.press(USERS.ana, channelView(channel).summary, '▶️ Run checks');
    await slack.adapter.idle();
    expect(lastEphemeral(USERS.ana)).toContain('automated checks are not available in this Shipcheck.');
  });

  it('escalates through a modal, shows the escalation on the summary, and lets someone own it', async () => {
    const channel = 'C0ESCALATE';
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.adapter.idle();
    await slack.workspace.press(USERS.ana, channelView(channel).summary, '🚨 Escalate');
    await slack.adapter.idle();
    const empty = await slack.workspace.submit(USERS.ana, lastViewId(), { severity: 'P1', reason: '' });
    expect(JSON.parse(empty.body)).toMatchObject({ response_action: 'errors' });
    await slack.workspace.submit(USERS.ana, lastViewId(), {
      severity: 'P1',
      reason: 'error rate <4%> & rising',
    });
    await slack.adapter.idle();
    expect(shownText(channelView(channel).summary)).toContain(
      '🚨 *P1 escalation*: error rate &lt;4%&gt; &amp; rising',
    );
    await slack.workspace.press(USERS.bo, channelView(channel).summary, '🙋 Acknowledge');
    await slack.adapter.idle();
    expect(shownText(channelView(channel).summary)).toContain('acknowledged by @bo');
    expect(JSON.stringify(channelView(channel).summary.blocks)).not.toContain('🙋 Acknowledge');

    // While it is open: a lesser one is recorded and answered, a worse one raises it and pages again.
    await slack.workspace.press(USERS.ana, channelView(channel).summary, '🚨 Escalate');
    await slack.adapter.idle();
    await slack.workspace.submit(USERS.ana, lastViewId(), { severity: 'P3', reason: 'also slow in the US' });
    await slack.adapter.idle();
    expect(lastEphemeral(USERS.ana)).toContain('Recorded on the open escalation (P3): “also slow in the US”');
    await slack.workspace.press(USERS.ana, channelView(channel).summary, '🚨 Escalate');
    await slack.adapter.idle();
    await slack.workspace.submit(USERS.ana, lastViewId(), {
      severity: 'P0',
      reason: 'site down for all EU users',
    });
    await slack.adapter.idle();
    expect(lastEphemeral(USERS.ana)).toContain('The open escalation is raised from P1 to P0');
    expect(shownText(channelView(channel).summary)).toContain(
      '🚨 *P0 escalation*: site down for all EU users',
    );
    // Raised, it is a new question: the acknowledgement of the P1 no longer holds.
    expect(JSON.stringify(channelView(channel).summary.blocks)).toContain('🙋 Acknowledge');
  });

  it('shows /deploy status to the one who asked, without posting the run again', async () => {
    const channel = 'C0STATUS';
    await slack.workspace.slash(USERS.ana, channel, 'start demo');
    await slack.workspace.slash(USERS.ana, channel, 'check 1.1');
    await slack.adapter.idle();
    const posted = slack.fake.messages(channel).length;
    await slack.workspace.slash(USERS.bo, channel, 'status');
    await slack.adapter.idle();
    expect(slack.fake.messages(channel)).toHaveLength(posted);
    expect(lastEphemeral(USERS.bo)).toContain('1/11 resolved');
    expect(itemLineOf(sectionWith(channel, '1.1'), '1.1')).toContain('done by @ana');
  });

  it('says how to invite Shipcheck when it cannot post in the channel', async () => {
    const text = await withClosedChannel('C0PRIVATE', (harness) =>
      harness.workspace.slash(USERS.ana, 'C0PRIVATE', 'start demo').then(() => harness),
    );
    expect(text).toContain('cannot post in this channel (not_in_channel). Invite it with /invite @Shipcheck');
  });
});

describe('roles', () => {
  it('refuses a sign-off to someone without the role, only to them, and changes nothing', async () => {
    const { directory, problems } = readOncallFile(
      [
        'people:',
        `  ana: { name: Ana, slack: ${USERS.ana.id} }`,
        `  bo: { name: Bo, slack: ${USERS.bo.id} }`,
        'roles:',
        '  engineering-lead: [ana]',
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    const withRoles = await startSlackHarness({
      mode: 'http',
      database,
      library,
      directory: directory ?? undefined,
    });
    try {
      const channel = 'C0ROLES';
      const signoff = (library.find('demo') as Checklist).items.find((item) => item.kind === 'signoff');
      if (!signoff) throw new Error('the demo has no sign-off');
      await withRoles.workspace.slash(USERS.ana, channel, 'start demo');
      await withRoles.adapter.idle();
      const summary = withRoles.fake.messages(channel).at(-1) as FakeMessage;
      const section = () =>
        withRoles.fake
          .thread(channel, summary.ts)
          .find((message) => itemLineOf(message, signoff.ref)) as FakeMessage;
      const edits = section().edits;
      await withRoles.workspace.choose(USERS.bo, section(), signoff.ref, '✍️ Sign off');
      await withRoles.adapter.idle();
      expect(shownText(withRoles.fake.ephemeralsFor(USERS.bo.id).at(-1))).toContain(
        'only someone with the role engineering-lead may sign it',
      );
      // Ana was told only that her run is here, when she started it.
      expect(withRoles.fake.ephemeralsFor(USERS.ana.id).map((ephemeral) => ephemeral.text)).toEqual([
        expect.stringMatching(/^Run \w+ is in this channel\.$/),
      ]);
      expect(section().edits).toBe(edits);
      await withRoles.workspace.choose(USERS.ana, section(), signoff.ref, '✍️ Sign off');
      await withRoles.adapter.idle();
      expect(itemLineOf(section(), signoff.ref)).toContain('signed by @ana');
    } finally {
      await withRoles.close();
    }
  });
});

describe('Slack over HTTP on a shared server', () => {
  it('takes signed requests routed from another server, and still refuses forged ones', async () => {
    const routed = await startSlackHarness({ mode: 'http', database, library, listen: false });
    try {
      const channel = 'C0ROUTED';
      const forged = await routed.workspace.slash(USERS.ana, channel, 'start demo', {
        signature: 'v0=forged',
      });
      expect(forged.status).toBe(401);
      expect((await routed.workspace.slash(USERS.ana, channel, 'start demo v7')).status).toBe(200);
      await routed.adapter.idle();
      expect(shownText(routed.fake.messages(channel)[0])).toContain('*Demo deployment* · v7');
    } finally {
      await routed.close();
    }
  });
});

/** A second app whose bot is not in `channel`: answers can only go back through response_url. */
async function withClosedChannel(channel: string, act: (harness: SlackHarness) => Promise<SlackHarness>) {
  const closed = await startSlackHarness({
    mode: 'http',
    database,
    library,
    notInChannel: [channel],
  });
  try {
    await (await act(closed)).adapter.idle();
    const answer = closed.fake.ephemeralsFor(USERS.ana.id).at(-1);
    expect(answer?.via).toBe('response_url');
    return shownText(answer);
  } finally {
    await closed.close();
  }
}

describe('an item’s details in Slack', () => {
  it('are one menu choice away, shown to the person who asked', async () => {
    const channel = 'C0DETAILS';
    await slack.workspace.slash(USERS.ana, channel, 'start demo v2');
    await slack.adapter.idle();
    expect(
      (await slack.workspace.choose(USERS.bo, sectionWith(channel, '2.2'), '2.2', 'ℹ️ Details')).status,
    ).toBe(200);
    await slack.adapter.idle();
    const details = lastEphemeral(USERS.bo);
    expect(details).toContain('2.2 Shipcheck health endpoint returns 200');
    expect(details).toContain('automated check: http http://127.0.0.1:${SHIPCHECK_PORT}/health');
    // Items the checklist says nothing more about offer no such choice.
    expect(() =>
      slack.workspace.chooseAction(USERS.bo, sectionWith(channel, '1.1'), '1.1', 'ℹ️ Details'),
    ).toThrow(/offers no “ℹ️ Details”/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSlackRun } from '../../../src/chat/slack/render.js';
import { buildLibrary } from '../../../src/checklist/library.js';
import type { RunState } from '../../../src/runs/types.js';
import { viewRun } from '../../../src/runs/view.js';
import type { FakeMessage, RecordedCall } from '../../fakes/slack/server.js';
import type { FakeUser } from '../../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

/** Five sections of twenty items: a summary and five thread messages, every item a click away. */
const BIG = [
  '# Burst deploy',
  ...Array.from({ length: 5 }, (_, section) => [
    `## ${section + 1}. Stage ${section + 1}`,
    ...Array.from({ length: 20 }, (_, item) => `- [ ] Stage ${section + 1} step ${item + 1}`),
  ]).flat(),
].join('\n');

const library = buildLibrary([{ path: 'checklists/burst.md', source: BIG }]);
const PEOPLE: FakeUser[] = Array.from({ length: 10 }, (_, index) => ({
  id: `U0PERSON${String(index).padStart(2, '0')}`,
  name: `person${index}`,
}));

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Starts a run of the burst checklist and returns what it shows. */
async function startRun(slack: SlackHarness, channel: string) {
  await slack.workspace.slash(USERS.ana, channel, 'start burst v1');
  await slack.adapter.idle();
  const summary = slack.fake.messages(channel).at(-1) as FakeMessage;
  return { summary, sections: slack.fake.thread(channel, summary.ts) };
}

/** What Shipcheck would render for the run as Postgres has it now. */
async function renderedFromDatabase(slack: SlackHarness, channel: string) {
  const [latest] = await slack.runs.recentRuns('slack', channel, 1);
  const state = (await slack.runs.get(latest?.id as string)) as RunState;
  return { state, parts: renderSlackRun(viewRun(state)) };
}

/** The most chat.update calls any message got within one second, and the total per message. */
function updateRate(calls: RecordedCall[]) {
  const byMessage = new Map<string, number[]>();
  for (const call of calls.filter((call) => call.method === 'chat.update' && call.outcome === 'ok')) {
    const key = String(call.args.ts);
    byMessage.set(key, [...(byMessage.get(key) ?? []), call.at]);
  }
  let mostInOneSecond = 0;
  let shortestGap = Number.POSITIVE_INFINITY;
  for (const times of byMessage.values()) {
    for (const [index, start] of times.entries()) {
      const within = times.slice(index).filter((time) => time - start < 1_000).length;
      mostInOneSecond = Math.max(mostInOneSecond, within);
      const next = times[index + 1];
      if (next !== undefined) shortestGap = Math.min(shortestGap, next - start);
    }
  }
  return { perMessage: [...byMessage.values()].map((times) => times.length), mostInOneSecond, shortestGap };
}

describe('a burst of clicks', () => {
  it('applies 100 clicks from 10 people on one run, and the channel ends up showing exactly the database', async () => {
    // Slack's tiers against Shipcheck's default pacing and its one-second edit interval.
    const slack = await startSlackHarness({
      mode: 'http',
      database,
      library,
      pacing: 'slack',
      updateIntervalMs: 1_000,
    });
    try {
      const channel = 'C0BURST';
      const { sections } = await startRun(slack, channel);
      expect(sections).toHaveLength(5);

      // Person k ticks items k, k+10, k+20, …: every message gets clicks from several people at once.
      const clicks = Array.from({ length: 100 }, (_, index) => {
        const section = sections[Math.floor(index / 20)] as FakeMessage;
        const ref = `${Math.floor(index / 20) + 1}.${(index % 20) + 1}`;
        return slack.workspace.chooseAction(PEOPLE[index % 10] as FakeUser, section, ref, '✅ Done');
      });
      const began = Date.now();
      const ackTimes: number[] = [];
      const answers = await Promise.all(
        clicks.map((click) =>
          slack.workspace.deliver(click).then((answer) => {
            ackTimes.push(Date.now() - began);
            return answer;
          }),
        ),
      );
      await slack.adapter.idle();
      const settledIn = Date.now() - began;

      expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(200));
      const { state, parts } = await renderedFromDatabase(slack, channel);
      expect(Object.values(state.items).every((item) => item.status === 'done')).toBe(true);
      const events = await slack.runs.events(state.id);
      const checked = events.filter((event) => event.type === 'item_checked');
      expect(checked).toHaveLength(100);
      for (const person of PEOPLE) {
        expect(checked.filter((event) => event.actor === `@${person.name}`)).toHaveLength(10);
      }

      // What the channel shows is what Postgres says, message by message.
      const shown = [
        slack.fake.messages(channel).at(-1),
        ...slack.fake.thread(channel, sections[0]?.threadTs as string),
      ];
      expect(shown.map((message) => message?.blocks)).toEqual(parts.map((part) => part.message.blocks));
      expect(JSON.stringify(shown).match(/✅ \*/g)).toHaveLength(100);

      const rate = updateRate(slack.fake.calls);
      const rateLimited = slack.fake
        .callsOf('chat.update')
        .filter((call) => call.outcome === 'ratelimited').length;
      // The figures for the record (timing is reported, not asserted: it depends on the machine).
      console.log(
        JSON.stringify({
          clicks: 100,
          acknowledgedMs: { first: ackTimes[0], median: ackTimes[50], last: ackTimes[99] },
          settledInMs: settledIn,
          chatUpdates: rate.perMessage.reduce((sum, count) => sum + count, 0),
          updatesPerMessage: rate.perMessage,
          mostUpdatesOfOneMessageInOneSecond: rate.mostInOneSecond,
          shortestGapBetweenUpdatesOfOneMessageMs: rate.shortestGap,
          answered429: rateLimited,
          publisher: slack.adapter.publisher.stats,
        }),
      );
      // Coalesced: far fewer edits than clicks, and none given up.
      expect(rate.perMessage.reduce((sum, count) => sum + count, 0)).toBeLessThan(100);
      expect(slack.adapter.publisher.stats.givenUp).toBe(0);
      expect(slack.fake.refusals).toEqual([]);
      expect(slack.problems).toEqual([]);
    } finally {
      await slack.close();
    }
  });

  it('waits out the 429s Slack answers when a method is over its tier, and still ends up exact', async () => {
    // Shipcheck's own pacing is generous here, so only Slack's 429 and Retry-After hold it back. The
    // response_urls have expired, so every clicked message (five sections and the summary) must go
    // through chat.update: six edits against a burst of two cannot all pass, however fast the machine.
    const slack = await startSlackHarness({
      mode: 'http',
      database,
      library,
      expiredResponseUrls: true,
      tiers: {
        'chat.update': { perMinute: 60, burst: 2 },
        'chat.postMessage': { perMinute: 600, burst: 100, perChannel: true },
      },
    });
    try {
      const channel = 'C0TIGHT';
      const { sections } = await startRun(slack, channel);
      const clicks = sections.flatMap((section, index) => [
        slack.workspace.chooseAction(PEOPLE[0] as FakeUser, section, `${index + 1}.1`, '✅ Done'),
        slack.workspace.chooseAction(PEOPLE[1] as FakeUser, section, `${index + 1}.2`, '✅ Done'),
      ]);
      await Promise.all(clicks.map((click) => slack.workspace.deliver(click)));
      await slack.adapter.idle();

      expect(slack.fake.callsOf('chat.update').some((call) => call.outcome === 'ratelimited')).toBe(true);
      const { parts } = await renderedFromDatabase(slack, channel);
      const shown = [
        slack.fake.messages(channel).at(-1),
        ...slack.fake.thread(channel, sections[0]?.threadTs as string),
      ];
      expect(shown.map((message) => message?.blocks)).toEqual(parts.map((part) => part.message.blocks));
      expect(slack.adapter.publisher.stats.rateLimited).toBeGreaterThan(0);
      expect(slack.adapter.publisher.stats.givenUp).toBe(0);
      // The expired response_urls are said in the log and nothing else went wrong.
      expect(slack.problems.map((problem) => problem.msg)).not.toHaveLength(0);
      expect(new Set(slack.problems.map((problem) => problem.msg))).toEqual(
        new Set(['could not show the click at once']),
      );
    } finally {
      await slack.close();
    }
  });
});

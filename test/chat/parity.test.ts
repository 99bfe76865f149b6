import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../src/checklist/library.js';
import { shownText } from '../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { USERS as DISCORD_USERS, type DiscordHarness, startDiscordHarness } from './discord/harness.js';
import { USERS as SLACK_USERS, type SlackHarness, startSlackHarness } from './slack/harness.js';

/**
 * The same command, typed on Slack and on Discord, tells the person the same thing: each step of a run
 * below is typed on both, and what each person is shown privately (and what the channel gets when the
 * run ends) must read the same once each platform's formatting is taken away.
 */

const library = buildLibrary([
  { path: 'checklists/demo.md', source: readFileSync('checklists/demo.md', 'utf8') },
]);
const SLACK_CHANNEL = 'C0PARITY1';
const DISCORD_CHANNEL = '1400000000000000777';

/** A step: the line typed on Slack, and the same as Discord's subcommand with its options. */
const STEPS: [string, string, Record<string, string | number>][] = [
  ['start demo v1', 'start', { checklist: 'demo', version: 'v1' }],
  ['status', 'status', {}],
  ['show 2.2', 'show', { item: '2.2' }],
  ['show 3', 'show', { item: '3' }],
  ['check 1.1 1.2', 'check', { item: '1.1 1.2' }],
  ['check 2 --yes', 'check', { item: '2', confirm: 'yes' }],
  [
    'skip 1.3 "covered --id elsewhere, 6\\" pipe"',
    'skip',
    { item: '1.3', reason: 'covered --id elsewhere, 6" pipe' },
  ],
  ['fail 2.1', 'fail', { item: '2.1' }],
  ['undo 9.9', 'undo', { item: '9.9' }],
  ['set 3.1 240', 'set', { item: '3.1', value: '240' }],
  ['decide 3.3 maybe', 'decide', { item: '3.3', option: 'maybe' }],
  ['escalate P2 db is slow', 'escalate', { reason: 'db is slow', severity: 'P2' }],
  ['ack', 'ack', {}],
  ['resolve', 'resolve', {}],
  ['note 2.2: looked fine', 'note', { text: 'looked fine', item: '2.2' }],
  ['run-checks 2.2', 'run-checks', { scope: '2.2' }],
  ['history --limit 0', 'history', { limit: 0 }],
  ['help skip', 'help', { command: 'skip' }],
  ['complete', 'complete', {}],
  ['abort wrong build', 'abort', { reason: 'wrong build' }],
  ['report', 'report', {}],
  ['oncall', 'oncall', {}],
  ['list', 'list', {}],
];

/**
 * What a person reads, without the platform's markup: bold, code and strike marks, Discord's escapes and
 * small-print prefix, Slack's zero-width guards, the channel and time tokens each platform writes its way.
 */
function plain(text: string): string {
  return (
    text
      .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
      .replace(/<t:\d+:[a-zA-Z]>/g, '')
      // Each run started a moment apart: a minute may turn between them.
      .replace(/\b\d{1,2}:\d{2}(?: UTC)?\b/g, '<time>')
      // …and each run took its own moment: `in 1s` on one, `in 0s` on the other.
      .replace(/\b\d+[hms]\b/g, '<duration>')
      .replace(/[\u200b\u2060]/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\\([\\*_`~|<>:#-])/g, '$1')
      .replace(/^-# /gm, '')
      .replace(/```/g, '')
      .replace(/[*_`~]/g, '')
      .replace(/\b(?:[CUG][0-9A-Z]{6,}|\d{17,20})\b/g, '<id>')
      .replace(/[ \t]+/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .join('\n')
      // "Done: …" echoes what was typed, in each platform's own form: a line on Slack, options on Discord.
      .replace(/^Done: \/deploy (\S+).*$/gm, 'Done: /deploy $1')
  );
}

let database: TestDatabase;
let slack: SlackHarness;
let discord: DiscordHarness;
beforeAll(async () => {
  database = await createTestDatabase();
  slack = await startSlackHarness({ mode: 'http', database, library });
  discord = await startDiscordHarness({ database, library });
});
afterAll(async () => {
  await slack?.close();
  await discord?.close();
  await database?.drop();
});

describe('the same command on Slack and on Discord', () => {
  it('tells the person the same, step by step through a run, and posts the same report', async () => {
    const mismatches: string[] = [];
    let runIds: [string, string] | null = null;
    for (const [line, subcommand, options] of STEPS) {
      const slackBefore = slack.fake.ephemeralsFor(SLACK_USERS.ana.id).length;
      await slack.workspace.slash(SLACK_USERS.ana, SLACK_CHANNEL, line);
      await slack.adapter.idle();
      const slackSaw = slack.fake
        .ephemeralsFor(SLACK_USERS.ana.id)
        .slice(slackBefore)
        .map((message) => shownText(message) || message.text);

      const discordBefore = discord.fake.ephemerals().length;
      await discord.fake.slash(DISCORD_USERS.ana, DISCORD_CHANNEL, subcommand, options);
      await discord.adapter.idle();
      const discordSaw = discord.fake
        .ephemerals()
        .slice(discordBefore)
        .map((message) => message.content);

      if (!runIds) {
        const [slackRun] = await slack.runs.recentRuns('slack', SLACK_CHANNEL, 1);
        const [discordRun] = await discord.runs.recentRuns('discord', DISCORD_CHANNEL, 1);
        runIds = [slackRun?.id ?? '?', discordRun?.id ?? '?'];
      }
      const [slackRun, discordRun] = runIds;
      const sameRun = (text: string) =>
        plain(text).replaceAll(slackRun, '<run>').replaceAll(discordRun, '<run>');
      const a = sameRun(slackSaw.join('\n'));
      const b = sameRun(discordSaw.join('\n'));
      if (a !== b)
        mismatches.push(`/deploy ${line}\n  Slack:   ${JSON.stringify(a)}\n  Discord: ${JSON.stringify(b)}`);
      expect(discordSaw.length, `/deploy ${line} on Discord answered`).toBeGreaterThan(0);
    }
    expect(mismatches).toEqual([]);

    // The run ended with abort: each platform posted the report once, under the run's summary.
    const slackSummary = slack.fake.messages(SLACK_CHANNEL)[0];
    const slackReport = slack.fake
      .thread(SLACK_CHANNEL, slackSummary?.ts ?? '')
      .filter((message) => /report/i.test(message.text));
    const discordSummary = discord.shown(DISCORD_CHANNEL).summary;
    const discordReport = discord.fake
      .thread(discordSummary.id)
      .filter((message) => /report/i.test(message.content));
    expect(slackReport).toHaveLength(1);
    expect(discordReport.length).toBeGreaterThanOrEqual(1);
    expect(slack.problems).toEqual([]);
    expect(discord.problems).toEqual([]);
  }, 120_000);
});

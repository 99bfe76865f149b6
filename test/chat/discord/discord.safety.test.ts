import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { readOncallFile } from '../../../src/escalation/oncallFile.js';
import type { FakeMessage } from '../../fakes/discord/server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type DiscordHarness, lineOf, sectionWith, startDiscordHarness, USERS } from './harness.js';

const library = buildLibrary([
  { path: 'checklists/demo.md', source: readFileSync('checklists/demo.md', 'utf8') },
]);
const NO_THREADS = '1400000000000000099';
/** A Discord server role whose holders are engineering leads, whoever they are. */
const LEADS_ROLE = '2000000000000000001';
const CY = { id: '1500000000000000003', username: 'cy', roles: [LEADS_ROLE] };

let database: TestDatabase;
let discord: DiscordHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  const { directory, problems } = readOncallFile(
    [
      'people:',
      `  ana: { name: Ana, discord: "${USERS.ana.id}" }`,
      `  bo: { name: Bo, discord: "${USERS.bo.id}" }`,
      'roles:',
      `  engineering-lead: [ana, "discord-role:${LEADS_ROLE}"]`,
    ].join('\n'),
  );
  expect(problems).toEqual([]);
  discord = await startDiscordHarness({
    database,
    library,
    directory: directory ?? undefined,
    fake: { noThreads: [NO_THREADS] },
  });
});
afterAll(async () => {
  await discord?.close();
  await database?.drop();
});

async function startIn(channel: string) {
  await discord.fake.slash(USERS.ana, channel, 'start', { checklist: 'demo', version: 'v1' });
  await discord.adapter.idle();
  return discord.shown(channel);
}

function optionFor(message: FakeMessage, prefix: string, ref: string): string {
  for (const row of message.components) {
    for (const component of row.components as Record<string, unknown>[]) {
      if (!String(component.custom_id).startsWith(prefix)) continue;
      const options = component.options as { label: string; value: string }[];
      const option = options.find((candidate) => candidate.label.split(' ')[1] === ref);
      if (option) return option.value;
    }
  }
  throw new Error(`no option for ${ref} in ${prefix}`);
}

describe('Discord safety', () => {
  it('applies a repeated interaction id once', async () => {
    const channel = '1400000000000000011';
    const { sections } = await startIn(channel);
    const tick = await discord.fake.select(USERS.ana, sectionWith(sections, '1.1'), 'sc:tick', [
      optionFor(sectionWith(sections, '1.1'), 'sc:tick', '1.1'),
    ]);
    await discord.adapter.idle();
    await discord.fake.slash(USERS.ana, channel, 'undo', { item: '1.1' });
    await discord.adapter.idle();
    // The same tick delivered again (same id, same token) must not tick 1.1 a second time.
    discord.fake.redeliver(tick);
    discord.fake.redeliver(tick);
    await discord.fake.slash(USERS.ana, channel, 'status');
    await discord.adapter.idle();
    const shown = discord.shown(channel);
    expect(lineOf(sectionWith(shown.sections, '1.1'), '1.1')).toMatch(/^⬜/);
    expect(discord.fake.interaction(tick.id).callbacks).toHaveLength(1);
    const [run] = await discord.runs.recentRuns('discord', channel, 1);
    const state = await discord.runs.get(run?.id as string);
    expect(state?.items[Object.keys(state.items)[0] as string]?.status).toBe('open');
  });

  it('refuses a sign-off to someone without the role, only to them, and changes nothing', async () => {
    const channel = '1400000000000000012';
    const { sections } = await startIn(channel);
    const before = sectionWith(sections, '3.4');
    const edits = before.edits;
    const content = before.content;
    const picked = await discord.fake.select(USERS.bo, before, 'sc:pick', [
      optionFor(before, 'sc:pick', '3.4'),
    ]);
    await discord.adapter.idle();
    const panel = discord.fake.interaction(picked.id).original as FakeMessage;
    const click = await discord.fake.click(USERS.bo, panel, '✍️ Sign off');
    await discord.adapter.idle();
    const record = discord.fake.interaction(click.id);
    expect(record.callbacks[0]).toMatchObject({ type: 6 });
    expect(record.followups).toHaveLength(1);
    expect(record.followups[0]?.flags).toBe(64);
    expect(record.followups[0]?.content).toContain('engineering-lead');
    const after = sectionWith(discord.shown(channel).sections, '3.4');
    expect(after.edits).toBe(edits);
    expect(after.content).toBe(content);
    expect(discord.shown(channel).summary.content).toContain('0/11 resolved');
  });

  it('lets someone sign off through a Discord role that oncall.yaml gives the sign-off role', async () => {
    const channel = '1400000000000000021';
    const { sections } = await startIn(channel);
    const picked = await discord.fake.select(CY, sectionWith(sections, '3.4'), 'sc:pick', [
      optionFor(sectionWith(sections, '3.4'), 'sc:pick', '3.4'),
    ]);
    await discord.adapter.idle();
    const panel = discord.fake.interaction(picked.id).original as FakeMessage;
    await discord.fake.click(CY, panel, '✍️ Sign off');
    await discord.adapter.idle();
    expect(lineOf(sectionWith(discord.shown(channel).sections, '3.4'), '3.4')).toContain(
      'signed by @\u200bcy',
    );
    // Cy is in no people list: the role alone let them.
    expect(discord.shown(channel).summary.content).toContain('1/11 resolved');
  });

  it('never pings: @everyone and a mention in a skip reason reach nobody', async () => {
    const channel = '1400000000000000013';
    await startIn(channel);
    await discord.fake.slash(USERS.bo, channel, 'skip', {
      item: '1.2',
      reason: `@everyone @here <@${USERS.ana.id}> **bold** [link](https://evil.example)`,
    });
    await discord.adapter.idle();
    const { summary, sections } = discord.shown(channel);
    const line = lineOf(sectionWith(sections, '1.2'), '1.2') as string;
    expect(line).toContain('skipped');
    expect(line).not.toMatch(/@everyone|@here|<@\d/);
    for (const message of [summary, ...sections, ...discord.fake.ephemerals()]) {
      expect(message.allowed_mentions).toEqual({ parse: [] });
      expect(message.pings).toEqual({ everyone: false, users: [], roles: [] });
    }
  });

  it('posts the sections under the summary where the channel has no threads', async () => {
    const { summary, sections } = await startIn(NO_THREADS);
    expect(discord.fake.thread(summary.id)).toEqual([]);
    expect(sections).toHaveLength(3);
    expect(sections.every((message) => message.channel_id === NO_THREADS)).toBe(true);
  });

  it('autocompletes checklist names and the active run’s items', async () => {
    const channel = '1400000000000000014';
    expect(await discord.fake.autocomplete(USERS.ana, channel, 'start', 'checklist', 'dem')).toEqual([
      { name: 'demo · Demo deployment', value: 'demo' },
    ]);
    await startIn(channel);
    const items = await discord.fake.autocomplete(USERS.ana, channel, 'check', 'item', '1.1 2.');
    expect(items.map((choice) => choice.value)).toEqual(['1.1 2.1', '1.1 2.2', '1.1 2.3', '1.1 2.4']);
    await discord.fake.slash(USERS.ana, channel, 'check', { item: '1.1 2.1' });
    await discord.adapter.idle();
    expect(discord.shown(channel).summary.content).toContain('2/11 resolved');
  });

  it('keeps going after the gateway drops mid-run: the client resumes and gets what it missed', async () => {
    const channel = '1400000000000000015';
    const { sections } = await startIn(channel);
    const section = sectionWith(sections, '1.3');
    discord.fake.dropConnection();
    // Sent while the bot is away: the gateway keeps it for the resume.
    const tick = await discord.fake.select(USERS.ana, section, 'sc:tick', [
      optionFor(section, 'sc:tick', '1.3'),
    ]);
    await discord.adapter.idle();
    expect(discord.fake.resumes).toBeGreaterThanOrEqual(1);
    expect(discord.fake.identifies).toHaveLength(1);
    expect(discord.fake.interaction(tick.id).callbacks).toHaveLength(1);
    expect(lineOf(sectionWith(discord.shown(channel).sections, '1.3'), '1.3')).toContain('done by');
  });
});

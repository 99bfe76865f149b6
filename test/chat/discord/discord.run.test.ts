import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { CHANNEL, type DiscordHarness, lineOf, sectionWith, startDiscordHarness, USERS } from './harness.js';

const library = buildLibrary([
  { path: 'checklists/demo.md', source: readFileSync('checklists/demo.md', 'utf8') },
]);

let database: TestDatabase;
let discord: DiscordHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  discord = await startDiscordHarness({ database, library });
});
afterAll(async () => {
  await discord?.close();
  await database?.drop();
});

describe('a run of the demo checklist on Discord, by interactions only', () => {
  it('starts with /deploy start, ticks, skips, records, decides, signs and completes', async () => {
    const { fake, adapter } = discord;
    expect(fake.identifies).toHaveLength(1);

    const start = await fake.slash(USERS.ana, CHANNEL, 'start', { checklist: 'demo', version: 'v1' });
    expect(start.callbacks[0]).toMatchObject({ type: 5, data: { flags: 64 } });
    await adapter.idle();
    const { summary, sections } = discord.shown();
    expect(summary.content).toContain('Demo deployment');
    expect(summary.content).toContain('0/11 resolved');
    expect(summary.components.length).toBe(1);
    expect(sections).toHaveLength(3);
    expect(fake.interaction(start.id).original?.content).toMatch(/is in this channel/);

    // Tick the three items of phase 1 at once with the section's select.
    const first = sectionWith(sections, '1.1');
    await fake.select(
      USERS.ana,
      first,
      'sc:tick',
      first.components[0]?.components ? optionValues(first, 'sc:tick') : [],
    );
    await adapter.idle();
    let now = discord.shown();
    expect(lineOf(sectionWith(now.sections, '1.1'), '1.1')).toMatch(/✅ \*\*1\.1\*\*.* done by @​ana/);
    expect(now.summary.content).toContain('3/11 resolved');

    // Phase 2: tick 2.1 with its panel's button, skip the three checks through the modal.
    for (const ref of ['2.1', '2.2', '2.3', '2.4']) {
      const section = sectionWith(discord.shown().sections, ref);
      const value = optionFor(section, 'sc:pick', ref);
      const picked = await fake.select(USERS.bo, section, 'sc:pick', [value]);
      await adapter.idle();
      const panel = fake.interaction(picked.id).original;
      expect(panel?.flags).toBe(64);
      if (ref === '2.1') {
        await fake.click(USERS.bo, panel as never, '✅ Done');
      } else {
        const opened = await fake.click(USERS.bo, panel as never, '⏭️ Skip');
        expect(opened.modal).not.toBeNull();
        await fake.submitModal(USERS.bo, opened, { text: 'checked by hand in the dashboard' });
      }
      await adapter.idle();
    }
    now = discord.shown();
    expect(lineOf(sectionWith(now.sections, '2.3'), '2.3')).toContain('skipped');
    expect(lineOf(sectionWith(now.sections, '2.3'), '2.3')).toContain('checked by hand in the dashboard');

    // Phase 3: record a value, tick, decide, sign off.
    const third = sectionWith(now.sections, '3.1');
    const setPanel = await fake.select(USERS.ana, third, 'sc:pick', [optionFor(third, 'sc:pick', '3.1')]);
    await adapter.idle();
    const setOpened = await fake.click(
      USERS.ana,
      fake.interaction(setPanel.id).original as never,
      '✏️ Record',
    );
    await fake.submitModal(USERS.ana, setOpened, { text: '240' });
    await adapter.idle();
    await fake.select(USERS.ana, sectionWith(discord.shown().sections, '3.2'), 'sc:tick', [
      optionFor(sectionWith(discord.shown().sections, '3.2'), 'sc:tick', '3.2'),
    ]);
    await adapter.idle();
    const decidePanel = await fake.select(
      USERS.ana,
      sectionWith(discord.shown().sections, '3.3'),
      'sc:pick',
      [optionFor(sectionWith(discord.shown().sections, '3.3'), 'sc:pick', '3.3')],
    );
    await adapter.idle();
    await fake.click(USERS.ana, fake.interaction(decidePanel.id).original as never, '🗳️ Keep');
    await adapter.idle();
    const signPanel = await fake.select(USERS.ana, sectionWith(discord.shown().sections, '3.4'), 'sc:pick', [
      optionFor(sectionWith(discord.shown().sections, '3.4'), 'sc:pick', '3.4'),
    ]);
    await adapter.idle();
    await fake.click(USERS.ana, fake.interaction(signPanel.id).original as never, '✍️ Sign off');
    await adapter.idle();

    now = discord.shown();
    const third2 = sectionWith(now.sections, '3.1');
    expect(lineOf(third2, '3.1')).toContain('recorded **240');
    expect(lineOf(third2, '3.3')).toContain('decided **Keep**');
    expect(lineOf(third2, '3.4')).toContain('signed');
    expect(now.summary.content).toContain('11/11 resolved');

    const sectionEdits = now.sections.map((section) => section.edits);
    await fake.click(USERS.ana, now.summary, '✅ Complete');
    await adapter.idle();
    now = discord.shown();
    expect(now.summary.content).toContain('Completed');
    expect(now.summary.components).toEqual([]);
    // Ending the run edits the summary only: the thread already shows every item as it ended.
    expect(now.sections.slice(0, sectionEdits.length).map((section) => section.edits)).toEqual(sectionEdits);
    const [latest] = await discord.runs.recentRuns('discord', CHANNEL, 1);
    expect(latest?.status).toBe('completed');
    // The report goes under the summary, in the run's thread as on Slack, pinging nobody.
    const last = fake.thread(now.summary.id).at(-1);
    expect(last?.content).toContain('Report');
    expect(last?.allowed_mentions).toEqual({ parse: [] });
    expect(fake.messages(CHANNEL).at(-1)?.id).toBe(now.summary.id);
    expect(discord.problems).toEqual([]);
  });
});

function optionValues(message: { components: Record<string, unknown>[] }, prefix: string): string[] {
  for (const row of message.components) {
    for (const component of row.components as Record<string, unknown>[]) {
      if (String(component.custom_id).startsWith(prefix))
        return (component.options as { value: string }[]).map((option) => option.value);
    }
  }
  return [];
}

function optionFor(message: { components: Record<string, unknown>[] }, prefix: string, ref: string): string {
  for (const row of message.components) {
    for (const component of row.components as Record<string, unknown>[]) {
      if (!String(component.custom_id).startsWith(prefix)) continue;
      const option = (component.options as { label: string; value: string }[]).find(
        (candidate) => candidate.label.split(' ')[1] === ref,
      );
      if (option) return option.value;
    }
  }
  throw new Error(`no option for ${ref} in ${prefix}`);
}

describe('the run’s rules through the Discord slash command', () => {
  it('asks before ticking a whole phase, ticks it with confirm: yes, and refuses an unknown severity', async () => {
    const { fake, adapter } = discord;
    const channel = 'C0DRULES01';
    await fake.slash(USERS.ana, channel, 'start', { checklist: 'demo', version: 'v2' });
    await adapter.idle();
    const asked = await fake.slash(USERS.ana, channel, 'check', { item: '1' });
    await adapter.idle();
    const question = fake.interaction(asked.id).original?.content ?? '';
    expect(question).toContain('open items of phase 1');
    expect(question).toContain('/deploy check 1 --yes');
    const confirmed = await fake.slash(USERS.ana, channel, 'check', { item: '1', confirm: 'yes' });
    await adapter.idle();
    expect(fake.interaction(confirmed.id).original?.content ?? '').not.toContain('open items of phase 1');
    const summary = discord.shown(channel).summary.content;
    expect(summary).toContain('3/11 resolved');

    const severity = await fake.slash(USERS.ana, channel, 'escalate', { severity: 'P1', reason: 'db slow' });
    await adapter.idle();
    const raised = await fake.slash(USERS.bo, channel, 'escalate', { severity: 'P0', reason: 'site down' });
    await adapter.idle();
    expect(fake.interaction(severity.id).original).toBeDefined();
    expect(fake.interaction(raised.id).original?.content).toContain('raised from P1 to P0');
    await fake.slash(USERS.ana, channel, 'abort', { reason: 'test over' });
    await adapter.idle();
  });
});

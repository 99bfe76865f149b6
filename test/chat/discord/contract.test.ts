import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { CHANNEL, type DiscordHarness, startDiscordHarness, USERS } from './harness.js';

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

describe('the summary’s 🚨 Escalate button on Discord', () => {
  it('opens a modal Discord accepts, and its submission opens the escalation', async () => {
    const { fake, adapter } = discord;
    await fake.slash(USERS.ana, CHANNEL, 'start', { checklist: 'demo' });
    await adapter.idle();
    const opened = await fake.click(USERS.ana, discord.shown().summary, '🚨 Escalate');
    await adapter.idle();
    // The fake answers 400 to a modal over Discord's limits, as Discord does; then there is no modal.
    expect(opened.modal).not.toBeNull();
    await fake.submitModal(USERS.ana, opened, { text: 'error rate is climbing', severity: 'P1' });
    await adapter.idle();
    const run = await discord.runs.activeRun('discord', CHANNEL);
    expect(run?.escalation).toMatchObject({
      status: 'open',
      severity: 'P1',
      reason: 'error rate is climbing',
    });
    expect(discord.problems).toEqual([]);
  });
});

describe('/deploy help on Discord', () => {
  it('comes in messages within 2,000 characters, every code block closed', async () => {
    const { fake, adapter } = discord;
    const asked = await fake.slash(USERS.bo, CHANNEL, 'help');
    await adapter.idle();
    const said = [asked.original, ...asked.followups].flatMap((message) =>
      message ? [message.content] : [],
    );
    expect(said.length).toBeGreaterThan(1);
    for (const content of said) {
      expect(content.length).toBeLessThanOrEqual(2_000);
      expect((content.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(said.join('\n')).toContain('history [checklist] [--limit n]');
  });
});

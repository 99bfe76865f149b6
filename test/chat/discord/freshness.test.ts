import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import type { FakeMessage } from '../../fakes/discord/server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type DiscordHarness, lineOf, sectionWith, startDiscordHarness, USERS } from './harness.js';

/**
 * The person who clicks a run message on Discord sees the click in it within a second, even while the
 * channel's message edits wait: the deferred interaction's own webhook rewrites the clicked message.
 */

const library = buildLibrary([
  { path: 'checklists/demo.md', source: readFileSync('checklists/demo.md', 'utf8') },
]);

let database: TestDatabase;
let discord: DiscordHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  discord = await startDiscordHarness({
    database,
    library,
    // Shipcheck's own pacing allows one channel message edit a minute: freshness must come from elsewhere.
    rateLimits: {
      methods: { 'message.edit': { perMinute: 1, burst: 1 } },
      fallback: { perMinute: 600_000, burst: 10_000 },
    },
  });
});
afterAll(async () => {
  await discord?.close();
  await database?.drop();
});

function optionFor(message: FakeMessage, prefix: string, ref: string): string {
  for (const row of message.components as Record<string, unknown>[]) {
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

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe('the clicked Discord message shows the click at once', () => {
  it('three ticks from the section’s select each show in that message within 1 s', async () => {
    const { fake, adapter } = discord;
    const channel = 'C0DFRESH01';
    await fake.slash(USERS.ana, channel, 'start', { checklist: 'demo', version: 'v1' });
    await adapter.idle();
    let shownInTime = 0;
    for (const ref of ['1.1', '1.2', '1.3']) {
      const section = sectionWith(discord.shown(channel).sections, ref);
      await fake.select(USERS.ana, section, 'sc:tick', [optionFor(section, 'sc:tick', ref)]);
      const shown = await until(
        () => /done by @​ana/.test(lineOf(sectionWith(discord.shown(channel).sections, ref), ref) ?? ''),
        1_000,
      );
      if (shown) shownInTime++;
    }
    // Figure proved: ticks shown in the clicked message within 1 s = ticks made (3 of 3).
    expect(shownInTime).toBe(3);
    expect(discord.problems.filter((problem) => problem.level >= 50)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDiscordRun } from '../../../src/chat/discord/render.js';
import { buildLibrary } from '../../../src/checklist/library.js';
import type { RunState } from '../../../src/runs/types.js';
import { viewRun } from '../../../src/runs/view.js';
import type { FakeMessage, FakeUser } from '../../fakes/discord/server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type DiscordHarness, startDiscordHarness, USERS } from './harness.js';

/** Five sections of twenty items: a summary and ten section pages, every item a click away. */
const BIG = [
  '# Burst deploy',
  ...Array.from({ length: 5 }, (_, section) => [
    `## ${section + 1}. Stage ${section + 1}`,
    ...Array.from({ length: 20 }, (_, item) => `- [ ] Stage ${section + 1} step ${item + 1}`),
  ]).flat(),
].join('\n');

const library = buildLibrary([{ path: 'checklists/burst.md', source: BIG }]);
const PEOPLE: FakeUser[] = Array.from({ length: 10 }, (_, index) => ({
  id: `15000000000000001${String(index).padStart(2, '0')}`,
  username: `person${index}`,
}));
const CHANNEL = '1400000000000000077';

let database: TestDatabase;
let discord: DiscordHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  discord = await startDiscordHarness({
    database,
    library,
    // Discord's buckets, shrunk to five message calls per channel per 100 ms, two of them taken by
    // another replica the headers do not show: a burst meets 429s.
    fake: { messageBucket: { limit: 5, windowMs: 100, sharedWith: 2 } },
    rateLimits: { methods: {}, fallback: { perMinute: 6_000, burst: 20, perScope: true } },
    updateIntervalMs: 100,
  });
});
afterAll(async () => {
  await discord?.close();
  await database?.drop();
});

describe('a burst of clicks on Discord', () => {
  it('applies 100 ticks from 10 people, and the channel ends up showing exactly the database', async () => {
    const { fake, adapter } = discord;
    await fake.slash(USERS.ana, CHANNEL, 'start', { checklist: 'burst', version: 'v1' });
    await adapter.idle();
    const { sections } = discord.shown(CHANNEL);
    expect(sections).toHaveLength(10);

    const clicks: Promise<unknown>[] = [];
    for (const [page, message] of sections.entries()) {
      for (const [index, value] of tickValues(message).entries()) {
        const person = PEOPLE[(page + index) % PEOPLE.length] as FakeUser;
        clicks.push(fake.select(person, message, 'sc:tick', [value]));
      }
    }
    expect(clicks).toHaveLength(100);
    await Promise.all(clicks);
    await adapter.idle();

    const [latest] = await discord.runs.recentRuns('discord', CHANNEL, 1);
    const state = (await discord.runs.get(latest?.id as string)) as RunState;
    expect(Object.values(state.items).every((item) => item.status === 'done')).toBe(true);
    const expected = renderDiscordRun(viewRun(state, new Date()));
    const shown = discord.shown(CHANNEL);
    const actual = [shown.summary, ...shown.sections];
    expect(actual.map(visible)).toEqual(expected.map((part) => visible(part.message as never)));
    // Discord said 429 along the way, and every one was waited out, not lost or logged as a failure.
    expect(fake.calls.some((call) => call.status === 429)).toBe(true);
    expect(discord.problems).toEqual([]);
  });
});

function tickValues(message: FakeMessage): string[] {
  const select = message.components
    .flatMap((row) => row.components as Record<string, unknown>[])
    .find((component) => String(component.custom_id).startsWith('sc:tick'));
  return ((select?.options as { value: string }[] | undefined) ?? []).map((option) => option.value);
}

/** What a person sees: the text and the controls (timestamps render per reader, so they are compared as written). */
function visible(message: { content: string; components: unknown[] }) {
  return { content: message.content, components: message.components };
}

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { readOncallFile } from '../../../src/escalation/oncallFile.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { CHANNEL, type DiscordHarness, startDiscordHarness, USERS } from './harness.js';

/**
 * On Discord too a run answers only to its own channel, and roles are held by user ids: through the real
 * discord.js client against the fake Discord.
 */

const library = buildLibrary([
  { path: 'checklists/demo.md', source: readFileSync('checklists/demo.md', 'utf8') },
]);
const OTHER_CHANNEL = '1400000000000000099';
const EVE_AS_BO = { id: '1500000000000000666', username: 'bo' };
const { directory } = readOncallFile(
  [
    'people:',
    `  ana: { name: Ana, discord: "${USERS.ana.id}" }`,
    `  bo: { name: Bo, discord: "${USERS.bo.id}" }`,
    'roles:',
    '  engineering-lead: [ana]',
  ].join('\n'),
);

let database: TestDatabase;
let discord: DiscordHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  discord = await startDiscordHarness({ database, library, directory: directory ?? undefined });
});
afterAll(async () => {
  await discord?.close();
  await database?.drop();
});

const lastSaid = () => discord.fake.ephemerals().at(-1)?.content ?? '';

describe('a Discord run answers only to its own channel', () => {
  it('refuses writes from another channel, typed or clicked; applies them from its own', async () => {
    const { fake, adapter } = discord;
    await fake.slash(USERS.ana, CHANNEL, 'start', { checklist: 'demo', version: 'v1' });
    await adapter.idle();
    const run = await discord.runs.activeRun('discord', CHANNEL);
    if (!run) throw new Error('no run started');

    await fake.slash(USERS.bo, OTHER_CHANNEL, 'skip', { item: '1.1', reason: 'not here', run: run.id });
    await adapter.idle();
    expect(lastSaid()).toContain(`run ${run.id} belongs to another channel`);

    // The summary's Complete button, pressed with the interaction coming from another channel.
    const { summary } = discord.shown();
    const complete = summary.components
      .flatMap((row) => row.components as { custom_id?: string; label?: string }[])
      .find((component) => component.label?.includes('Complete'));
    if (!complete?.custom_id) throw new Error('the summary has no Complete button');
    await fake.deliver(
      USERS.bo,
      OTHER_CHANNEL,
      3,
      { custom_id: complete.custom_id, component_type: 2 },
      summary,
    );
    await adapter.idle();
    expect(lastSaid()).toContain(`run ${run.id} belongs to another channel`);
    const after = await discord.runs.get(run.id);
    expect(after?.revision).toBe(run.revision);

    await fake.slash(USERS.bo, CHANNEL, 'skip', { item: '1.1', reason: 'covered', run: run.id });
    await adapter.idle();
    expect((await discord.runs.get(run.id))?.items[run.checklist.items[0]?.key ?? '']?.status).toBe(
      'skipped',
    );
  });

  it('holds a role by the Discord user id: a namesake signs nothing, the audit keeps id and name', async () => {
    const { fake, adapter } = discord;
    const run = await discord.runs.activeRun('discord', CHANNEL);
    if (!run) throw new Error('no active run');
    const signoff = run.checklist.items.find((item) => item.kind === 'signoff');
    if (!signoff) throw new Error('the demo has no sign-off');

    await fake.slash(USERS.ana, CHANNEL, 'assign', { role: 'engineering-lead', person: USERS.bo });
    await adapter.idle();
    expect((await discord.runs.get(run.id))?.assignments['engineering-lead']).toEqual([USERS.bo.id]);

    await fake.slash(EVE_AS_BO, CHANNEL, 'signoff', { item: signoff.ref });
    await adapter.idle();
    expect(lastSaid()).toContain('only someone with the role engineering-lead may sign it');
    expect((await discord.runs.get(run.id))?.items[signoff.key]?.status).toBe('open');

    await fake.slash(USERS.bo, CHANNEL, 'signoff', { item: signoff.ref });
    await adapter.idle();
    expect((await discord.runs.get(run.id))?.items[signoff.key]?.status).toBe('done');
    const signed = (await discord.runs.events(run.id)).find((event) => event.type === 'item_signed');
    expect(signed).toMatchObject({ actor: '@bo', actorId: USERS.bo.id });
  });
});

describe('Discord options are typed, never joined into text and parsed again', () => {
  it('keeps a reason with --id, quotes and a lone 6" verbatim, on this run; a version may have spaces', async () => {
    const { fake, adapter } = discord;
    const channel = '1400000000000000042';
    await fake.slash(USERS.ana, channel, 'start', { checklist: 'demo', version: 'v2 rc 1', env: 'eu west' });
    await adapter.idle();
    const run = await discord.runs.activeRun('discord', channel);
    expect(run).toMatchObject({ version: 'v2 rc 1', environment: 'eu west' });
    const reason = 'covered --id otherRun1 by the 6" pipe, "quoted" and “curly” 🚀';
    await fake.slash(USERS.bo, channel, 'skip', { item: '1.2', reason });
    await adapter.idle();
    const after = await discord.runs.get(run?.id ?? '');
    const key = after?.checklist.items.find((item) => item.ref === '1.2')?.key as string;
    expect(after?.items[key]).toMatchObject({ status: 'skipped', reason });
  });
});

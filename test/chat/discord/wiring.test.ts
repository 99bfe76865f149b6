import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { discordNotifier } from '../../../src/chat/discord/notifier.js';
import { registerDeployCommand } from '../../../src/chat/discord/register.js';
import { buildLibrary } from '../../../src/checklist/library.js';
import { loadConfig } from '../../../src/config.js';
import { startShipcheck } from '../../../src/main.js';
import { renderPreview } from '../../../src/preview.js';
import { FakeDiscord } from '../../fakes/discord/server.js';
import { freePort } from '../../support/builtProduct.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

import { CHANNEL, type DiscordHarness, startDiscordHarness, USERS } from './harness.js';

const DEMO = 'checklists/demo.md';
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('Discord wiring', () => {
  it('registers /deploy in a guild and globally', async () => {
    const fake = new FakeDiscord();
    await fake.start();
    try {
      const options = { token: fake.token, applicationId: fake.applicationId, apiUrl: fake.apiUrl };
      expect(await registerDeployCommand({ ...options, guildId: fake.guildId })).toEqual({
        scope: `guild ${fake.guildId}`,
        names: ['deploy'],
      });
      await registerDeployCommand({ ...options, guildId: null });
      const [command] = fake.commands.get('global') ?? [];
      expect(((command?.options ?? []) as { name: string }[]).map((sub) => sub.name)).toContain('run-checks');
      expect(fake.commands.get(fake.guildId)).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('reads DISCORD_TOKEN, DISCORD_APPLICATION_ID and DISCORD_API_URL, and names a malformed one', () => {
    const config = loadConfig({
      DISCORD_TOKEN: 'MTEwMDAwMDAwMDAwMDAwMDAwMQ.abcdef.abcdefghijklmnopqrstuvwxyz',
      DISCORD_APPLICATION_ID: '1100000000000000001',
      DISCORD_API_URL: 'http://127.0.0.1:9/api/',
    });
    expect(config.discord).toEqual({
      token: 'MTEwMDAwMDAwMDAwMDAwMDAwMQ.abcdef.abcdefghijklmnopqrstuvwxyz',
      applicationId: '1100000000000000001',
      apiUrl: 'http://127.0.0.1:9/api',
    });
    expect(() => loadConfig({ DISCORD_TOKEN: 'nope' })).toThrow(/DISCORD_TOKEN must be the bot token/);
    expect(loadConfig({}).discord).toBeNull();
  });

  it('previews a run as Discord payloads', () => {
    const library = buildLibrary([{ path: DEMO, source: readFileSync(DEMO, 'utf8') }]);
    const parts = JSON.parse(renderPreview(library.find('demo') as never, 'discord')) as {
      part: string;
      content: string;
    }[];
    expect(parts.map((part) => part.part)).toEqual([
      'summary#0',
      expect.stringMatching(/^section:/),
      expect.any(String),
      expect.any(String),
    ]);
    expect(parts.every((part) => part.content.length <= 2000)).toBe(true);
  });

  it('pages the people of a Discord run in its channel, pinging only them, and by DM', async () => {
    const discord: DiscordHarness = await startDiscordHarness({
      database,
      library: buildLibrary([{ path: DEMO, source: readFileSync(DEMO, 'utf8') }]),
    });
    try {
      await discord.fake.slash(USERS.ana, CHANNEL, 'start', { checklist: 'demo' });
      await discord.adapter.idle();
      const [latest] = await discord.runs.recentRuns('discord', CHANNEL, 1);
      const run = await discord.runs.get(latest?.id as string);
      const notifier = discordNotifier(discord.adapter.api);
      const result = await notifier.send(
        {
          kind: 'page',
          run: run as never,
          text: '🚨 P1 escalation: @everyone the deploy is stuck',
          targets: [{ person: 'bo', name: 'Bo', via: 'rotation', discord: USERS.bo.id }],
          escalationId: 'e1',
          severity: 'P1',
        },
        'k1',
      );
      expect(result).toBe('done');
      const page = discord.fake.messages(CHANNEL).at(-1);
      expect(page?.content).toContain(`<@${USERS.bo.id}>`);
      expect(page?.allowed_mentions).toEqual({ parse: [], users: [USERS.bo.id] });
      expect(page?.pings).toEqual({ everyone: false, users: [USERS.bo.id], roles: [] });
      expect(discord.fake.messages(`dm-${USERS.bo.id}`)).toHaveLength(1);
    } finally {
      await discord.close();
    }
  });

  it('starts from main when DISCORD_TOKEN is set, is ready once the gateway is, and stops cleanly', async () => {
    const fake = new FakeDiscord();
    await fake.start();
    const stop = new AbortController();
    const port = await freePort();
    try {
      const config = loadConfig({
        ...database.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        DISCORD_TOKEN: fake.token,
        DISCORD_API_URL: fake.apiUrl,
      });
      await database.handle.close();
      const running = startShipcheck({
        config,
        logger: pino({ level: 'silent' }),
        input: new PassThrough(),
        output: new PassThrough(),
        stop: stop.signal,
      });
      await fake.connected();
      await vi.waitFor(
        async () => expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200),
        { timeout: 10_000 },
      );
      const list = await fake.slash(USERS.ana, CHANNEL, 'list');
      stop.abort();
      // Stopping finishes the interactions in hand: the answer is there once main returns.
      await running;
      expect(fake.interaction(list.id).original?.content).toMatch(/Checklists[\s\S]*demo/);
    } finally {
      await fake.close();
    }
  });
});

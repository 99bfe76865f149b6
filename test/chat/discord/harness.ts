import { Writable } from 'node:stream';
import pino from 'pino';
import { createDiscordAdapter, type DiscordAdapter } from '../../../src/chat/discord/app.js';
import type { RateLimits } from '../../../src/chat/rateLimiter.js';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import type { PeopleDirectory } from '../../../src/escalation/oncallFile.js';
import { RunService } from '../../../src/runs/service.js';
import { FakeDiscord, type FakeDiscordOptions, type FakeMessage } from '../../fakes/discord/server.js';
import type { TestDatabase } from '../../support/db.js';

export const CHANNEL = '1400000000000000001';

export const USERS = {
  ana: { id: '1500000000000000001', username: 'ana' },
  bo: { id: '1500000000000000002', username: 'bo' },
} as const;

/** Click-by-click tests are about behaviour, not pacing: Shipcheck's own limits high enough never to wait on. */
const GENEROUS: RateLimits = {
  methods: {},
  fallback: { perMinute: 600_000, burst: 10_000 },
};

export interface DiscordHarness {
  fake: FakeDiscord;
  adapter: DiscordAdapter;
  runs: RunService;
  /** Log lines at warn or above, parsed: a test can say that nothing went wrong on the way. */
  problems: { level: number; msg: string }[];
  /** The channel's summary message of its latest run, and that run's section messages. */
  shown(channel?: string): { summary: FakeMessage; sections: FakeMessage[] };
  close(): Promise<void>;
}

export interface HarnessOptions {
  database: TestDatabase;
  library: ChecklistLibrary;
  fake?: FakeDiscordOptions;
  rateLimits?: RateLimits;
  updateIntervalMs?: number;
  directory?: PeopleDirectory;
}

/** The real discord.js Client on the run service and a test database, pointed at a fresh fake Discord. */
export async function startDiscordHarness(options: HarnessOptions): Promise<DiscordHarness> {
  const fake = new FakeDiscord(options.fake);
  await fake.start();
  const problems: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) problems.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'warn' }, sink);
  const runs = new RunService(options.database.handle.db);
  const adapter = createDiscordAdapter({
    deps: { runs, library: options.library, ...(options.directory ? { directory: options.directory } : {}) },
    db: options.database.handle.db,
    logger,
    token: fake.token,
    apiUrl: fake.apiUrl,
    updateIntervalMs: options.updateIntervalMs ?? 20,
    rateLimits: options.rateLimits ?? GENEROUS,
  });
  await adapter.start();
  return {
    fake,
    adapter,
    runs,
    problems,
    shown(channel = CHANNEL) {
      const summaries = fake.messages(channel).filter((message) => message.content.includes('run `'));
      const summary = summaries.at(-1);
      if (!summary) throw new Error(`no run is shown in ${channel}`);
      const threaded = fake.thread(summary.id);
      const sections =
        threaded.length > 0
          ? threaded
          : fake.messages(channel).filter((m) => m.id > summary.id && !m.content.includes('run `'));
      return { summary, sections };
    },
    async close() {
      // A test's end does not wait out the fake's rate limits for edits nobody will look at.
      await adapter.stop(0);
      await fake.close();
    },
  };
}

/** The section message that shows item `ref` (its line starts with the mark and the bold ref). */
export function sectionWith(sections: FakeMessage[], ref: string): FakeMessage {
  const found = sections.find((message) => lineOf(message, ref) !== undefined);
  if (!found) throw new Error(`no section shows item ${ref}`);
  return found;
}

export function lineOf(message: FakeMessage, ref: string): string | undefined {
  return message.content.split('\n').find((line) => line.includes(`**${ref.replace(/\./g, '.')}**`));
}

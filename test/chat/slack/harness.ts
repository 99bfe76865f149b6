import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RateLimits } from '../../../src/chat/rateLimiter.js';
import type { CheckExecutor } from '../../../src/chat/runChecks.js';
import { createSlackAdapter, type SlackAdapter } from '../../../src/chat/slack/app.js';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import type { PeopleDirectory } from '../../../src/escalation/oncallFile.js';
import type { Metrics } from '../../../src/metrics.js';
import { RunService } from '../../../src/runs/service.js';
import { FakeSlack, type Tier } from '../../fakes/slack/server.js';
import { SlackWorkspace } from '../../fakes/slack/workspace.js';
import type { TestDatabase } from '../../support/db.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const CHANNEL = 'C0DEPLOYS';

export const USERS = {
  ana: { id: 'U0ANA0001', name: 'ana' },
  bo: { id: 'U0BO00002', name: 'bo' },
} as const;

/** Click-by-click tests are about behaviour, not pacing: limits high enough never to wait on. */
const GENEROUS_TIERS: Record<string, Tier> = {
  'chat.update': { perMinute: 6_000, burst: 1_000 },
  'chat.postMessage': { perMinute: 6_000, burst: 1_000, perChannel: true },
  'chat.postEphemeral': { perMinute: 6_000, burst: 1_000 },
  'views.open': { perMinute: 6_000, burst: 1_000 },
};
const GENEROUS_LIMITS: RateLimits = {
  methods: {
    'chat.update': { perMinute: 6_000, burst: 1_000 },
    'chat.postMessage': { perMinute: 6_000, burst: 1_000, perScope: true },
    'chat.postEphemeral': { perMinute: 6_000, burst: 1_000 },
    'views.open': { perMinute: 6_000, burst: 1_000 },
  },
  fallback: { perMinute: 600, burst: 100 },
};

export interface SlackHarness {
  fake: FakeSlack;
  adapter: SlackAdapter;
  workspace: SlackWorkspace;
  runs: RunService;
  /** Log lines at warn or above, parsed: a test can say that nothing went wrong on the way. */
  problems: { level: number; msg: string }[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  mode: 'http' | 'socket';
  database: TestDatabase;
  library: ChecklistLibrary;
  /**
   * The fake's tiers and Shipcheck's own pacing. `generous` (the default) never waits; `slack` is Slack's
   * published tiers against Shipcheck's defaults; or give either explicitly.
   */
  pacing?: 'generous' | 'slack';
  tiers?: Record<string, Tier>;
  rateLimits?: RateLimits;
  /** Short by default so click-by-click tests run quickly; the burst test uses the real second. */
  updateIntervalMs?: number;
  notInChannel?: string[];
  /** Every response_url has expired: a click is shown only through chat.update. */
  expiredResponseUrls?: boolean;
  /** People and roles (oncall.yaml); without it nobody is restricted. */
  directory?: PeopleDirectory;
  /** HTTP mode: false to route requests from a server of the test's own, as a shared web server would. */
  listen?: boolean;
  /** What /metrics would show; without it nothing is counted. */
  metrics?: Metrics;
  /** Runs the automated checks; without it `run-checks` says they are not available. */
  checks?: CheckExecutor;
}

/** The real Bolt app on the run service and a test database, pointed at a fresh fake Slack. */
export async function startSlackHarness(options: HarnessOptions): Promise<SlackHarness> {
  const fake = new FakeSlack({
    ...(options.tiers || options.pacing !== 'slack' ? { tiers: options.tiers ?? GENEROUS_TIERS } : {}),
    ...(options.notInChannel ? { notInChannel: options.notInChannel } : {}),
    ...(options.expiredResponseUrls ? { expiredResponseUrls: true } : {}),
  });
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
  const adapter = createSlackAdapter({
    deps: {
      runs,
      library: options.library,
      ...(options.directory ? { directory: options.directory } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.checks ? { checks: options.checks } : {}),
    },
    db: options.database.handle.db,
    logger,
    botToken: fake.botToken,
    appToken: options.mode === 'socket' ? fake.appToken : null,
    signingSecret: options.mode === 'http' ? SIGNING_SECRET : null,
    apiUrl: fake.apiUrl,
    port: 0,
    host: '127.0.0.1',
    ...(options.listen === false ? { listen: false } : {}),
    updateIntervalMs: options.updateIntervalMs ?? 20,
    ...(options.rateLimits || options.pacing !== 'slack'
      ? { rateLimits: options.rateLimits ?? GENEROUS_LIMITS }
      : {}),
  });
  let { port } = await adapter.start();
  if (options.mode === 'socket') await fake.socketConnected();
  const router = options.listen === false ? await routeTo(adapter) : null;
  if (router) port = (router.address() as AddressInfo).port;
  const workspace = new SlackWorkspace(
    fake,
    options.mode === 'http'
      ? { kind: 'http', url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET }
      : { kind: 'socket' },
  );
  return {
    fake,
    adapter,
    workspace,
    runs,
    problems,
    async close() {
      // A test's end does not wait out the fake's rate limits for edits nobody will look at.
      await adapter.stop(0);
      await new Promise<void>((resolve) => (router ? router.close(() => resolve()) : resolve()));
      await fake.close();
    },
  };
}

/** A server of its own that hands `POST /slack/events` to the adapter and knows nothing else. */
async function routeTo(adapter: SlackAdapter): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/slack/events' && adapter.handleHttp) {
      adapter.handleHttp(request, response);
      return;
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

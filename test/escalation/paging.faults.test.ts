import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { escalationHandlers } from '../../src/escalation/escalator.js';
import { type Notice, type Notifier, webhookNotifier } from '../../src/escalation/notify.js';
import { type PeopleDirectory, readOncallFile } from '../../src/escalation/oncallFile.js';
import { RunService } from '../../src/runs/service.js';
import type { RunState } from '../../src/runs/types.js';
import { TimerWorker } from '../../src/timers/worker.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Paging when a notifier is slow, on a real database and a real webhook server on 127.0.0.1 that
 * answers by trickling its body one byte at a time. Real time, bounded: the slowest delivery takes 8 s
 * (the 40 s notifier, scaled down; the lease it has to outlive is 6 s).
 */

const ONCALL = `people:
  ana: { name: Ana Ruiz, terminal: ana }
  bo: { name: Bo Chen, terminal: bo }
roles:
  on-call-engineer: [ana]
  engineering-lead: [bo]
policies:
  two-step:
    steps:
      - { targets: [role:on-call-engineer], wait: 5m }
      - { targets: [role:engineering-lead], wait: 5m }
`;

const CHECKLIST = checklistFrom(
  `---
escalation: { policy: two-step }
---
# Release
## Go
- [ ] Deploy
`,
  'paging',
);

const logger = pino({ level: 'silent' });
let database: TestDatabase;
let second: DatabaseHandle | null = null;
let directory: PeopleDirectory;
let channel = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  // A second replica on Postgres has its own pool; PGlite is one process, so the two share its handle.
  if (database.env.DATABASE_URL)
    second = await openDatabase({ kind: 'postgres', url: database.env.DATABASE_URL });
  directory = readOncallFile(ONCALL).directory as PeopleDirectory;
});
afterAll(async () => {
  await second?.close();
  await database?.drop();
});

interface Hook {
  url: string;
  /** Delivery key → how many requests carried it, and how many got a complete answer. */
  received: Map<string, { requests: number; answered: number; at: number[] }>;
  close(): Promise<void>;
}

/** A webhook receiver; `slowMs(body)` says how long to trickle the answer to one request (0: at once). */
async function hook(slowMs: (body: string) => number): Promise<Hook> {
  const received: Hook['received'] = new Map();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const key = String(request.headers['idempotency-key'] ?? '');
      const entry = received.get(key) ?? { requests: 0, answered: 0, at: [] };
      entry.requests++;
      entry.at.push(Date.now());
      received.set(key, entry);
      const ms = slowMs(body);
      response.writeHead(202, { 'content-type': 'text/plain' });
      if (ms <= 0) {
        entry.answered++;
        response.end('ok');
        return;
      }
      let left = Math.ceil(ms / 1000);
      const drip = setInterval(() => {
        if (--left > 0) {
          response.write('.');
          return;
        }
        clearInterval(drip);
        entry.answered++;
        response.end('.');
      }, 1000);
      response.on('close', () => clearInterval(drip));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pages`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes down when each page reached it: the lateness of every delivery that is not the slow one. */
class Stopwatch implements Notifier {
  readonly name = 'stopwatch';
  readonly pages: { runId: string; at: number; key: string }[] = [];
  accepts(notice: Notice): boolean {
    return notice.kind === 'page';
  }
  async send(notice: Notice, key: string): Promise<'done'> {
    this.pages.push({ runId: notice.run.id, at: Date.now(), key });
    return 'done';
  }
}

function replica(db: DatabaseHandle, notifiers: Notifier[], workerId: string, clock?: () => Date) {
  const runs = new RunService(db.db, clock ? { clock } : {});
  const worker = new TimerWorker({
    db: db.db,
    handlers: escalationHandlers({ runs, directory, notifiers }),
    logger,
    workerId,
    pollMs: 100,
    ...(clock ? { clock } : {}),
  });
  return { runs, worker };
}

/** Opens `count` escalations on runs of their own, `gapMs` apart: pages falling due while others are slow. */
async function openEscalations(
  runs: RunService,
  count: number,
  gapMs = 0,
): Promise<{ runId: string; at: number }[]> {
  const opened: { runId: string; at: number }[] = [];
  for (let index = 0; index < count; index++) {
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    channel++;
    const started = await runs.start(
      { checklist: CHECKLIST, version: 'v1', environment: null, platform: 'test', channelId: `p${channel}` },
      '@ana',
      null,
    );
    const runId = (started.state as RunState).id;
    await runs.apply(runId, { type: 'escalate', reason: 'the site is down' }, '@ana', null);
    opened.push({ runId, at: Date.now() });
  }
  return opened;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}

describe('a slow notifier delays nothing but itself (figure: pages delivered = pages due, each once)', () => {
  for (const replicas of [1, 2]) {
    it(`30 pages on ${replicas} replica${replicas === 1 ? '' : 's'}, every webhook answer 8 s slow`, async () => {
      const receiver = await hook(() => 8_000);
      const stopwatch = new Stopwatch();
      const notifiers = () => [webhookNotifier(receiver.url, 'secret', logger), stopwatch];
      const first = replica(database.handle, notifiers(), 'replica-a');
      const others = replicas === 2 ? [replica(second ?? database.handle, notifiers(), 'replica-b')] : [];
      for (const { worker } of [first, ...others]) worker.start();
      try {
        const opened = await openEscalations(first.runs, 30, 150);
        await until(
          () =>
            receiver.received.size >= 30 &&
            [...receiver.received.values()].every((entry) => entry.answered > 0),
          30_000,
        );
        // Every page went to the webhook exactly once, in spite of 8 s answers and a 6 s lease.
        expect(receiver.received.size).toBe(30);
        expect([...receiver.received.values()].map((entry) => entry.requests)).toEqual(Array(30).fill(1));
        // The fast notifier was not held behind the slow one: each page reached it within a second.
        expect(stopwatch.pages).toHaveLength(30);
        const lateness = opened.map(({ runId, at }) => {
          const page = stopwatch.pages.find((entry) => entry.runId === runId);
          return (page?.at ?? Number.POSITIVE_INFINITY) - at;
        });
        expect(p99(lateness)).toBeLessThan(1_000);
      } finally {
        await Promise.all([first, ...others].map(({ worker }) => worker.stop()));
        await receiver.close();
      }
    }, 60_000);
  }
});

describe('an acknowledgement wins over a delivery not yet made', () => {
  it('an ack during a slow delivery stops the remaining steps (figure: pages after the ack = 0)', async () => {
    const receiver = await hook(() => 8_000);
    const stopwatch = new Stopwatch();
    // The runs of the tests before this one still have their step 2 pending: moving the clock past it
    // would fire those too. This test is about its own run only.
    await database.handle.db.execute(sql`delete from timers`);
    // Real time plus an offset the test moves: step 2 falls due 5 minutes after step 1.
    let offset = 0;
    const clock = () => new Date(Date.now() + offset);
    const { runs, worker } = replica(
      database.handle,
      [webhookNotifier(receiver.url, 'secret', logger), stopwatch],
      'slow-ack',
      clock,
    );
    worker.start();
    try {
      const [opened] = await openEscalations(runs, 1);
      const runId = opened?.runId as string;
      await until(() => receiver.received.size === 1, 5_000);
      // Step 1's webhook delivery is still trickling in when someone owns the escalation.
      expect([...receiver.received.values()][0]?.answered).toBe(0);
      expect((await runs.apply(runId, { type: 'ack' }, '@ana', null)).accepted).toBe(true);
      offset = 6 * 60_000;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const events = await runs.events(runId);
      expect(events.filter((event) => event.type === 'escalation_paged')).toHaveLength(1);
      expect(stopwatch.pages.filter((page) => page.runId === runId)).toHaveLength(1);
      // The webhook had step 1's page and then the acknowledgement itself; no second step.
      expect([...receiver.received.keys()].map((key) => key.replace(/^send:deliver:[^:]+:/, ''))).toEqual([
        '0:0:webhook',
        'acknowledged:webhook',
      ]);
    } finally {
      await worker.stop();
      await receiver.close();
    }
  }, 30_000);

  it('a raise during a slow, acknowledged delivery pages the raised path from step 1, once (figure: pages sent = pages due = 2)', async () => {
    const receiver = await hook(() => 8_000);
    const stopwatch = new Stopwatch();
    await database.handle.db.execute(sql`delete from timers`);
    const { runs, worker } = replica(
      database.handle,
      [webhookNotifier(receiver.url, 'secret', logger), stopwatch],
      'slow-raise',
    );
    worker.start();
    try {
      const [opened] = await openEscalations(runs, 1);
      const runId = opened?.runId as string;
      await until(() => receiver.received.size === 1, 5_000);
      // Step 1 of the P1 is still trickling in when it is owned, and then a P0 comes.
      expect((await runs.apply(runId, { type: 'ack' }, '@ana', null)).accepted).toBe(true);
      const raised = await runs.apply(
        runId,
        { type: 'escalate', reason: 'all EU down', severity: 'P0' },
        '@bo',
        null,
      );
      expect(raised.events.map((event) => event.type)).toEqual(['escalation_raised']);
      await until(() => stopwatch.pages.filter((page) => page.runId === runId).length === 2, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const events = await runs.events(runId);
      expect(events.filter((event) => event.type === 'escalation_paged')).toHaveLength(2);
      // Each page once, under a key of its own: the raised step 1 never reuses the first page's key.
      const keys = stopwatch.pages.filter((page) => page.runId === runId).map((page) => page.key);
      expect(new Set(keys).size).toBe(2);
      expect(keys.some((key) => key.includes(':r1:0:0'))).toBe(true);
    } finally {
      await worker.stop();
      await receiver.close();
    }
  }, 30_000);

  it('a page waiting for its retry is dropped when the escalation is acknowledged, and no later step pages', async () => {
    let attempts = 0;
    // The first answer is a 503: the delivery waits for its retry (1 s later).
    const receiver = await hook(() => 0);
    const failingOnce: Notifier = {
      name: 'flaky',
      accepts: (notice) => notice.kind === 'page',
      async send() {
        attempts++;
        return attempts === 1 ? 'retry' : 'done';
      },
    };
    const { runs, worker } = replica(
      database.handle,
      [failingOnce, webhookNotifier(receiver.url, 's', logger)],
      'ack-test',
    );
    worker.start();
    try {
      const [opened] = await openEscalations(runs, 1);
      const runId = opened?.runId as string;
      await until(() => attempts === 1, 5_000);
      await runs.apply(runId, { type: 'ack' }, '@ana', null);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(attempts).toBe(1);
      const rows = (await database.handle.db.execute(
        sql`select last_error from timers where kind = 'send' and run_id = ${runId} and payload->>'notifier' = 'flaky'`,
      )) as unknown as { rows: { last_error: string }[] };
      expect(rows.rows.map((row) => row.last_error)).toEqual(['not sent: acknowledged or resolved first']);
      const events = await runs.events(runId);
      expect(events.filter((event) => event.type === 'escalation_paged')).toHaveLength(1);
    } finally {
      await worker.stop();
      await receiver.close();
    }
  }, 30_000);
});

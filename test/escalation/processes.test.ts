import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/types.js';
import { type Database, type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { escalationHandlers } from '../../src/escalation/escalator.js';
import type { Notice, Notifier } from '../../src/escalation/notify.js';
import { type PeopleDirectory, readOncallFile } from '../../src/escalation/oncallFile.js';
import { RunService } from '../../src/runs/service.js';
import type { RunState } from '../../src/runs/types.js';
import { TimerWorker } from '../../src/timers/worker.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Several Shipcheck processes on one database: two workers with pools of their own (two replicas), and
 * a worker process killed with SIGKILL and started again. Real time, bounded; Postgres only.
 */

const url = process.env.DATABASE_URL;
const WHY_SKIPPED =
  'needs DATABASE_URL: replicas race through separate connections, and PGlite is one connection in one process';

const logger = pino({ level: 'silent' });

const checklist: Checklist = checklistFrom(
  `---
escalation: { policy: fast }
---
# Service release
## Deploy
- [ ] Roll out
`,
  'release',
);

/** One step, three rounds, 0.6 s (0.01 minutes) between pages. */
const FAST_ONCALL = `people:
  ana: { name: Ana Ruiz }
roles:
  on-call-engineer: [ana]
policies:
  fast:
    repeat: 3
    steps:
      - { targets: [role:on-call-engineer], wait: 0.6s }
`;

/** The same with 2 s between pages, so that steps are still pending when the process is killed. */
const SLOW_ONCALL = FAST_ONCALL.replace('wait: 0.6s', 'wait: 2s');

function directoryOf(yaml: string): PeopleDirectory {
  const read = readOncallFile(yaml);
  expect(read.problems).toEqual([]);
  return read.directory as PeopleDirectory;
}

async function rows<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  // Both drivers answer with { rows }.
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

async function waitFor(what: string, deadlineMs: number, done: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts `count` runs, each with one escalation, in a few concurrent lanes; returns run → escalation. */
async function openEscalations(
  service: RunService,
  count: number,
  tag: string,
  onOpened?: (runId: string, index: number) => void,
): Promise<Map<string, string>> {
  const opened = new Map<string, string>();
  const lanes = 8;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let index = lane; index < count; index += lanes) {
        const start = await service.start(
          { checklist, version: null, environment: null, platform: 'test', channelId: `${tag}-${index}` },
          '@ana',
          null,
        );
        const runId = (start.state as RunState).id;
        const outcome = await service.apply(
          runId,
          { type: 'escalate', reason: `trouble ${index}` },
          '@ana',
          null,
        );
        const event = outcome.events.find((candidate) => candidate.type === 'escalation_opened');
        if (event?.type !== 'escalation_opened') throw new Error(`no escalation for ${runId}`);
        opened.set(runId, event.escalationId);
        onOpened?.(runId, index);
      }
    }),
  );
  return opened;
}

interface PageRow {
  run_id: string;
  seq: number;
  escalation_id: string;
  step: number;
  round: number;
}

async function pagesIn(db: Database): Promise<PageRow[]> {
  const found = await rows<PageRow>(
    db,
    sql`select run_id, seq, payload->>'escalationId' as escalation_id,
               (payload->>'step')::int as step, (payload->>'round')::int as round
          from run_events where type = 'escalation_paged'`,
  );
  return found.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** Pages of one (escalation, step, round) seen more than once. */
function duplicates(pages: PageRow[]): string[] {
  const seen = new Map<string, number>();
  for (const page of pages) {
    const key = `${page.escalation_id}:${page.step}:${page.round}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
}

describe.skipIf(!url)(`two replicas on one database (${url ? 'Postgres' : WHY_SKIPPED})`, () => {
  let database: TestDatabase;
  const replicas: DatabaseHandle[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let index = 0; index < 2; index++) {
      replicas.push(await openDatabase({ kind: 'postgres', url: database.env.DATABASE_URL as string }));
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await database?.drop();
  });

  it('500 escalations, 3 pages each: every step fires exactly once, and no page follows an ack', async () => {
    const COUNT = 500;
    const directory = directoryOf(FAST_ONCALL);
    const delivered: string[][] = [[], []];
    const claimed = [0, 0];
    let maxLateness = 0;
    const workers = replicas.map((replica, index) => {
      // Configured alike, as replicas are: a delivery job may run on either, and each notes its own.
      const notifier: Notifier = {
        name: 'recorder',
        accepts: (notice: Notice) => notice.kind === 'page',
        async send(_notice, key) {
          delivered[index]?.push(key);
          return 'done';
        },
      };
      return new TimerWorker({
        db: replica.db,
        handlers: escalationHandlers({ runs: new RunService(replica.db), directory, notifiers: [notifier] }),
        logger,
        pollMs: 25,
        onFired: (_job, lateness) => {
          claimed[index] = (claimed[index] ?? 0) + 1;
          maxLateness = Math.max(maxLateness, lateness);
        },
      });
    });
    const service = new RunService(database.handle.db);
    const acks: Promise<void>[] = [];
    const ackOutcome = new Map<string, boolean>();
    const started = Date.now();
    for (const worker of workers) worker.start();
    try {
      // Every 4th run is acknowledged at a random moment within 20 s of its opening. Its pages fall due at
      // 0, 0.6 and 1.2 s, but 500 escalations opened together keep the replicas seconds behind: the acks land
      // before, between and after pages (the spread is printed below).
      const opened = await openEscalations(service, COUNT, 'replicas', (runId, index) => {
        if (index % 4 !== 0) return;
        acks.push(
          new Promise<void>((resolve, reject) => {
            setTimeout(
              () => {
                service.apply(runId, { type: 'ack' }, '@bo', null).then((outcome) => {
                  ackOutcome.set(runId, outcome.accepted);
                  resolve();
                }, reject);
              },
              Math.floor(Math.random() * 20_000),
            );
          }),
        );
      });
      await Promise.all(acks);
      await waitFor('every timer to fire', 90_000, async () => {
        const [left] = await rows<{ count: string }>(
          database.handle.db,
          sql`select count(*) from timers where fired_at is null`,
        );
        return Number(left?.count) === 0;
      });
      const elapsed = Date.now() - started;

      const pages = await pagesIn(database.handle.db);
      const acked = await rows<{ run_id: string; seq: number }>(
        database.handle.db,
        sql`select run_id, seq from run_events where type = 'escalation_acknowledged'`,
      );
      const ackSeq = new Map(acked.map((row) => [row.run_id, Number(row.seq)]));
      expect(ackSeq.size).toBe(COUNT / 4);
      expect([...ackOutcome.values()].every(Boolean)).toBe(true);

      expect(duplicates(pages)).toEqual([]);
      const byRun = new Map<string, PageRow[]>();
      for (const page of pages) byRun.set(page.run_id, [...(byRun.get(page.run_id) ?? []), page]);
      let missed = 0;
      let pagesAfterAck = 0;
      const pagesBeforeAck = [0, 0, 0, 0];
      for (const [runId, escalationId] of opened) {
        const mine = (byRun.get(runId) ?? []).sort((a, b) => a.seq - b.seq);
        expect(mine.every((page) => page.escalation_id === escalationId && page.step === 0)).toBe(true);
        const ack = ackSeq.get(runId);
        if (ack === undefined) {
          if (mine.map((page) => page.round).join() !== '0,1,2') missed += 1;
        } else {
          pagesAfterAck += mine.filter((page) => page.seq > ack).length;
          pagesBeforeAck[mine.length] = (pagesBeforeAck[mine.length] ?? 0) + 1;
          // The pages before the ack are the first rounds, in order, none skipped.
          expect(mine.map((page) => page.round)).toEqual([0, 1, 2].slice(0, mine.length));
        }
      }
      expect(missed).toBe(0);
      expect(pagesAfterAck).toBe(0);
      expect(pages).toHaveLength(
        3 * (COUNT - COUNT / 4) + pagesBeforeAck.reduce((sum, n, i) => sum + n * i, 0),
      );

      // Each page was delivered at most once, by one replica or the other, and both did a share of the
      // work. Every page of an escalation nobody acknowledged went out; one recorded just before an ack
      // may be dropped before delivery, since it would wake someone for nothing.
      const deliveries = [...(delivered[0] ?? []), ...(delivered[1] ?? [])];
      expect(new Set(deliveries).size).toBe(deliveries.length);
      const keyOf = (page: PageRow) =>
        `send:deliver:${page.escalation_id}:${page.step}:${page.round}:recorder`;
      const recorded = new Set(pages.map(keyOf));
      expect(deliveries.filter((key) => !recorded.has(key))).toEqual([]);
      const unacknowledged = pages.filter((page) => !ackSeq.has(page.run_id)).map(keyOf);
      expect(unacknowledged.filter((key) => !deliveries.includes(key))).toEqual([]);
      expect(claimed[0]).toBeGreaterThan(0);
      expect(claimed[1]).toBeGreaterThan(0);
      const [retried] = await rows<{ count: string }>(
        database.handle.db,
        // Deliveries dropped at their claim because an ack came first were never run: not retries.
        sql`select count(*) from timers
          where last_error is distinct from 'not sent: acknowledged or resolved first'
            and (attempts <> 1 or last_error is not null)`,
      );
      expect(Number(retried?.count)).toBe(0);

      console.info(
        `replicas: ${COUNT} escalations, ${pages.length} pages in ${elapsed} ms; jobs run by replica: ${claimed.join(' / ')}; ` +
          `acked escalations by pages before the ack (0/1/2/3): ${pagesBeforeAck.join('/')}; max lateness ${maxLateness} ms`,
      );
    } finally {
      await Promise.allSettled(acks);
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  }, 150_000);
});

const DIST = new URL('../../dist/', import.meta.url);

/** A Shipcheck timer process from the build: the database, the escalation handlers, a worker; nothing else. */
const WORKER_SCRIPT = `
const dist = process.env.SHIPCHECK_DIST;
const { openDatabase } = await import(new URL('db/client.js', dist));
const { RunService } = await import(new URL('runs/service.js', dist));
const { TimerWorker } = await import(new URL('timers/worker.js', dist));
const { escalationHandlers } = await import(new URL('escalation/escalator.js', dist));
const { readOncallFile } = await import(new URL('escalation/oncallFile.js', dist));
const { createLogger } = await import(new URL('logger.js', dist));
const handle = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL });
const { directory } = readOncallFile(process.env.ONCALL_YAML);
const runs = new RunService(handle.db);
const notifier = {
  name: 'stdout',
  accepts: (notice) => notice.kind === 'page',
  async send(_notice, key) {
    process.stdout.write('delivered ' + key + '\\n');
    return 'done';
  },
};
const worker = new TimerWorker({
  db: handle.db,
  handlers: escalationHandlers({ runs, directory, notifiers: [notifier] }),
  logger: createLogger('silent'),
  pollMs: 50,
  leaseMs: Number(process.env.LEASE_MS),
});
worker.start();
process.stdout.write('ready ' + Date.now() + '\\n');
process.on('SIGTERM', async () => {
  await worker.stop();
  await handle.close();
  process.exit(0);
});
`;

interface WorkerProcess {
  child: ChildProcess;
  readyAt: Promise<number>;
  delivered: string[];
  exited: Promise<number | null>;
}

describe.skipIf(!url)(`kill -9 with steps pending (${url ? 'Postgres, built dist/' : WHY_SKIPPED})`, () => {
  let database: TestDatabase;
  let scriptDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    expect(
      existsSync(fileURLToPath(new URL('escalation/escalator.js', DIST))),
      'dist/ is missing: npm run build first',
    ).toBe(true);
    database = await createTestDatabase();
    scriptDir = mkdtempSync(join(tmpdir(), 'shipcheck-worker-'));
    writeFileSync(join(scriptDir, 'worker.mjs'), WORKER_SCRIPT);
  });
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.drop();
    if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
  });

  /** Longer than the process is down, so the jobs it held at the kill are still leased at the restart. */
  const LEASE_MS = 6000;

  function launch(): WorkerProcess {
    const child = spawn(process.execPath, [join(scriptDir, 'worker.mjs')], {
      env: {
        ...process.env,
        DATABASE_URL: database.env.DATABASE_URL as string,
        SHIPCHECK_DIST: DIST.href,
        ONCALL_YAML: SLOW_ONCALL,
        LEASE_MS: String(LEASE_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const delivered: string[] = [];
    let stderr = '';
    let buffer = '';
    let ready: (at: number) => void = () => {};
    const readyAt = new Promise<number>((resolve, reject) => {
      ready = resolve;
      setTimeout(() => reject(new Error(`worker not ready in 15 s: ${stderr}`)), 15_000).unref();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready ')) ready(Number(line.slice(6)));
        if (line.startsWith('delivered ')) delivered.push(line.slice(10));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, readyAt, delivered, exited };
  }

  it('every step fires after a restart, the overdue ones at once, none twice', async () => {
    const COUNT = 60;
    const db = database.handle.db;
    const service = new RunService(db);
    const opened = await openEscalations(service, COUNT, 'kill');

    const first = launch();
    await first.readyAt;
    // Kill it in the middle of the second round: some pages done, some due, some claimed and in hand.
    await waitFor('the first round and half of the second', 30_000, async () => {
      return (await pagesIn(db)).length >= COUNT + COUNT / 2;
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const pagedBeforeKill = (await pagesIn(db)).length;
    const inHand = await rows<{ key: string; claimed_until: Date | string }>(
      db,
      sql`select key, claimed_until from timers where fired_at is null and claimed_until > now()`,
    );

    // Down for 2.5 s: the rest of the second round and some of the third fall due meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const second = launch();
    const restartedAt = await second.readyAt;
    const overdue = await rows<{ key: string }>(
      db,
      sql`select key from timers where fired_at is null and kind = 'escalate' and due_at <= ${new Date(restartedAt).toISOString()}`,
    );
    await waitFor('every timer to fire after the restart', 60_000, async () => {
      const [left] = await rows<{ count: string }>(
        db,
        sql`select count(*) from timers where fired_at is null`,
      );
      return Number(left?.count) === 0;
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // Every step of every escalation fired exactly once.
    const pages = await pagesIn(db);
    expect(duplicates(pages)).toEqual([]);
    expect(pages).toHaveLength(3 * COUNT);
    for (const [runId, escalationId] of opened) {
      const mine = pages.filter((page) => page.run_id === runId).sort((a, b) => a.seq - b.seq);
      expect(mine.map((page) => `${page.escalation_id}:${page.round}`)).toEqual([
        `${escalationId}:0`,
        `${escalationId}:1`,
        `${escalationId}:2`,
      ]);
    }

    // The overdue steps ran right after the start; the ones the killed process held, when its lease ran out.
    const held = new Set(inHand.map((row) => row.key));
    const firedAt = new Map(
      (
        await rows<{ key: string; fired_at: Date | string }>(
          db,
          sql`select key, fired_at from timers where kind = 'escalate'`,
        )
      ).map((row) => [row.key, new Date(row.fired_at).getTime()]),
    );
    const lateFree = overdue.filter((row) => !held.has(row.key)).map((row) => firedAt.get(row.key) ?? 0);
    const lateHeld = overdue.filter((row) => held.has(row.key)).map((row) => firedAt.get(row.key) ?? 0);
    expect(overdue.length).toBeGreaterThan(0);
    // "At once": the first within a second, the rest as fast as one worker pages (a page and its delivery
    // take ~20–50 ms here), so allow 100 ms a step on top; no poll cycle, no backoff.
    const sinceReady = lateFree.map((at) => at - restartedAt).sort((a, b) => a - b);
    const slowestFree = sinceReady.at(-1) ?? 0;
    expect(sinceReady[0]).toBeLessThan(1000);
    expect(slowestFree).toBeLessThan(1000 + 100 * overdue.length);
    for (const at of lateHeld) expect(at).toBeLessThan(killedAt + LEASE_MS + 1000 + 100 * overdue.length);
    // …and not before: a restarted process cannot tell its own claims from a live replica's (with
    // main.ts's 30 s lease, that is how late a job in hand at the kill runs).
    const leaseEnd = new Map(inHand.map((row) => [row.key, new Date(row.claimed_until).getTime()]));
    for (const row of overdue.filter((candidate) => held.has(candidate.key))) {
      expect(firedAt.get(row.key) ?? 0).toBeGreaterThanOrEqual(leaseEnd.get(row.key) ?? 0);
    }

    // Deliveries are at least once: one the killed process printed but had not marked fired runs again.
    const deliveries = [...first.delivered, ...second.delivered];
    const distinct = new Set(deliveries);
    expect(distinct.size).toBe(3 * COUNT);
    console.info(
      `kill -9: ${pagedBeforeKill} pages before the kill, ${inHand.length} jobs in hand, ${overdue.length} steps overdue at restart ` +
        `(the others fired ${sinceReady[0]}–${slowestFree} ms after ready; ${lateHeld.length} held, fired ${lateHeld.map((at) => at - restartedAt).join(', ')} ms after ready); deliveries ${deliveries.length} for ${distinct.size} pages`,
    );
  }, 150_000);
});

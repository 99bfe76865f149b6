import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Checklist } from '../../src/checklist/types.js';
import { escalationHandlers } from '../../src/escalation/escalator.js';
import { type Notice, type Notifier, webhookNotifier } from '../../src/escalation/notify.js';
import { type PeopleDirectory, readOncallFile } from '../../src/escalation/oncallFile.js';
import { RunService } from '../../src/runs/service.js';
import type { RunEvent, RunState } from '../../src/runs/types.js';
import { type TimerHandler, TimerWorker } from '../../src/timers/worker.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * The escalation engine end to end on a real database: the run service writes events, the escalation
 * projection and the timers in one transaction; the timer worker fires them. Time is a clock the test
 * moves; nothing sleeps.
 */

const ONCALL = `people:
  ana: { name: Ana Ruiz, terminal: ana }
  bo: { name: Bo Chen, terminal: bo }
  carol: { name: Carol Diaz, terminal: carol }
roles:
  on-call-engineer: [ana]
  engineering-lead: [bo]
  vp-engineering: [carol]
policies:
  three-step:
    repeat: 2
    steps:
      - { targets: [role:on-call-engineer], wait: 5m }
      - { targets: [role:engineering-lead], wait: 10m }
      - { targets: [role:vp-engineering, "channel:#incidents"], wait: 15m }
severities:
  P0: { policy: three-step, response: 0m }
`;

/** No time windows and no reminders: only escalations make timers. */
const PLAIN = checklistFrom(
  `---
escalation: { policy: three-step }
checks:
  health:
    item: "1.3"
    kind: http
    url: "http://127.0.0.1:1/health"
---
# API release
## Deploy
- [ ] Run the migration
- [ ] Roll out the pods
- [ ] Health endpoint answers
- [ ] Tidy the dashboard (optional)
## Rollback criteria
- [ ] Error rate above 5% for 10 minutes
`,
  'plain',
);

/** Phase 1 has a 30-minute window (nudge at 24 min, deadline at 30) and reminders every 5 min for 20 min. */
const WINDOWED = checklistFrom(
  `---
escalation: { policy: three-step }
reminders:
  - { phase: "1", every: 5m, for: 20m, text: post the error rate }
---
# API release
## Phase 1: Deploy (First 30 minutes)
- [ ] Run the migration
- [ ] Roll out the pods
- [ ] Health endpoint answers
- [ ] Tidy the dashboard (optional)
## Phase 2: Verify
- [ ] Error rate below 1%
`,
  'windowed',
);

const T0 = Date.parse('2026-04-01T10:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const logger = pino({ level: 'silent' });

let database: TestDatabase;
let directory: PeopleDirectory;
let channel = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  const read = readOncallFile(ONCALL);
  expect(read.problems).toEqual([]);
  directory = read.directory as PeopleDirectory;
});
afterAll(async () => {
  await database?.drop();
});
// Every test starts with no timers: a run of an earlier test cannot fire into a later one.
beforeEach(async () => {
  await database.handle.db.execute(sql`delete from timers`);
});

interface Delivered {
  kind: Notice['kind'];
  runId: string;
  escalationId: string | null;
  severity: string | null;
  text: string;
  people: string[];
  channels: string[];
  key: string;
  at: number;
}

/** A notifier that writes down what it was given; `answers` scripts its replies (then 'done'). */
class Recorder implements Notifier {
  readonly delivered: Delivered[] = [];
  constructor(
    private readonly now: () => number,
    private readonly answers: ('done' | 'retry')[] = [],
    readonly name = 'recorder',
  ) {}
  accepts(): boolean {
    return true;
  }
  async send(notice: Notice, key: string): Promise<'done' | 'retry'> {
    this.delivered.push({
      kind: notice.kind,
      runId: notice.run.id,
      escalationId: notice.escalationId,
      severity: notice.severity,
      text: notice.text,
      people: notice.targets.flatMap((target) => ('person' in target ? [target.person] : [])),
      channels: notice.targets.flatMap((target) => ('channel' in target ? [target.channel] : [])),
      key,
      at: this.now(),
    });
    return this.answers.shift() ?? 'done';
  }
  pages(runId: string): Delivered[] {
    return this.delivered.filter((entry) => entry.kind === 'page' && entry.runId === runId);
  }
  reminders(runId: string): Delivered[] {
    return this.delivered.filter((entry) => entry.kind === 'reminder' && entry.runId === runId);
  }
}

interface Engine {
  service: RunService;
  worker: TimerWorker;
  recorder: Recorder;
  now(): number;
  /** Moves the clock forward, then runs every job due. */
  advance(ms: number): Promise<number>;
  start(checklist?: Checklist): Promise<string>;
}

interface EngineOptions {
  answers?: ('done' | 'retry')[];
  notifiers?: Notifier[];
  wrap?: (handlers: Record<string, TimerHandler>) => Record<string, TimerHandler>;
  service?: (clock: () => Date) => RunService;
  maxAttempts?: number;
}

function engine(options: EngineOptions = {}): Engine {
  let now = T0;
  const clock = () => new Date(now);
  const service = options.service?.(clock) ?? new RunService(database.handle.db, { clock });
  const recorder = new Recorder(() => now, options.answers ?? []);
  const handlers = escalationHandlers({
    runs: service,
    directory,
    notifiers: options.notifiers ?? [recorder],
  });
  const worker = new TimerWorker({
    db: database.handle.db,
    handlers: options.wrap ? options.wrap(handlers) : handlers,
    logger,
    clock,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
  return {
    service,
    worker,
    recorder,
    now: () => now,
    async advance(ms) {
      now += ms;
      return worker.runDue();
    },
    async start(checklist = PLAIN) {
      channel += 1;
      const outcome = await service.start(
        { checklist, version: 'v1', environment: 'production', platform: 'test', channelId: `c${channel}` },
        '@ana',
        null,
      );
      expect(outcome.accepted).toBe(true);
      return (outcome.state as RunState).id;
    },
  };
}

type Paged = Extract<RunEvent, { type: 'escalation_paged' }>;

async function pagesOf(service: RunService, runId: string): Promise<(Paged & { seq: number })[]> {
  const events = await service.events(runId);
  return events.flatMap((event) =>
    event.payload.type === 'escalation_paged' ? [{ ...event.payload, seq: event.seq }] : [],
  );
}

async function escalationEvents(service: RunService, runId: string) {
  const events = await service.events(runId);
  return events.filter((event) => event.type.startsWith('escalation_'));
}

/** Raw SQL; both drivers answer with { rows }. */
async function query<T>(statement: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await database.handle.db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}

async function timerRow(key: string) {
  const [row] = await query<{
    due_at: Date | string;
    fired_at: Date | string | null;
    attempts: number;
    last_error: string | null;
  }>(sql`select due_at, fired_at, attempts, last_error from timers where key = ${key}`);
  if (!row) throw new Error(`no timer ${key}`);
  return {
    dueAt: new Date(row.due_at).getTime(),
    fired: row.fired_at !== null,
    attempts: Number(row.attempts),
    lastError: row.last_error,
  };
}

async function escalate(target: Engine, runId: string, reason = 'the database is on fire') {
  const outcome = await target.service.apply(runId, { type: 'escalate', reason }, '@ana', null);
  expect(outcome.accepted).toBe(true);
  const opened = outcome.events.find((event) => event.type === 'escalation_opened');
  if (opened?.type !== 'escalation_opened') throw new Error('no escalation opened');
  return opened.escalationId;
}

describe('paging step by step along the policy', () => {
  it('pages step 1 now, step 2 and 3 after their waits, then the second round; each exactly once', async () => {
    const e = engine();
    const runId = await e.start();
    const escalationId = await escalate(e, runId);

    // Minutes after opening at which each (step, round) is due: 5 m, 10 m and 15 m waits, twice over.
    const schedule: [number, number, number][] = [
      [0, 0, 0],
      [5, 1, 0],
      [15, 2, 0],
      [30, 0, 1],
      [35, 1, 1],
      [45, 2, 1],
    ];
    for (const [index, [minute, step, round]] of schedule.entries()) {
      // A millisecond early: nothing.
      if (minute > 0) {
        await e.advance(T0 + minute * MINUTE - 1 - e.now());
        expect(await pagesOf(e.service, runId)).toHaveLength(index);
        await e.advance(1);
      } else {
        await e.advance(0);
      }
      const pages = await pagesOf(e.service, runId);
      expect(pages).toHaveLength(index + 1);
      expect(pages.at(-1)).toMatchObject({ escalationId, step, round });
      // Running the worker again at the same instant changes nothing.
      await e.advance(0);
      expect(await pagesOf(e.service, runId)).toHaveLength(index + 1);
    }

    // Long after the last round: nothing more.
    for (let hour = 1; hour <= 6; hour++) await e.advance(60 * MINUTE);
    const pages = await pagesOf(e.service, runId);
    expect(pages.map((page) => [page.step, page.round])).toEqual(
      schedule.map(([, step, round]) => [step, round]),
    );
    expect(pages.at(-1)?.next).toBeNull();
    expect(pages[0]?.next).toEqual({ step: 1, round: 0, dueAt: new Date(T0 + 5 * MINUTE).toISOString() });

    // Every page reached the notifier once, with the step's people, at its time.
    const delivered = e.recorder.pages(runId);
    expect(delivered.map((entry) => [entry.people, entry.channels, (entry.at - T0) / MINUTE])).toEqual([
      [['ana'], [], 0],
      [['bo'], [], 5],
      [['carol'], ['#incidents'], 15],
      [['ana'], [], 30],
      [['bo'], [], 35],
      [['carol'], ['#incidents'], 45],
    ]);
    expect(new Set(delivered.map((entry) => entry.key)).size).toBe(6);
    expect(delivered[0]?.text).toContain('page (step 1) for “API release” v1: the database is on fire');
    expect(delivered[3]?.text).toContain('(step 1, round 2)');
    expect(delivered.every((entry) => entry.escalationId === escalationId && entry.severity === 'P1')).toBe(
      true,
    );

    const state = await e.service.get(runId);
    expect(state?.escalation).toMatchObject({ id: escalationId, status: 'open', pages: 6, nextPageAt: null });
  });

  it('an acknowledgement stops further pages, whatever time passes', async () => {
    const e = engine();
    const runId = await e.start();
    await escalate(e, runId);
    await e.advance(0);
    await e.advance(5 * MINUTE);
    expect(await pagesOf(e.service, runId)).toHaveLength(2);

    const ack = await e.service.apply(runId, { type: 'ack' }, '@bo', null);
    expect(ack.accepted).toBe(true);
    expect(ack.state?.escalation).toMatchObject({ status: 'acknowledged', ackedBy: '@bo', nextPageAt: null });

    for (let minute = 0; minute < 180; minute += 5) await e.advance(5 * MINUTE);
    expect(await pagesOf(e.service, runId)).toHaveLength(2);
    expect(e.recorder.pages(runId)).toHaveLength(2);
    const trail = (await escalationEvents(e.service, runId)).map((event) => event.type);
    expect(trail).toEqual([
      'escalation_opened',
      'escalation_paged',
      'escalation_paged',
      'escalation_acknowledged',
    ]);
  });

  it('an acknowledgement committed before a due step runs: that step does not page', async () => {
    const e = engine();
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    await e.advance(0);
    // Step 2 is due at +5 min; the ack commits at +5 min, before the worker gets to it.
    await e.service.apply(runId, { type: 'ack' }, '@ana', null);
    await e.advance(5 * MINUTE);
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
    const step2 = await timerRow(`escalate:${escalationId}:1:0`);
    expect(step2.fired).toBe(true);
  });

  it('an acknowledgement that commits while the step’s job is running (after it read the run) wins', async () => {
    let hook: (() => Promise<void>) | null = null;
    /** Calls the hook between the handler reading the run and its page command: the race, made certain. */
    class RacingService extends RunService {
      override async get(runId: string) {
        const state = await super.get(runId);
        const pending = hook;
        hook = null;
        if (pending) await pending();
        return state;
      }
    }
    const e = engine({ service: (clock) => new RacingService(database.handle.db, { clock }) });
    const plain = new RunService(database.handle.db, { clock: () => new Date(e.now()) });
    const runId = await e.start();
    await escalate(e, runId);
    await e.advance(0);
    let acked: boolean | null = null;
    hook = async () => {
      acked = (await plain.apply(runId, { type: 'ack' }, '@bo', null)).accepted;
    };
    await e.advance(5 * MINUTE);
    expect(acked).toBe(true);
    const events = await escalationEvents(e.service, runId);
    const ackSeq = events.find((event) => event.type === 'escalation_acknowledged')?.seq ?? 0;
    const pages = await pagesOf(e.service, runId);
    expect(pages).toHaveLength(1);
    expect(pages.every((page) => page.seq < ackSeq)).toBe(true);
    expect(e.recorder.pages(runId)).toHaveLength(1);
  });
});

describe('what opens an escalation by itself', () => {
  it('a failed required item opens an escalation and pages step 1 with the failure', async () => {
    const e = engine();
    const runId = await e.start();
    const outcome = await e.service.apply(
      runId,
      { type: 'fail', ref: '1.1', detail: 'migration timed out' },
      '@bo',
      null,
    );
    expect(outcome.events.map((event) => event.type)).toEqual(['item_failed', 'escalation_opened']);
    expect(outcome.events[1]).toMatchObject({
      trigger: 'item_failed',
      severity: 'P1',
      policy: 'three-step',
      reason: 'item 1.1 failed: migration timed out',
    });
    await e.advance(0);
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
    const [page] = e.recorder.pages(runId);
    expect(page?.people).toEqual(['ana']);
    expect(page?.text).toContain('item 1.1 failed: migration timed out');

    // A second failure while it is open is noted, not paged again.
    const again = await e.service.apply(
      runId,
      { type: 'fail', ref: '1.2', detail: 'pods crash' },
      '@bo',
      null,
    );
    expect(again.events.map((event) => event.type)).toEqual(['item_failed', 'escalation_noted']);
    await e.advance(0);
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
  });

  it('a failed check opens one, with the check’s detail; a failed optional item does not', async () => {
    const e = engine();
    const runId = await e.start();
    const optional = await e.service.apply(runId, { type: 'fail', ref: '1.4', detail: 'meh' }, '@bo', null);
    expect(optional.events.map((event) => event.type)).toEqual(['item_failed']);
    const outcome = await e.service.apply(
      runId,
      {
        type: 'record_checks',
        results: [{ ref: '1.3', ok: false, value: '503', latencyMs: 12, detail: 'HTTP 503 from /health' }],
      },
      '@shipcheck',
      null,
    );
    expect(outcome.events.find((event) => event.type === 'escalation_opened')).toMatchObject({
      trigger: 'check_failed',
      reason: 'item 1.3 failed: HTTP 503 from /health',
    });
    await e.advance(0);
    expect(e.recorder.pages(runId).map((page) => page.text)).toEqual([
      expect.stringContaining('HTTP 503 from /health'),
    ]);
  });

  it('a ticked rollback criterion opens a P0 escalation', async () => {
    const e = engine();
    const runId = await e.start();
    const outcome = await e.service.apply(runId, { type: 'check', refs: ['2.1'] }, '@bo', null);
    expect(outcome.events.find((event) => event.type === 'escalation_opened')).toMatchObject({
      trigger: 'rollback_criterion',
      severity: 'P0',
    });
    await e.advance(0);
    expect(e.recorder.pages(runId).map((page) => page.severity)).toEqual(['P0']);
  });
});

describe('phase deadlines, nudges and reminders', () => {
  it('a phase past its deadline with open required items escalates, naming the phase and items', async () => {
    const e = engine();
    const late = await e.start(WINDOWED);
    const done = await e.start(WINDOWED);
    await e.advance(10 * MINUTE);
    // The second run finishes the phase's required items in time; the optional one stays open.
    await e.service.apply(done, { type: 'check', refs: ['1.1', '1.2', '1.3'] }, '@bo', null);
    await e.service.apply(late, { type: 'check', refs: ['1.2'] }, '@bo', null);

    await e.advance(20 * MINUTE - 1);
    expect(await escalationEvents(e.service, late)).toEqual([]);
    await e.advance(1);

    const opened = (await escalationEvents(e.service, late))[0];
    expect(opened?.payload).toMatchObject({ type: 'escalation_opened', trigger: 'phase_overdue' });
    const reason = opened?.payload.type === 'escalation_opened' ? opened.payload.reason : '';
    expect(reason).toContain('phase 1 “Phase 1: Deploy (First 30 minutes)” is past its deadline');
    expect(reason).toContain('2 required items open: 1.1, 1.3');
    expect(reason).not.toContain('1.4');
    expect(opened?.actor).toBe('@shipcheck');
    expect(await pagesOf(e.service, late)).toHaveLength(1);
    expect(e.recorder.pages(late)[0]?.text).toContain('past its deadline');

    expect(await escalationEvents(e.service, done)).toEqual([]);
    expect(e.recorder.pages(done)).toEqual([]);
  });

  it('the nudge and the cadence reminders go out only while the phase has open required items', async () => {
    const e = engine();
    const open = await e.start(WINDOWED);
    const finished = await e.start(WINDOWED);
    for (let minute = 1; minute <= 29; minute++) {
      await e.advance(MINUTE);
      if (minute === 7) {
        await e.service.apply(finished, { type: 'check', refs: ['1.1', '1.2', '1.3'] }, '@bo', null);
      }
    }
    const minutes = (entries: Delivered[]) => entries.map((entry) => (entry.at - T0) / MINUTE);

    const toOpen = e.recorder.reminders(open);
    expect(minutes(toOpen)).toEqual([5, 10, 15, 20, 24]);
    expect(toOpen[0]?.text).toBe(
      '⏰ reminder (post the error rate): phase 1 “Phase 1: Deploy (First 30 minutes)” has 3 required items open',
    );
    expect(toOpen[4]?.text).toBe(
      '⏰ phase 1 “Phase 1: Deploy (First 30 minutes)” is due at 10:30 UTC and has 3 required items open: 1.1, 1.2, 1.3',
    );

    // Finished at minute 7: the 5-minute reminder only, no nudge.
    expect(minutes(e.recorder.reminders(finished))).toEqual([5]);
    expect(await escalationEvents(e.service, open)).toEqual([]);
  });

  it('after a down time, a late nudge says when it was due and that Shipcheck was down, in the past tense', async () => {
    const e = engine();
    const runId = await e.start(WINDOWED);
    // Shipcheck is down from minute 1 to minute 45: the timers due meanwhile fire when it is back.
    await e.advance(45 * MINUTE);
    const reminders = e.recorder.reminders(runId);
    const nudge = reminders.find((entry) => entry.text.startsWith('⏰ phase 1'));
    expect(nudge?.text).toBe(
      '⏰ phase 1 “Phase 1: Deploy (First 30 minutes)” was due at 10:30 UTC and has 3 required items open: 1.1, 1.2, 1.3 (this reminder was due at 10:24 UTC, while Shipcheck was down)',
    );
    const opened = (await escalationEvents(e.service, runId))[0];
    const reason = opened?.payload.type === 'escalation_opened' ? opened.payload.reason : '';
    expect(reason).toContain('; it was due at 10:30 UTC, while Shipcheck was down');
  });
});

describe('ending the run', () => {
  it.each([
    ['abort', { type: 'abort', reason: 'giving up' }],
    ['rollback', { type: 'rollback', reason: 'error rate' }],
    ['complete', { type: 'complete' }],
  ] as const)('%s resolves the escalation and stops paging', async (_name, command) => {
    const e = engine();
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    await e.advance(0);
    if (command.type === 'complete') {
      await e.service.apply(runId, { type: 'check', refs: ['1.1', '1.2', '1.3'] }, '@bo', null);
    }
    const ended = await e.service.apply(runId, command, '@ana', null);
    expect(ended.accepted).toBe(true);
    expect(ended.events.at(-1)).toEqual({ type: 'escalation_resolved', escalationId });
    for (let minute = 0; minute < 120; minute += 5) await e.advance(5 * MINUTE);
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
    expect(e.recorder.pages(runId)).toHaveLength(1);
    expect((await e.service.get(runId))?.escalation).toBeNull();
    const rows = await query(sql`select status, resolved_by from escalations where id = ${escalationId}`);
    expect(rows).toEqual([{ status: 'resolved', resolved_by: '@ana' }]);
  });
});

/** A local receiver answering each request with the next status of its script (then 202). */
async function receiver(
  statuses: number[],
): Promise<{ url: string; hits: number[]; close(): Promise<void> }> {
  const hits: number[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      const status = statuses.shift() ?? 202;
      hits.push(status);
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('delivery and retries', () => {
  it('a notifier that answers retry is retried with backoff (1 s, 2 s) and succeeds later', async () => {
    const e = engine({ answers: ['retry', 'retry', 'done'] });
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    await e.advance(0);
    // The page fanned out to one delivery per notifier: the recorder's is its own job, with its own retries.
    expect(await timerRow(`deliver:${escalationId}:0:0`)).toMatchObject({ fired: true, attempts: 1 });
    const key = `send:deliver:${escalationId}:0:0:recorder`;
    expect(await timerRow(key)).toMatchObject({ dueAt: T0 + SECOND, fired: false, attempts: 1 });
    expect((await timerRow(key)).lastError).toContain('delivery failed: recorder');
    await e.advance(SECOND - 1);
    expect(e.recorder.pages(runId)).toHaveLength(1);
    await e.advance(1);
    expect(await timerRow(key)).toMatchObject({ dueAt: T0 + 3 * SECOND, fired: false, attempts: 2 });
    await e.advance(2 * SECOND);
    expect(await timerRow(key)).toMatchObject({ fired: true, attempts: 3, lastError: null });
    const sent = e.recorder.pages(runId);
    expect(sent.map((entry) => entry.at - T0)).toEqual([0, SECOND, 3 * SECOND]);
    expect(new Set(sent.map((entry) => entry.key))).toEqual(new Set([key]));
    // Still one page in the audit trail: retrying a delivery is not paging again.
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
  });

  it('a retry goes only to the notifier that failed: the others are not paged twice', async () => {
    let now = T0;
    const flaky = new Recorder(() => now, ['retry', 'retry'], 'pagerduty');
    const steady = new Recorder(() => now, [], 'slack');
    const e = engine({ notifiers: [flaky, steady] });
    const advance = async (ms: number) => {
      now += ms;
      await e.advance(ms);
    };
    const runId = await e.start();
    await escalate(e, runId);
    await advance(0);
    await advance(SECOND);
    await advance(2 * SECOND);
    expect(flaky.pages(runId).map((entry) => entry.at - T0)).toEqual([0, SECOND, 3 * SECOND]);
    expect(steady.pages(runId).map((entry) => entry.at - T0)).toEqual([0]);
  });

  it('a page still waiting for a retry when its escalation is resolved is not sent', async () => {
    const e = engine({ answers: ['retry'] });
    const runId = await e.start();
    // A ticked rollback criterion: P0.
    await e.service.apply(runId, { type: 'check', refs: ['2.1'] }, '@bo', null);
    await e.advance(0);
    await e.service.apply(runId, { type: 'resolve' }, '@ana', null);
    await e.service.apply(
      runId,
      { type: 'escalate', reason: 'a typo in the docs', severity: 'P3' },
      '@ana',
      null,
    );
    await e.advance(SECOND);
    const pages = e.recorder.pages(runId);
    const first = pages[0] as Delivered;
    expect(first.severity).toBe('P0');
    // The P0 page was tried once; after its resolution only the new P3 escalation pages.
    expect(pages.filter((entry) => entry.escalationId === first.escalationId)).toHaveLength(1);
    expect(pages.filter((entry) => entry.severity === 'P3')).toHaveLength(1);
  });

  it('a signed webhook answering 503 then 500 is retried until it takes it', async () => {
    const hook = await receiver([503, 500]);
    try {
      const e = engine({ notifiers: [webhookNotifier(hook.url, 'secret', logger)] });
      const runId = await e.start();
      await escalate(e, runId);
      await e.advance(0);
      await e.advance(SECOND);
      await e.advance(2 * SECOND);
      await e.advance(10 * SECOND);
      expect(hook.hits).toEqual([503, 500, 202]);
    } finally {
      await hook.close();
    }
  });

  it('a webhook that answers 400 is not retried: the notifier says done', async () => {
    const hook = await receiver([400, 400, 400]);
    try {
      const e = engine({ notifiers: [webhookNotifier(hook.url, 'secret', logger)] });
      const runId = await e.start();
      const escalationId = await escalate(e, runId);
      await e.advance(0);
      for (let second = 0; second < 120; second += 10) await e.advance(10 * SECOND);
      expect(hook.hits).toEqual([400]);
      expect(await timerRow(`deliver:${escalationId}:0:0`)).toMatchObject({ fired: true, attempts: 1 });
    } finally {
      await hook.close();
    }
  });

  it('a job whose handler throws is retried with backoff, and pages once when it gets through', async () => {
    let throws = 2;
    const e = engine({
      wrap: (handlers) => ({
        ...handlers,
        escalate: async (job, now) => {
          if (throws > 0) {
            throws -= 1;
            throw new Error('connection reset');
          }
          return (handlers.escalate as TimerHandler)(job, now);
        },
      }),
    });
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    await e.advance(0);
    const key = `escalate:${escalationId}:0:0`;
    expect(await timerRow(key)).toMatchObject({
      dueAt: T0 + SECOND,
      fired: false,
      attempts: 1,
      lastError: 'connection reset',
    });
    await e.advance(SECOND);
    expect(await pagesOf(e.service, runId)).toHaveLength(0);
    await e.advance(2 * SECOND);
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
    expect(await timerRow(key)).toMatchObject({ fired: true, attempts: 3, lastError: null });
    expect(e.recorder.pages(runId)).toHaveLength(1);
  });

  it('a handler that keeps failing is given up after maxAttempts, with the error kept', async () => {
    const e = engine({
      maxAttempts: 3,
      wrap: (handlers) => ({
        ...handlers,
        deliver: async () => {
          throw new Error('always broken');
        },
      }),
    });
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    for (let second = 0; second < 60; second++) await e.advance(SECOND);
    const row = await timerRow(`deliver:${escalationId}:0:0`);
    expect(row).toMatchObject({ fired: true, attempts: 3, lastError: 'gave up: always broken' });
  });
});

describe('running a timer again (a worker that died after its effect committed)', () => {
  async function resetTimer(key: string) {
    await database.handle.db.execute(
      sql`update timers set fired_at = null, claimed_until = null where key = ${key}`,
    );
  }

  it('re-running the same escalate key pages nothing twice', async () => {
    const e = engine();
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    await e.advance(0);
    await resetTimer(`escalate:${escalationId}:0:0`);
    expect(await e.advance(0)).toBe(1);
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
    expect(e.recorder.pages(runId)).toHaveLength(1);

    // After the next step paged, both earlier keys once more: still nothing.
    await e.advance(5 * MINUTE);
    await resetTimer(`escalate:${escalationId}:0:0`);
    await resetTimer(`escalate:${escalationId}:1:0`);
    expect(await e.advance(0)).toBe(2);
    const pages = await pagesOf(e.service, runId);
    expect(pages.map((page) => [page.step, page.round])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(e.recorder.pages(runId)).toHaveLength(2);
    // The step after is still scheduled once, at its time.
    expect(await timerRow(`escalate:${escalationId}:2:0`)).toMatchObject({
      dueAt: T0 + 15 * MINUTE,
      fired: false,
    });
  });

  it('a handler that crashes after its page committed is retried and replays: one page', async () => {
    let crash = true;
    const e = engine({
      wrap: (handlers) => ({
        ...handlers,
        escalate: async (job, now) => {
          const outcome = await (handlers.escalate as TimerHandler)(job, now);
          if (crash) {
            crash = false;
            throw new Error('killed after commit');
          }
          return outcome;
        },
      }),
    });
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    await e.advance(0);
    expect(await timerRow(`escalate:${escalationId}:0:0`)).toMatchObject({ fired: false, attempts: 1 });
    await e.advance(SECOND);
    expect(await timerRow(`escalate:${escalationId}:0:0`)).toMatchObject({ fired: true, attempts: 2 });
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
    expect(e.recorder.pages(runId)).toHaveLength(1);
  });

  it('a lease that ran out gives the job to another worker, which pages nothing twice', async () => {
    const e = engine();
    const runId = await e.start();
    const escalationId = await escalate(e, runId);
    await e.advance(0);
    // A worker claimed step 2 and died holding it: the lease runs for 30 s from its claim.
    await e.advance(5 * MINUTE - 1);
    await database.handle.db.execute(
      sql`update timers set claimed_until = ${new Date(e.now() + 30 * SECOND).toISOString()}, attempts = 1
          where key = ${`escalate:${escalationId}:1:0`}`,
    );
    await e.advance(1);
    expect(await pagesOf(e.service, runId)).toHaveLength(1);
    await e.advance(30 * SECOND);
    expect(await pagesOf(e.service, runId)).toHaveLength(2);
    await e.advance(0);
    expect(await pagesOf(e.service, runId)).toHaveLength(2);
  });
});

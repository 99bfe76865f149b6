import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { writeCommand } from '../../src/runs/commandWrite.js';
import { type Outcome, RunService, type StartInput } from '../../src/runs/service.js';
import type { RunCommand, RunState } from '../../src/runs/types.js';
import { checklistFrom, loadTemplate } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Each RunService keeps the last state it saw of a run. These tests make two services (two processes'
 * worth: two pools on Postgres; one PGlite, which one process owns, with two caches) take turns on the
 * same runs, so every cached state goes stale, and check nothing stale is ever decided on or written.
 */

let database: TestDatabase;
let secondHandle: DatabaseHandle;
let one: RunService;
let two: RunService;
let channelCounter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  const url = database.env.DATABASE_URL;
  secondHandle = url ? await openDatabase({ kind: 'postgres', url }) : database.handle;
  one = new RunService(database.handle.db);
  two = new RunService(secondHandle.db);
});
afterAll(async () => {
  if (secondHandle !== database.handle) await secondHandle.close();
  await database.drop();
});

const small = checklistFrom(`# Small
## Before
- [ ] First
- [ ] Second
## After
- [ ] Third
- [ ] Nice to have (optional)
`);

function input(checklist = small): StartInput {
  channelCounter += 1;
  return {
    checklist,
    version: 'v1',
    environment: null,
    platform: 'replicas',
    channelId: `r${channelCounter}`,
  };
}

async function startRun(checklist = small): Promise<string> {
  const outcome = await one.start(input(checklist), '@ana', null);
  return outcome.state?.id as string;
}

/** What a service that never saw the run reads from the database. */
async function storedState(runId: string): Promise<RunState | null> {
  return new RunService(database.handle.db).get(runId);
}

function statusOf(state: RunState | null, ref: string): string | undefined {
  const item = state?.checklist.items.find((candidate) => candidate.ref === ref);
  return item ? state?.items[item.key]?.status : undefined;
}

describe('two services on one database', () => {
  it('decide on what the other one wrote, never on their own stale copy', async () => {
    const runId = await startRun();
    await one.apply(runId, { type: 'check', refs: ['1.1'] }, '@ana', null);
    // `two` never saw the run; `one` now holds revision 2.
    const reopened = await two.apply(runId, { type: 'uncheck', ref: '1.1' }, '@bo', null);
    expect(reopened.accepted).toBe(true);
    expect(statusOf(reopened.previous, '1.1')).toBe('done');
    // `one` still holds revision 2, where 1.1 is done: undoing it again must be refused, as it is open.
    const again = await one.apply(runId, { type: 'uncheck', ref: '1.1' }, '@ana', null);
    expect(again.rejection?.code).toBe('not_resolved');
    expect(again.state?.revision).toBe(3);
    const checked = await one.apply(runId, { type: 'check', refs: ['1.1'] }, '@ana', null);
    expect(checked.previous?.revision).toBe(3);
    expect(checked.state?.revision).toBe(4);
  });

  it('start a run already known as a fresh read gives it, so its first command is decided on that', async () => {
    const seed = loadTemplate('go-live-web-app');
    const runId = await startRun(seed);
    // `one` started it and reads its own copy; a service that never saw it reads the database.
    expect(await one.get(runId)).toStrictEqual(await storedState(runId));
    const first = await one.apply(runId, { type: 'check', refs: ['1.1'] }, '@ana', null);
    expect(first.state).toEqual(await storedState(runId));
  });

  it('alternate commands on one run and agree with the database after each', async () => {
    const seed = loadTemplate('backend-api-deploy');
    const runId = await startRun(seed);
    const leaves = seed.items
      .filter((item) => item.kind === 'task' && item.childKeys.length === 0)
      .slice(0, 24);
    const outcomes: Outcome[] = [];
    for (const [index, item] of leaves.entries()) {
      const service = index % 3 === 2 ? one : two; // runs of one service, then a switch
      const command: RunCommand =
        index % 5 === 4
          ? { type: 'skip', ref: item.ref, reason: `skip ${index}` }
          : { type: 'check', refs: [item.ref] };
      const outcome = await service.apply(runId, command, `@p${index}`, `alternate-${runId}-${index}`);
      outcomes.push(outcome);
      expect(outcome.state).toEqual(await storedState(runId));
    }
    const accepted = outcomes.filter((outcome) => outcome.accepted);
    expect(accepted.length).toBeGreaterThan(10);
    accepted.forEach((outcome, index) => {
      // Each accepted command started where the one before it ended, whichever service applied it.
      if (index > 0) expect(outcome.previous).toEqual(accepted[index - 1]?.state);
    });
    const events = await one.events(runId);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.slice(1).map((event) => event.payload)).toEqual(
      accepted.flatMap((outcome) => outcome.events),
    );
  });

  it('replay the first outcome of a key, whichever service sees it again', async () => {
    const runId = await startRun();
    const command: RunCommand = { type: 'fail', ref: '2.1', detail: 'p95 900 ms' };
    const first = await one.apply(runId, command, '@ana', `replay-${runId}`);
    const sameService = await one.apply(runId, command, '@ana', `replay-${runId}`);
    const otherService = await two.apply(runId, command, '@ana', `replay-${runId}`);
    expect(first).toMatchObject({ accepted: true, replayed: false });
    for (const again of [sameService, otherService]) {
      expect(again).toMatchObject({ accepted: true, replayed: true, events: [] });
      expect(again.state).toEqual(first.state);
    }

    const refused = await two.apply(runId, { type: 'complete' }, '@ana', `refused-${runId}`);
    await one.apply(runId, { type: 'check', refs: ['1.1', '1.2', '2.1'] }, '@ana', null);
    const refusedAgain = await one.apply(runId, { type: 'complete' }, '@ana', `refused-${runId}`);
    expect(refused.rejection?.code).toBe('incomplete');
    expect(refusedAgain).toMatchObject({ accepted: false, replayed: true, rejection: refused.rejection });

    const ledger = await database.handle.db.execute(
      sql`select idempotency_key, accepted, revision from run_commands where run_id = ${runId} order by id`,
    );
    expect(rowsOf(ledger)).toEqual([
      { idempotency_key: null, accepted: true, revision: 1 },
      { idempotency_key: `replay-${runId}`, accepted: true, revision: 2 },
      { idempotency_key: `refused-${runId}`, accepted: false, revision: 2 },
      { idempotency_key: null, accepted: true, revision: 3 },
    ]);
  });

  it('keep one open escalation between them, and forget a resolved one', async () => {
    const runId = await startRun();
    const opened = await one.apply(
      runId,
      { type: 'escalate', reason: 'db down', severity: 'P1' },
      '@ana',
      null,
    );
    expect(opened.accepted).toBe(true);
    expect((await two.apply(runId, { type: 'ack' }, '@bo', null)).accepted).toBe(true);
    const resolved = await one.apply(runId, { type: 'resolve' }, '@ana', null);
    expect(resolved.accepted).toBe(true);
    // Read back, a resolved escalation is no escalation: the cached state must say the same.
    expect(await one.get(runId)).toStrictEqual(await storedState(runId));
    expect((await storedState(runId))?.escalation).toBeNull();
    const reopened = await one.apply(
      runId,
      { type: 'escalate', reason: 'again', severity: 'P2' },
      '@ana',
      null,
    );
    expect(reopened.accepted).toBe(true);
    expect(reopened.previous?.escalation).toBeNull();
    const noted = await two.apply(runId, { type: 'escalate', reason: 'still down' }, '@bo', null);
    expect(noted.events.map((event) => event.type)).toEqual(['escalation_noted']);

    const escalations = rowsOf(
      await database.handle.db.execute(
        sql`select status, severity, acked_by from escalations where run_id = ${runId} order by opened_at`,
      ),
    );
    expect(escalations).toEqual([
      { status: 'resolved', severity: 'P1', acked_by: '@bo' },
      { status: 'open', severity: 'P2', acked_by: null },
    ]);
    const escalateTimers = rowsOf(
      await database.handle.db.execute(
        sql`select key from timers where run_id = ${runId} and kind = 'escalate' order by key`,
      ),
    );
    expect(escalateTimers).toHaveLength(2);
  });

  it('lose no command when both apply to one run at once', async () => {
    const seed = loadTemplate('backend-api-deploy');
    const runId = await startRun(seed);
    const leaves = seed.items.filter(
      (item) => item.kind === 'task' && item.childKeys.length === 0 && item.parentKey === null,
    );
    const work = leaves.slice(0, 30).map((item, index) => ({ ref: item.ref, index }));
    // `one` holds the run since it started it, `two` learns it from a note; then they race, and most
    // decisions are made on a state the other has just moved on.
    await one.get(runId);
    await two.apply(runId, { type: 'note', text: 'warm' }, '@bo', null);
    const outcomes = await Promise.all(
      work.map(({ ref, index }) =>
        (index % 2 ? one : two).apply(runId, { type: 'check', refs: [ref] }, '@p', `race-${runId}-${index}`),
      ),
    );
    expect(outcomes.every((outcome) => outcome.accepted && !outcome.replayed)).toBe(true);
    const revisions = outcomes.map((outcome) => outcome.state?.revision).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(revisions).toEqual(work.map((_, index) => index + 3));
    const stored = await storedState(runId);
    expect(work.every(({ ref }) => statusOf(stored, ref) === 'done')).toBe(true);
    const events = await one.events(runId);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  });
});

describe('an idempotency key used on another run', () => {
  it("replays that run's outcome and writes nothing here", async () => {
    const first = await startRun();
    const second = await startRun();
    const key = `shared-${first}`;
    const original = await one.apply(first, { type: 'check', refs: ['1.1'] }, '@ana', key);
    const reused = await one.apply(second, { type: 'check', refs: ['1.2'] }, '@ana', key);
    expect(original.accepted).toBe(true);
    expect(reused).toMatchObject({ accepted: true, replayed: true, events: [] });
    expect((await storedState(second))?.revision).toBe(1);
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'waits for a command holding the key uncommitted, then replays it',
    async () => {
      const first = await startRun();
      const second = await startRun();
      const key = `pending-${first}`;
      // A command on the first run, caught between its ledger row and its commit.
      const holder = await openDatabase({ kind: 'postgres', url: database.env.DATABASE_URL as string });
      try {
        let commit: () => void = () => {};
        const committed = new Promise<void>((resolve) => {
          commit = resolve;
        });
        let inserted: () => void = () => {};
        const ready = new Promise<void>((resolve) => {
          inserted = resolve;
        });
        const holding = holder.db.transaction(async (tx) => {
          await tx.execute(sql`insert into run_commands
              (run_id, idempotency_key, actor, command, accepted, revision, created_at)
            values (${first}, ${key}, '@held', '{}'::jsonb, true, 1, now())`);
          inserted();
          await committed;
        });
        await ready;
        const reused = one.apply(second, { type: 'check', refs: ['1.2'] }, '@ana', key);
        await new Promise((resolve) => setTimeout(resolve, 200));
        commit();
        await holding;
        expect(await reused).toMatchObject({ accepted: true, replayed: true, events: [] });
        expect((await storedState(second))?.revision).toBe(1);
      } finally {
        await holder.close();
      }
    },
  );
});

describe('the guarded write', () => {
  it('writes nothing when the run has moved past the revision the command was decided on', async () => {
    const runId = await startRun();
    const before = (await one.apply(runId, { type: 'note', text: 'one' }, '@ana', null)).state as RunState;
    await two.apply(runId, { type: 'note', text: 'two' }, '@bo', null);
    const written = await writeCommand(database.handle.db, {
      runId,
      expectedRevision: before.revision,
      idempotencyKey: `stale-${runId}`,
      actor: '@ana',
      command: { type: 'note', text: 'stale' },
      at: new Date(),
      change: {
        accepted: true,
        next: { ...before, revision: before.revision + 1 },
        events: [{ type: 'note_added', text: 'stale', key: null }],
        itemKeys: [],
        escalation: null,
        timers: [{ key: `stale-timer-${runId}`, runId, kind: 'nudge', payload: {}, dueAt: new Date() }],
      },
    });
    expect(written).toBe(false);
    const counts = rowsOf(
      await database.handle.db.execute(sql`select
          (select count(*)::int from run_commands where idempotency_key = ${`stale-${runId}`}) as commands,
          (select count(*)::int from run_events where run_id = ${runId}) as events,
          (select count(*)::int from timers where key = ${`stale-timer-${runId}`}) as timers`),
    );
    expect(counts).toEqual([{ commands: 0, events: 3, timers: 0 }]);
  });

  it('keeps the first of two timers with one key', async () => {
    const runId = await startRun();
    const state = (await storedState(runId)) as RunState;
    const timer = (dueAt: Date) => ({ key: `same-${runId}`, runId, kind: 'nudge', payload: {}, dueAt });
    const write = (revision: number, dueAt: Date) =>
      writeCommand(database.handle.db, {
        runId,
        expectedRevision: revision,
        idempotencyKey: null,
        actor: '@ana',
        command: { type: 'note', text: 'timer' },
        at: new Date(),
        change: {
          accepted: true,
          next: { ...state, revision: revision + 1 },
          events: [{ type: 'note_added', text: 'timer', key: null }],
          itemKeys: [],
          escalation: null,
          timers: [timer(dueAt)],
        },
      });
    expect(await write(state.revision, new Date('2030-01-01T00:00:00Z'))).toBe(true);
    expect(await write(state.revision + 1, new Date('2031-01-01T00:00:00Z'))).toBe(true);
    const rows = rowsOf(
      await database.handle.db.execute(sql`select due_at from timers where key = ${`same-${runId}`}`),
    );
    expect(rows.map((row) => new Date(row.due_at as string).toISOString())).toEqual([
      '2030-01-01T00:00:00.000Z',
    ]);
  });
});

function rowsOf(result: unknown): Record<string, unknown>[] {
  return (result as { rows: Record<string, unknown>[] }).rows;
}

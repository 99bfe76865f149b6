import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunService, type StartInput } from '../../src/runs/service.js';
import type { RunCommand } from '../../src/runs/types.js';
import { checklistFrom, loadTemplate } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
let service: RunService;
let channelCounter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  service = new RunService(database.handle.db);
});
afterAll(async () => {
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
    environment: 'production',
    platform: 'test',
    channelId: `c${channelCounter}`,
  };
}

describe('RunService on a real database', () => {
  it('starts a run: stored, every item open, the start in the audit log', async () => {
    const outcome = await service.start(input(), '@ana', 'start-1');
    expect(outcome.accepted).toBe(true);
    const runId = outcome.state?.id as string;
    const stored = await service.get(runId);
    expect(stored?.status).toBe('active');
    expect(stored?.revision).toBe(1);
    expect(stored?.checklist.items.map((item) => item.ref)).toEqual(['1.1', '1.2', '2.1', '2.2']);
    expect(Object.values(stored?.items ?? {}).every((item) => item.status === 'open')).toBe(true);
    const events = await service.events(runId);
    expect(events.map((event) => [event.seq, event.type, event.actor])).toEqual([[1, 'run_started', '@ana']]);
    expect(events[0]?.payload).toMatchObject({
      checklistName: 'test',
      checklistHash: small.hash,
      version: 'v1',
    });
  });

  it('refuses a second active run in the same channel, naming the first', async () => {
    const where = input();
    const first = await service.start(where, '@ana', null);
    const second = await service.start(where, '@bo', null);
    expect(second.accepted).toBe(false);
    expect(second.rejection?.code).toBe('run_active');
    expect(second.rejection?.message).toContain(first.state?.id as string);
    expect(second.rejection?.message).toContain('@ana');
  });

  it('applies a command in one transaction: events, items, revision', async () => {
    const { state } = await service.start(input(), '@ana', null);
    const runId = state?.id as string;
    const outcome = await service.apply(runId, { type: 'check', refs: ['1.1'] }, '@bo', 'k-check');
    expect(outcome.accepted).toBe(true);
    const stored = await service.get(runId);
    expect(stored?.revision).toBe(2);
    const first = stored?.checklist.items[0]?.key as string;
    expect(stored?.items[first]).toMatchObject({ status: 'done', actor: '@bo' });
    const events = await service.events(runId);
    expect(events.map((event) => event.type)).toEqual(['run_started', 'item_checked']);
  });

  it('returns the first outcome for a repeated idempotency key and changes nothing', async () => {
    const { state } = await service.start(input(), '@ana', null);
    const runId = state?.id as string;
    const command: RunCommand = { type: 'skip', ref: '1.2', reason: 'covered by staging' };
    const first = await service.apply(runId, command, '@ana', 'same-click');
    const again = await service.apply(runId, command, '@ana', 'same-click');
    expect(first.accepted).toBe(true);
    expect(again).toMatchObject({ accepted: true, replayed: true, events: [] });
    expect((await service.get(runId))?.revision).toBe(2);
    expect(await service.events(runId)).toHaveLength(2);

    const rejectedFirst = await service.apply(runId, { type: 'complete' }, '@ana', 'too-early');
    // The items are resolved now, yet the retry answers as the first delivery did: rejected.
    await service.apply(runId, { type: 'check', refs: ['1.1', '2.1'] }, '@ana', null);
    const rejectedAgain = await service.apply(runId, { type: 'complete' }, '@ana', 'too-early');
    expect(rejectedFirst.rejection?.code).toBe('incomplete');
    expect(rejectedAgain).toMatchObject({
      accepted: false,
      replayed: true,
      rejection: rejectedFirst.rejection,
    });
    expect((await service.get(runId))?.status).toBe('active');
  });

  it('replays a repeated start instead of starting twice', async () => {
    const where = input();
    const first = await service.start(where, '@ana', 'slash-123');
    const again = await service.start(where, '@ana', 'slash-123');
    expect(again.replayed).toBe(true);
    expect(again.state?.id).toBe(first.state?.id);
    expect(again.accepted).toBe(true);
  });

  it('lets only one of several simultaneous starts in a channel win', async () => {
    const where = input();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, index) => service.start(where, `@p${index}`, `race-${index}`)),
    );
    expect(outcomes.filter((outcome) => outcome.accepted)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.rejection?.code === 'run_active')).toHaveLength(7);
  });

  it('needs every required item resolved to complete, then accepts nothing more', async () => {
    const { state } = await service.start(input(), '@ana', null);
    const runId = state?.id as string;
    const early = await service.apply(runId, { type: 'complete' }, '@ana', null);
    expect(early.rejection?.message).toBe(
      'cannot complete: 3 required items open: 1.1, 1.2, 2.1. Check, skip (with a reason) or mark them N/A first.',
    );
    await service.apply(runId, { type: 'check', refs: ['1.1', '1.2'] }, '@ana', null);
    await service.apply(runId, { type: 'fail', ref: '2.1', detail: 'p95 900 ms' }, '@bo', null);
    const failed = await service.apply(runId, { type: 'complete' }, '@ana', null);
    expect(failed.rejection?.message).toContain('1 required item failed: 2.1');
    await service.apply(runId, { type: 'check', refs: ['2.1'] }, '@bo', null);
    const done = await service.apply(runId, { type: 'complete' }, '@ana', null);
    expect(done.accepted).toBe(true);
    const after = await service.apply(runId, { type: 'uncheck', ref: '1.1' }, '@ana', null);
    expect(after.rejection?.code).toBe('run_finished');
    const stored = await service.get(runId);
    expect(stored).toMatchObject({ status: 'completed', endedBy: '@ana' });
    // A finished run frees its channel.
    const next = await service.start({ ...input(), channelId: stored?.channelId as string }, '@ana', null);
    expect(next.accepted).toBe(true);
  });

  it('serializes 50 concurrent commands on one run and loses none', async () => {
    const seed = loadTemplate('backend-api-deploy');
    const { state } = await service.start(input(seed), '@ana', null);
    const runId = state?.id as string;
    const leaves = seed.items
      .filter((item) => item.kind === 'task' && item.childKeys.length === 0 && item.parentKey === null)
      .slice(0, 40);
    expect(leaves).toHaveLength(40);
    const commands: { command: RunCommand; key: string }[] = leaves.map((item, index) => ({
      command:
        index % 4 === 3
          ? { type: 'skip', ref: item.ref, reason: `not today ${index}` }
          : { type: 'check', refs: [item.ref] },
      key: `click-${index}`,
    }));
    // Ten deliveries repeat an earlier one (a retried request, a double click).
    for (let index = 0; index < 10; index++) commands.push(commands[index] as (typeof commands)[number]);
    const outcomes = await Promise.all(
      commands.map(({ command, key }, index) => service.apply(runId, command, `@user${index % 7}`, key)),
    );

    const fresh = outcomes.filter((outcome) => outcome.accepted && !outcome.replayed);
    expect(fresh).toHaveLength(40);
    expect(outcomes.filter((outcome) => outcome.replayed)).toHaveLength(10);
    const revisions = fresh.map((outcome) => outcome.state?.revision).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(revisions).toEqual(Array.from({ length: 40 }, (_, index) => index + 2));

    const events = await service.events(runId);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 41 }, (_, index) => index + 1));
    // Every accepted command's events are in the log, in the order of the revisions they produced.
    const byRevision = [...fresh].sort((a, b) => (a.state?.revision ?? 0) - (b.state?.revision ?? 0));
    expect(events.slice(1).map((event) => event.payload)).toEqual(
      byRevision.flatMap((outcome) => outcome.events),
    );

    const stored = await service.get(runId);
    expect(stored?.revision).toBe(41);
    leaves.forEach((item, index) => {
      expect(stored?.items[item.key]?.status).toBe(index % 4 === 3 ? 'skipped' : 'done');
    });
    const untouched = seed.items.filter((item) => !leaves.includes(item) && item.childKeys.length === 0);
    expect(untouched.every((item) => stored?.items[item.key]?.status === 'open')).toBe(true);
  });
});

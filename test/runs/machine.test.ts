import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/parse.js';
import type { Checklist, ChecklistItem } from '../../src/checklist/types.js';
import { applyEvents, decide, initialState } from '../../src/runs/machine.js';
import type {
  Decision,
  ItemStatus,
  Rejection,
  RunCommand,
  RunEvent,
  RunState,
  StartCommand,
} from '../../src/runs/types.js';

const RELEASE_MD = `# Release train

How we ship the web API.

## Phase 1: Prepare

- [ ] Tag the release
- [ ] Database ready
  - [ ] Backup taken
  - [ ] Migrations applied
- [ ] Update the changelog (optional)

## Phase 2: Ship

- [ ] Deploy to production
- [ ] Smoke test \`GET /health\`
`;

/** A deeper checklist for the properties: a group inside a group, and an optional group. */
const DEEP_MD = `# Deep

## Phase 1: Build

- [ ] Build artefacts
  - [ ] Backend
    - [ ] API image
    - [ ] Worker image
  - [ ] Frontend bundle
- [ ] Security scan

## Phase 2: Release

- [ ] Announce the window (optional)
  - [ ] Post in #deploys
  - [ ] Email customers
- [ ] Flip the flag
`;

const checklist = parseChecklist(RELEASE_MD, { name: 'release', file: 'release.md' });
const deepChecklist = parseChecklist(DEEP_MD, { name: 'deep', file: 'deep.md' });

const T0 = new Date('2025-03-04T14:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

function startCommand(list: Checklist = checklist): StartCommand {
  return {
    type: 'start',
    runId: 'k7q2mz9p',
    checklist: list,
    version: '1.4.0',
    environment: 'production',
    platform: 'terminal',
    channelId: 'ops',
  };
}

function started(list: Checklist = checklist): RunState {
  return initialState(startCommand(list), '@ana', T0);
}

function itemAt(ref: string, list: Checklist = checklist): ChecklistItem {
  const item = list.items.find((candidate) => candidate.ref === ref);
  if (!item) throw new Error(`test checklist has no item ${ref}`);
  return item;
}

function statusOf(state: RunState, ref: string): ItemStatus | undefined {
  return state.items[itemAt(ref, state.checklist).key]?.status;
}

function accepted(decision: Decision): RunEvent[] {
  if (!decision.ok)
    throw new Error(`expected acceptance, got ${decision.rejection.code}: ${decision.rejection.message}`);
  return decision.events;
}

function rejected(decision: Decision): Rejection {
  if (decision.ok) throw new Error(`expected a rejection, got events ${JSON.stringify(decision.events)}`);
  return decision.rejection;
}

/** Decide and apply, failing the test when the machine rejects. */
function act(state: RunState, command: RunCommand, actor = '@ana', now = minutes(2)): RunState {
  return applyEvents(state, accepted(decide(state, command, now)), actor, now);
}

function rejectionOf(state: RunState, command: RunCommand, now = minutes(3)): Rejection {
  return rejected(decide(state, command, now));
}

describe('decide: starting a run', () => {
  it('accepts a start with no run yet and records checklist name, hash, version and environment', () => {
    const events = accepted(decide(null, startCommand(), T0));
    expect(events).toEqual([
      {
        type: 'run_started',
        checklistName: 'release',
        checklistHash: checklist.hash,
        version: '1.4.0',
        environment: 'production',
      },
    ]);
    expect(checklist.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds an active run at revision 1 with every item open', () => {
    const state = started();
    expect(state.status).toBe('active');
    expect(state.revision).toBe(1);
    expect(state.startedBy).toBe('@ana');
    expect(state.startedAt).toEqual(T0);
    expect(Object.keys(state.items).sort()).toEqual(checklist.items.map((item) => item.key).sort());
    for (const item of Object.values(state.items)) {
      expect(item).toEqual({ status: 'open', reason: null, value: null, actor: null, at: null });
    }
  });

  it('rejects a second start while a run is active, naming the run', () => {
    const rejection = rejected(decide(started(), startCommand(), minutes(1)));
    expect(rejection.code).toBe('run_active');
    expect(rejection.message).toContain('Release train');
    expect(rejection.message).toContain('k7q2mz9p');
  });

  it('allows a new start once the previous run has finished', () => {
    const finished = act(started(), { type: 'abort', reason: 'wrong branch' });
    expect(accepted(decide(finished, startCommand(), minutes(5)))[0]?.type).toBe('run_started');
  });

  it('rejects run commands when there is no run', () => {
    const rejection = rejected(decide(null, { type: 'complete' }, T0));
    expect(rejection.code).toBe('run_not_found');
  });
});

describe('decide: the test checklist', () => {
  it('has the shape the examples rely on', () => {
    expect(checklist.items.map((item) => item.ref)).toEqual([
      '1.1',
      '1.2',
      '1.2.1',
      '1.2.2',
      '1.3',
      '2.1',
      '2.2',
    ]);
    expect(itemAt('1.3').required).toBe(false);
    expect(itemAt('1.2').childKeys).toEqual([itemAt('1.2.1').key, itemAt('1.2.2').key]);
    expect(checklist.items.filter((item) => !item.required).map((item) => item.ref)).toEqual(['1.3']);
  });
});

describe('decide: check', () => {
  it('ticks one item and records who and when', () => {
    const state = act(started(), { type: 'check', refs: ['1.1'] }, '@bo', minutes(2));
    expect(state.items[itemAt('1.1').key]).toEqual({
      status: 'done',
      reason: null,
      value: null,
      actor: '@bo',
      at: minutes(2),
    });
    expect(state.revision).toBe(2);
  });

  it('ticks several refs in one command, accepting keys and a trailing comma', () => {
    const events = accepted(
      decide(started(), { type: 'check', refs: ['1.1,', itemAt('2.1').key, '2.2'] }, minutes(1)),
    );
    expect(events).toEqual([
      { type: 'item_checked', key: itemAt('1.1').key },
      { type: 'item_checked', key: itemAt('2.1').key },
      { type: 'item_checked', key: itemAt('2.2').key },
    ]);
  });

  it('only ticks the refs that are not already done', () => {
    const state = act(started(), { type: 'check', refs: ['1.1'] });
    const events = accepted(decide(state, { type: 'check', refs: ['1.1', '2.1'] }, minutes(3)));
    expect(events).toEqual([{ type: 'item_checked', key: itemAt('2.1').key }]);
  });

  it('rejects ticking an item that is done, saying by whom and when in UTC', () => {
    const state = act(started(), { type: 'check', refs: ['1.1'] }, '@ana', new Date('2025-03-04T14:02:37Z'));
    const rejection = rejectionOf(state, { type: 'check', refs: ['1.1'] });
    expect(rejection.code).toBe('already_done');
    expect(rejection.message).toBe(
      'item 1.1 is already done by @ana at 14:02 UTC; /deploy undo 1.1 reopens it.',
    );
  });

  it('says how many others were also done when every ref is done', () => {
    let state = act(started(), { type: 'check', refs: ['1.1', '2.1', '2.2'] }, '@cy', minutes(7));
    state = act(state, { type: 'note', text: 'all good' });
    const rejection = rejectionOf(state, { type: 'check', refs: ['2.1', '1.1', '2.2'] });
    expect(rejection.code).toBe('already_done');
    expect(rejection.message).toContain('item 2.1 is already done by @cy at 14:07 UTC (and the other 2 too)');
  });

  it('rejects an unknown ref with unknown_item, naming the ref and the checklist', () => {
    const rejection = rejectionOf(started(), { type: 'check', refs: ['1.1', '9.9'] });
    expect(rejection.code).toBe('unknown_item');
    expect(rejection.message).toContain('there is no item 9.9 in “Release train”');
  });

  it('rejects a check naming nothing', () => {
    expect(rejectionOf(started(), { type: 'check', refs: [] }).code).toBe('bad_command');
  });

  it('checking a parent ticks its open children (marked auto) but leaves resolved ones alone', () => {
    const state = act(started(), { type: 'skip', ref: '1.2.1', reason: 'snapshot exists' });
    const events = accepted(decide(state, { type: 'check', refs: ['1.2'] }, minutes(4)));
    expect(events).toEqual([
      { type: 'item_checked', key: itemAt('1.2').key },
      { type: 'item_checked', key: itemAt('1.2.2').key, auto: true },
    ]);
    const after = applyEvents(state, events, '@bo', minutes(4));
    expect(statusOf(after, '1.2.1')).toBe('skipped');
    expect(after.items[itemAt('1.2.1').key]?.reason).toBe('snapshot exists');
    expect(after.items[itemAt('1.2.2').key]).toMatchObject({ status: 'done', actor: '@bo' });
  });

  it('checking a parent ticks only its open children: a failed child stays failed and keeps the parent open', () => {
    const state = act(started(), { type: 'fail', ref: '1.2.1', detail: 'backup job crashed' });
    const events = accepted(decide(state, { type: 'check', refs: ['1.2'] }, minutes(4)));
    expect(events).toEqual([{ type: 'item_checked', key: itemAt('1.2.2').key, auto: true }]);
    const after = applyEvents(state, events, '@bo', minutes(4));
    expect(statusOf(after, '1.2.1')).toBe('failed');
    expect(statusOf(after, '1.2')).toBe('open');
    // With nothing else open under it, the refusal names the child that blocks it.
    expect(rejectionOf(after, { type: 'check', refs: ['1.2'] })).toEqual({
      code: 'incomplete',
      message: expect.stringContaining(
        'item 1.2 cannot be done while 1.2.1 is failed (“backup job crashed”)',
      ),
    });
    // Resolving the failure (here: skipping it with a reason) lets the parent count as done.
    const skipped = act(after, { type: 'skip', ref: '1.2.1', reason: 'restored from yesterday' });
    expect(statusOf(skipped, '1.2')).toBe('done');
  });

  it('a parent is done when its last child is resolved, and reopened when a child is undone', () => {
    let state = act(started(), { type: 'check', refs: ['1.2.1'] });
    expect(statusOf(state, '1.2')).toBe('open');
    const lastChild = accepted(decide(state, { type: 'na', ref: '1.2.2' }, minutes(3)));
    expect(lastChild).toEqual([
      { type: 'item_na', key: itemAt('1.2.2').key },
      { type: 'item_checked', key: itemAt('1.2').key, auto: true },
    ]);
    state = applyEvents(state, lastChild, '@ana', minutes(3));
    expect(statusOf(state, '1.2')).toBe('done');

    const undo = accepted(decide(state, { type: 'uncheck', ref: '1.2.1' }, minutes(4)));
    expect(undo).toEqual([
      { type: 'item_reopened', key: itemAt('1.2.1').key, previous: 'done' },
      { type: 'item_reopened', key: itemAt('1.2').key, previous: 'done', auto: true },
    ]);
    state = applyEvents(state, undo, '@ana', minutes(4));
    expect(statusOf(state, '1.2')).toBe('open');
    expect(statusOf(state, '1.2.2')).toBe('na');
  });

  it('failing a child of a done parent reopens the parent', () => {
    const state = act(started(), { type: 'check', refs: ['1.2'] });
    const after = act(state, { type: 'fail', ref: '1.2.2', detail: 'migration 042 timed out' });
    expect(statusOf(after, '1.2.2')).toBe('failed');
    expect(statusOf(after, '1.2')).toBe('open');
  });
});

describe('decide: uncheck', () => {
  it('reopens a skipped item and clears its reason, actor and time', () => {
    let state = act(started(), { type: 'skip', ref: '2.2', reason: 'no health route yet' }, '@bo');
    const events = accepted(decide(state, { type: 'uncheck', ref: '2.2' }, minutes(5)));
    expect(events).toEqual([{ type: 'item_reopened', key: itemAt('2.2').key, previous: 'skipped' }]);
    state = applyEvents(state, events, '@ana', minutes(5));
    expect(state.items[itemAt('2.2').key]).toEqual({
      status: 'open',
      reason: null,
      value: null,
      actor: null,
      at: null,
    });
  });

  it('rejects undoing an open item with not_resolved', () => {
    const rejection = rejectionOf(started(), { type: 'uncheck', ref: '2.1' });
    expect(rejection.code).toBe('not_resolved');
    expect(rejection.message).toBe('item 2.1 is open; there is nothing to undo.');
  });

  it('rejects undoing an unknown item', () => {
    expect(rejectionOf(started(), { type: 'uncheck', ref: '7' }).code).toBe('unknown_item');
  });
});

describe('decide: skip, fail and na', () => {
  it('skip records the trimmed reason', () => {
    const state = act(started(), { type: 'skip', ref: '1.1', reason: '  tagged by CI  ' }, '@cy', minutes(9));
    expect(state.items[itemAt('1.1').key]).toEqual({
      status: 'skipped',
      reason: 'tagged by CI',
      value: null,
      actor: '@cy',
      at: minutes(9),
    });
  });

  it('skip without a reason is rejected with the usage', () => {
    const rejection = rejectionOf(started(), { type: 'skip', ref: '1.1', reason: '   ' });
    expect(rejection.code).toBe('reason_required');
    expect(rejection.message).toBe('say a reason: /deploy skip 1.1 <a reason>.');
  });

  it('skipping a group skips its open children with the same reason and keeps done ones done', () => {
    const state = act(started(), { type: 'check', refs: ['1.2.1'] });
    const events = accepted(
      decide(state, { type: 'skip', ref: '1.2', reason: 'no schema change' }, minutes(3)),
    );
    expect(events).toEqual([
      { type: 'item_skipped', key: itemAt('1.2').key, reason: 'no schema change' },
      { type: 'item_skipped', key: itemAt('1.2.2').key, reason: 'no schema change', auto: true },
    ]);
    const after = applyEvents(state, events, '@ana', minutes(3));
    expect(statusOf(after, '1.2.1')).toBe('done');
  });

  it('skipping an item skipped before is rejected with who and when', () => {
    const state = act(started(), { type: 'skip', ref: '2.1', reason: 'canary only' }, '@bo', minutes(61));
    const rejection = rejectionOf(state, { type: 'skip', ref: '2.1', reason: 'again' });
    expect(rejection.code).toBe('already_resolved');
    expect(rejection.message).toBe(
      'item 2.1 is already skipped by @bo at 15:01 UTC; /deploy undo 2.1 reopens it.',
    );
  });

  it('fail records the detail and requires one', () => {
    const state = act(started(), { type: 'fail', ref: '2.2', detail: '503 from /health' }, '@bo');
    expect(state.items[itemAt('2.2').key]).toMatchObject({ status: 'failed', reason: '503 from /health' });
    const rejection = rejectionOf(started(), { type: 'fail', ref: '2.2', detail: '' });
    expect(rejection.code).toBe('reason_required');
    expect(rejection.message).toBe('say what failed: /deploy fail 2.2 <what failed>.');
  });

  it('failing an item failed before is rejected naming the ref', () => {
    const state = act(started(), { type: 'fail', ref: '2.2', detail: '503' }, '@bo', minutes(30));
    const rejection = rejectionOf(state, { type: 'fail', ref: '2.2', detail: 'still 503' });
    expect(rejection.code).toBe('already_resolved');
    expect(rejection.message).toContain('item 2.2 is already failed by @bo at 14:30 UTC');
  });

  it('failing a group does not touch its children', () => {
    const events = accepted(decide(started(), { type: 'fail', ref: '1.2', detail: 'db down' }, minutes(1)));
    // A failed required item also opens an escalation, in the same decision.
    expect(events).toEqual([
      { type: 'item_failed', key: itemAt('1.2').key, detail: 'db down' },
      {
        type: 'escalation_opened',
        escalationId: 'k7q2mz9p-e2',
        severity: 'P1',
        policy: null,
        reason: 'item 1.2 failed: db down',
        trigger: 'item_failed',
      },
    ]);
  });

  it('na needs no reason and a second na on the same item is refused', () => {
    const state = act(started(), { type: 'na', ref: '1.3' }, '@ana', minutes(12));
    expect(state.items[itemAt('1.3').key]).toEqual({
      status: 'na',
      reason: null,
      value: null,
      actor: '@ana',
      at: minutes(12),
    });
    const rejection = rejectionOf(state, { type: 'na', ref: '1.3' });
    expect(rejection.code).toBe('already_resolved');
    expect(rejection.message).toBe(
      'item 1.3 is already marked N/A by @ana at 14:12 UTC; /deploy undo 1.3 reopens it.',
    );
  });

  it('na on a group marks its open and failed children N/A', () => {
    const state = act(started(), { type: 'fail', ref: '1.2.1', detail: 'no snapshot' });
    const after = act(state, { type: 'na', ref: '1.2' });
    expect(statusOf(after, '1.2')).toBe('na');
    expect(statusOf(after, '1.2.1')).toBe('na');
    expect(statusOf(after, '1.2.2')).toBe('na');
  });

  it('unknown refs are rejected for skip, fail and na alike', () => {
    for (const command of [
      { type: 'skip', ref: '3.1', reason: 'x' },
      { type: 'fail', ref: 'nope', detail: 'x' },
      { type: 'na', ref: '1.2.3' },
    ] satisfies RunCommand[]) {
      expect(rejectionOf(started(), command).code).toBe('unknown_item');
    }
  });
});

describe('decide: notes', () => {
  it('adds a run note and an item note without changing any item', () => {
    const state = started();
    expect(accepted(decide(state, { type: 'note', text: ' rollout at 10% ' }, minutes(1)))).toEqual([
      { type: 'note_added', text: 'rollout at 10%', key: null },
    ]);
    const onItem = accepted(
      decide(state, { type: 'note', text: 'snapshot s-123', ref: '1.2.1' }, minutes(1)),
    );
    expect(onItem).toEqual([{ type: 'note_added', text: 'snapshot s-123', key: itemAt('1.2.1').key }]);
    const after = applyEvents(state, onItem, '@ana', minutes(1));
    expect(after.items).toEqual(state.items);
    expect(after.revision).toBe(2);
  });

  it('rejects an empty note and a note on an unknown item', () => {
    expect(rejectionOf(started(), { type: 'note', text: '  ' }).code).toBe('reason_required');
    expect(rejectionOf(started(), { type: 'note', text: 'hi', ref: '4.4' }).code).toBe('unknown_item');
  });
});

describe('decide: complete', () => {
  it('lists every open required item and leaves out the optional one', () => {
    const state = act(started(), { type: 'check', refs: ['1.1'] });
    const rejection = rejectionOf(state, { type: 'complete' });
    expect(rejection.code).toBe('incomplete');
    expect(rejection.message).toBe(
      'cannot complete: 5 required items open: 1.2, 1.2.1, 1.2.2, 2.1, 2.2. Check, skip (with a reason) or mark them N/A first.',
    );
  });

  it('uses the singular for one item', () => {
    const state = act(started(), { type: 'check', refs: ['1.1', '1.2', '2.1'] });
    expect(rejectionOf(state, { type: 'complete' }).message).toContain(
      'cannot complete: 1 required item open: 2.2.',
    );
  });

  it('a failed required item blocks completion and is named', () => {
    let state = act(started(), { type: 'check', refs: ['1.1', '1.2', '2.1'] });
    state = act(state, { type: 'fail', ref: '2.2', detail: '500 on /health' });
    const rejection = rejectionOf(state, { type: 'complete' });
    expect(rejection.code).toBe('incomplete');
    expect(rejection.message).toContain('1 required item failed: 2.2');
    expect(rejection.message).not.toContain('open:');
  });

  it('completes when every required item is done, skipped or N/A, with the optional one still open', () => {
    let state = act(started(), { type: 'check', refs: ['1.1', '1.2.1'] });
    state = act(state, { type: 'skip', ref: '1.2.2', reason: 'no migrations' });
    state = act(state, { type: 'na', ref: '2.1' });
    state = act(state, { type: 'check', refs: ['2.2'] });
    expect(statusOf(state, '1.3')).toBe('open');
    expect(statusOf(state, '1.2')).toBe('done');
    const events = accepted(decide(state, { type: 'complete' }, minutes(40)));
    expect(events).toEqual([{ type: 'run_completed' }]);
    const done = applyEvents(state, events, '@bo', minutes(40));
    expect(done).toMatchObject({
      status: 'completed',
      endedBy: '@bo',
      endedAt: minutes(40),
      endReason: null,
    });
  });

  it('caps a long list of open refs at ten and says how many more', () => {
    const many = parseChecklist(
      `# Many\n\n## Phase 1: All\n\n${Array.from({ length: 13 }, (_, i) => `- [ ] Step ${i + 1}`).join('\n')}\n`,
      { name: 'many', file: 'many.md' },
    );
    const rejection = rejected(decide(started(many), { type: 'complete' }, minutes(1)));
    expect(rejection.message).toContain(
      '13 required items open: 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 1.10, … (3 more)',
    );
  });
});

describe('decide: abort and rollback', () => {
  it('abort ends the run with the reason', () => {
    const state = act(started(), { type: 'abort', reason: ' wrong build ' }, '@cy', minutes(8));
    expect(state).toMatchObject({
      status: 'aborted',
      endReason: 'wrong build',
      endedBy: '@cy',
      endedAt: minutes(8),
    });
  });

  it('rollback ends the run as rolled back even with open items', () => {
    const state = act(started(), { type: 'rollback', reason: 'p95 doubled' }, '@bo', minutes(20));
    expect(state).toMatchObject({ status: 'rolled_back', endReason: 'p95 doubled', endedBy: '@bo' });
  });

  it('both require a reason', () => {
    expect(rejectionOf(started(), { type: 'abort', reason: '' })).toEqual({
      code: 'reason_required',
      message: 'say why: /deploy abort <reason>.',
    });
    expect(rejectionOf(started(), { type: 'rollback', reason: ' ' }).message).toBe(
      'say why: /deploy rollback <reason>.',
    );
  });

  it('a finished run rejects every command, saying how, by whom and when it ended', () => {
    const state = act(
      started(),
      { type: 'rollback', reason: 'errors' },
      '@bo',
      new Date('2025-03-04T16:45:10Z'),
    );
    const rejection = rejectionOf(state, { type: 'check', refs: ['1.1'] });
    expect(rejection.code).toBe('run_finished');
    expect(rejection.message).toBe(
      'run k7q2mz9p was rolled back by @bo at 16:45 UTC; it cannot change now. /deploy start begins a new one.',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties over random command sequences.

const RESOLVED: readonly ItemStatus[] = ['done', 'skipped', 'na'];
const ITEM_STATUSES: readonly ItemStatus[] = ['open', 'done', 'skipped', 'failed', 'na'];
const FINISHED = ['completed', 'aborted', 'rolled_back'];
const BOGUS_REFS = ['9.9', '1.9', '0', '', 'nope', '1.2.1.1', '2.'];

function commandArbitrary(list: Checklist): fc.Arbitrary<RunCommand> {
  const ref = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...list.items.map((item) => item.ref)) },
    { weight: 1, arbitrary: fc.constantFrom(...list.items.map((item) => item.key)) },
    { weight: 1, arbitrary: fc.constantFrom(...BOGUS_REFS) },
  );
  const text = fc.constantFrom('', '   ', 'not needed', 'p95 900ms', 'db down');
  // Ending a run is rarer and usually lacks a reason, so sessions get far enough to complete.
  const endReason = fc.constantFrom('', '', '', ' ', 'errors spiking');
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .array(ref, { minLength: 0, maxLength: 3 })
        .map((refs) => ({ type: 'check', refs }) as const),
    },
    { weight: 4, arbitrary: ref.map((r) => ({ type: 'uncheck', ref: r }) as const) },
    {
      weight: 3,
      arbitrary: fc.tuple(ref, text).map(([r, reason]) => ({ type: 'skip', ref: r, reason }) as const),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(ref, text).map(([r, detail]) => ({ type: 'fail', ref: r, detail }) as const),
    },
    { weight: 3, arbitrary: ref.map((r) => ({ type: 'na', ref: r }) as const) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.option(ref, { nil: undefined }), text)
        .map(
          ([r, t]): RunCommand =>
            r === undefined ? { type: 'note', text: t } : { type: 'note', text: t, ref: r },
        ),
    },
    { weight: 4, arbitrary: fc.constant({ type: 'complete' } as const) },
    { weight: 1, arbitrary: endReason.map((reason) => ({ type: 'abort', reason }) as const) },
    { weight: 1, arbitrary: endReason.map((reason) => ({ type: 'rollback', reason }) as const) },
  );
}

interface Step {
  command: RunCommand;
  actor: string;
  advanceSeconds: number;
}

function stepsArbitrary(list: Checklist): fc.Arbitrary<Step[]> {
  return fc.array(
    fc.record({
      command: commandArbitrary(list),
      actor: fc.constantFrom('@ana', '@bo', '@cy'),
      advanceSeconds: fc.integer({ min: 1, max: 600 }),
    }),
    { minLength: 1, maxLength: 80, size: 'medium' },
  );
}

function eventKey(event: RunEvent): string | null {
  return 'key' in event ? event.key : null;
}

/** The item an event changes the state of (a note names an item but changes nothing). */
function changedKey(event: RunEvent): string | null {
  return event.type.startsWith('item_') ? eventKey(event) : null;
}

/** How often the sessions reached the states the invariants talk about, so a weak generator is noticed. */
interface Coverage {
  completed: number;
  commandsAfterEnd: number;
  parentsDerived: number;
}

/** Every invariant the machine promises, checked after each step of a random session. */
function runSession(list: Checklist, steps: Step[], coverage: Coverage): void {
  let state = started(list);
  let now = T0;
  let acceptedCount = 0;
  // Parents reopened by an explicit `undo <parent>` whose children nobody has touched since (see (f)).
  const reopenedByHand = new Set<string>();
  const byKey = new Map(list.items.map((item) => [item.key, item]));

  for (const step of steps) {
    now = new Date(now.getTime() + step.advanceSeconds * 1000);
    // The checklist is frozen data shared by every state; the rest is what a command may change.
    const before = structuredClone({ ...state, checklist: null });
    const wasFinished = FINISHED.includes(state.status);
    const decision = decide(state, step.command, now);

    // decide is pure: it never changes the state it is given.
    expect({ ...state, checklist: null }).toEqual(before);

    if (!decision.ok) {
      // (d) a rejection carries no events, and it always has a code and a sentence.
      expect('events' in decision).toBe(false);
      expect(decision.rejection.code).toMatch(/^[a-z_]+$/);
      expect(decision.rejection.message.length).toBeGreaterThan(10);
    }

    if (wasFinished) {
      coverage.commandsAfterEnd++;
      // (a) a finished run refuses everything and stays as it was.
      expect(decision.ok).toBe(false);
      if (!decision.ok) expect(decision.rejection.code).toBe('run_finished');
      continue;
    }
    if (!decision.ok) continue;

    expect(decision.events.length).toBeGreaterThan(0);
    for (const event of decision.events) {
      const key = eventKey(event);
      if (key !== null) expect(byKey.has(key)).toBe(true);
      if (event.type === 'item_checked' && event.auto && key !== null && byKey.get(key)?.childKeys.length) {
        coverage.parentsDerived++;
      }
      // (c) completion only when every required item is done, skipped or N/A.
      if (event.type === 'run_completed') {
        coverage.completed++;
        for (const item of list.items.filter((candidate) => candidate.required)) {
          expect(RESOLVED).toContain(state.items[item.key]?.status);
        }
      }
    }

    const next = applyEvents(state, decision.events, step.actor, now);
    acceptedCount++;
    // (b) one accepted command, one revision.
    expect(next.revision).toBe(state.revision + 1);
    expect(next.revision).toBe(1 + acceptedCount);

    const touched = new Set(decision.events.flatMap((event) => changedKey(event) ?? []));
    for (const item of list.items) {
      if (item.childKeys.length === 0) continue;
      if (touched.has(item.key) || item.childKeys.some((child) => touched.has(child)))
        reopenedByHand.delete(item.key);
    }
    if (step.command.type === 'uncheck') {
      for (const event of decision.events) {
        if (event.type !== 'item_reopened' || event.auto) continue;
        if (byKey.get(event.key)?.childKeys.length) reopenedByHand.add(event.key);
      }
    }
    state = next;

    // (e) every item is in a known state; resolved ones say who and when, open ones say neither.
    for (const item of list.items) {
      const itemState = state.items[item.key];
      expect(itemState).toBeDefined();
      if (!itemState) continue;
      expect(ITEM_STATUSES).toContain(itemState.status);
      if (itemState.status === 'open') {
        expect([itemState.reason, itemState.actor, itemState.at]).toEqual([null, null, null]);
      } else {
        expect(['@ana', '@bo', '@cy']).toContain(itemState.actor);
        expect(itemState.at).toBeInstanceOf(Date);
        expect(itemState.at?.getTime()).toBeLessThanOrEqual(now.getTime());
      }
      if (touched.has(item.key)) {
        // What this command changed carries this command's actor and time (auto changes included).
        if (itemState.status !== 'open') expect([itemState.actor, itemState.at]).toEqual([step.actor, now]);
      } else {
        // What it did not name stays exactly as it was.
        expect(itemState).toEqual(before.items[item.key]);
      }
      if (itemState.status === 'skipped' || itemState.status === 'failed') {
        expect(itemState.reason?.trim()).toBeTruthy();
      }
      // (g) a failed item is never reported as done unless someone ticked that very item.
      if (before.items[item.key]?.status === 'failed' && itemState.status === 'done') {
        const named =
          step.command.type === 'check' &&
          step.command.refs.some((ref) => ref.trim() === item.ref || ref.trim() === item.key);
        expect(named).toBe(true);
      }
    }

    for (const parent of list.items) {
      if (parent.childKeys.length === 0) continue;
      const parentStatus = state.items[parent.key]?.status;
      const childStatuses = parent.childKeys.map((key) => state.items[key]?.status ?? 'open');
      const allResolved = childStatuses.every((status) => RESOLVED.includes(status));
      // (f1) a done parent never has an open or failed child.
      if (parentStatus === 'done') expect(allResolved).toBe(true);
      // (f2) a parent whose children are all resolved is not left open; the only exception is a parent
      // someone explicitly undid (`undo 1.2`) with none of its children touched since.
      if (allResolved && parentStatus === 'open') expect(reopenedByHand.has(parent.key)).toBe(true);
    }
  }
}

describe('decide: properties over random sessions', () => {
  const check = (list: Checklist) => {
    const coverage: Coverage = { completed: 0, commandsAfterEnd: 0, parentsDerived: 0 };
    fc.assert(
      fc.property(stepsArbitrary(list), (steps) => {
        runSession(list, steps, coverage);
      }),
      { numRuns: 250 },
    );
    expect(coverage.completed).toBeGreaterThan(10);
    expect(coverage.commandsAfterEnd).toBeGreaterThan(100);
    expect(coverage.parentsDerived).toBeGreaterThan(10);
  };

  it('holds every invariant on the small checklist', { timeout: 30_000 }, () => {
    check(checklist);
  });

  it('holds every invariant on a three-level checklist with an optional group', { timeout: 30_000 }, () => {
    expect(deepChecklist.items.map((item) => item.ref)).toEqual([
      '1.1',
      '1.1.1',
      '1.1.1.1',
      '1.1.1.2',
      '1.1.2',
      '1.2',
      '2.1',
      '2.1.1',
      '2.1.2',
      '2.2',
    ]);
    expect(deepChecklist.items.filter((item) => !item.required).map((item) => item.ref)).toEqual([
      '2.1',
      '2.1.1',
      '2.1.2',
    ]);
    check(deepChecklist);
  });

  it('an explicitly undone parent stays open until one of its children changes', () => {
    let state = act(started(), { type: 'check', refs: ['1.2'] });
    state = act(state, { type: 'uncheck', ref: '1.2' });
    expect(statusOf(state, '1.2')).toBe('open');
    expect(statusOf(state, '1.2.1')).toBe('done');
    expect(rejectionOf(state, { type: 'complete' }).message).toContain('open: 1.1, 1.2, 2.1, 2.2.');
    state = act(state, { type: 'skip', ref: '1.2.2', reason: 'no migrations' });
    expect(statusOf(state, '1.2')).toBe('done');
  });
});

// A checklist with role-protected items: a sign-off, and a step the front matter gives to the DBA.
const PROTECTED_MD = `---
roles:
  items:
    "1.2": dba
---
# Guarded

## Phase 1: Work

- [ ] Announce
- [ ] Run the migration
  - [ ] Take the lock
- [ ] Verify

## Phase 2: Sign-off

- [ ] Engineering Lead: ___
`;

describe('decide: a protected item changes only by a holder of its role', () => {
  const guarded = parseChecklist(PROTECTED_MD, { name: 'guarded', file: 'guarded.md' });
  const people: Record<string, string[]> = {
    '@lead': ['engineering-lead'],
    '@dba': ['dba'],
    '@nobody': [],
  };

  it('refuses skip, N/A, fail and undo of a sign-off by someone without the role, saying how to get it', () => {
    expect(
      guarded.items.map((item) => [item.ref, item.kind, item.role ?? item.signoff?.roleId ?? null]),
    ).toEqual([
      ['1.1', 'task', null],
      ['1.2', 'task', 'dba'],
      ['1.2.1', 'task', null],
      ['1.3', 'task', null],
      ['2.1', 'signoff', 'engineering-lead'],
    ]);
    const nobody = { name: '@nobody', id: 'U0', roles: [] };
    const lead = { name: '@lead', id: 'U1', roles: ['engineering-lead'] };
    const state = started(guarded);
    for (const command of [
      { type: 'skip', ref: '2.1', reason: 'not needed' },
      { type: 'na', ref: '2.1' },
      { type: 'fail', ref: '2.1', detail: 'no' },
      { type: 'signoff', ref: '2.1' },
    ] as RunCommand[]) {
      const decision = decide(state, command, minutes(1), nobody);
      expect(decision.ok).toBe(false);
      if (!decision.ok) {
        expect(decision.rejection.code).toBe('forbidden');
        expect(decision.rejection.message).toContain('only someone with the role engineering-lead may');
        expect(decision.rejection.message).toContain('/deploy assign engineering-lead @person');
      }
    }
    const signed = applyEvents(
      state,
      accepted(decide(state, { type: 'signoff', ref: '2.1' }, minutes(1), lead)),
      '@lead',
      minutes(1),
    );
    const undo = decide(signed, { type: 'uncheck', ref: '2.1' }, minutes(2), nobody);
    expect(undo.ok ? 'accepted' : undo.rejection.message).toContain('may reopen it');
    // Skipping the phase around a DBA's step leaves that step for the DBA.
    const skipped = decide(state, { type: 'check', refs: ['1.2'] }, minutes(1), nobody);
    expect(skipped.ok ? 'accepted' : skipped.rejection.code).toBe('forbidden');
  });

  it('over random sessions, a protected item never changes by someone who does not hold its role', () => {
    const refs = guarded.items.map((item) => item.ref);
    const command = fc.oneof(
      fc
        .array(fc.constantFrom(...refs), { minLength: 1, maxLength: 3 })
        .map((r) => ({ type: 'check', refs: r })),
      fc.constantFrom(...refs).map((ref) => ({ type: 'uncheck', ref })),
      fc.constantFrom(...refs).map((ref) => ({ type: 'skip', ref, reason: 'later' })),
      fc.constantFrom(...refs).map((ref) => ({ type: 'na', ref })),
      fc.constantFrom(...refs).map((ref) => ({ type: 'fail', ref, detail: 'broke' })),
      fc.constantFrom(...refs).map((ref) => ({ type: 'signoff', ref })),
    ) as fc.Arbitrary<RunCommand>;
    const steps = fc.array(fc.record({ command, who: fc.constantFrom(...Object.keys(people)) }), {
      minLength: 1,
      maxLength: 40,
    });
    let refusedForRole = 0;
    fc.assert(
      fc.property(steps, (session) => {
        let state = started(guarded);
        for (const [index, { command: next, who }] of session.entries()) {
          const actor = { name: who, id: who, roles: people[who] ?? [] };
          const at = minutes(index + 1);
          const decision = decide(state, next, at, actor);
          if (!decision.ok) {
            if (decision.rejection.code === 'forbidden') refusedForRole++;
            continue;
          }
          const after = applyEvents(state, decision.events, who, at);
          // A group reopens by itself when one of its sub-items reopens: that is the only change allowed.
          const reopenedAsGroup = new Set(
            decision.events.flatMap((event) =>
              event.type === 'item_reopened' && event.auto ? [event.key] : [],
            ),
          );
          for (const item of guarded.items) {
            const role = item.role ?? item.signoff?.roleId;
            if (!role || actor.roles.includes(role) || reopenedAsGroup.has(item.key)) continue;
            expect(after.items[item.key]).toEqual(state.items[item.key]);
          }
          state = after;
        }
      }),
      { numRuns: 300 },
    );
    expect(refusedForRole).toBeGreaterThan(50);
  });
});

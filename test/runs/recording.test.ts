import { describe, expect, it } from 'vitest';
import { applyEvents, decide, initialState } from '../../src/runs/machine.js';
import type { Actor, RunCommand, RunState } from '../../src/runs/types.js';
import { viewRun } from '../../src/runs/view.js';
import { checklistFrom } from '../support/checklists.js';

const checklist = checklistFrom(`---
roles:
  rollback: [engineering-lead]
  complete: [on-call-engineer, engineering-lead]
---
# Release
## Phase 1: Verify (First 15 minutes)
- [ ] API Latency:
  - p50: ___ ms (target: <200ms)
  - p95: ___ ms (target: <500ms)
- [ ] Error Rate: ___% (target: <0.1%)
- [ ] Deployed version: ___
- [ ] **Decision**: ☐ Keep ☐ Rollback
- [ ] Smoke tests pass
## Phase 2: Sign-Off
- [ ] Engineering Lead: ________ Date: ______
`);

const T0 = new Date('2026-03-01T14:00:00Z');
const ana: Actor = { name: '@ana', roles: ['engineering-lead'] };
const bo: Actor = { name: '@bo', roles: ['on-call-engineer'] };
const eve: Actor = { name: '@eve', roles: [] };

function start(): RunState {
  return initialState(
    {
      type: 'start',
      runId: 'r1',
      checklist,
      version: 'v2',
      environment: null,
      platform: 'test',
      channelId: 'c',
    },
    '@ana',
    T0,
  );
}

/** Applies a command as `actor`, failing the test with the machine's sentence if it is refused. */
function apply(state: RunState, command: RunCommand, actor: Actor, minutes = 1): RunState {
  const now = new Date(T0.getTime() + minutes * 60_000);
  const decision = decide(state, command, now, actor);
  if (!decision.ok) throw new Error(decision.rejection.message);
  return applyEvents(state, decision.events, actor.name, now);
}

function refusal(state: RunState, command: RunCommand, actor: Actor) {
  const decision = decide(state, command, T0, actor);
  if (decision.ok) throw new Error(`expected a refusal of ${JSON.stringify(command)}`);
  return decision.rejection;
}

describe('recording values, decisions and sign-offs', () => {
  it('classifies the items as the checklist wrote them', () => {
    expect(checklist.items.map((item) => [item.ref, item.kind])).toEqual([
      ['1.1', 'input'],
      ['1.2', 'input'],
      ['1.3', 'input'],
      ['1.4', 'decision'],
      ['1.5', 'task'],
      ['2.1', 'signoff'],
    ]);
  });

  it('records a value within target unflagged, and one past target flagged', () => {
    let state = apply(start(), { type: 'set', ref: '1.2', value: '0.05%' }, bo);
    state = apply(state, { type: 'set', ref: '1.1', value: 'p50=180 p95=650' }, bo);
    const items = viewRun(state).sections[0]?.items ?? [];
    expect(items[1]).toMatchObject({ status: 'done', value: '0.05%', flagged: [], actor: '@bo' });
    expect(items[0]).toMatchObject({
      status: 'done',
      value: 'p50: 180 ms, p95: 650 ms',
      flagged: ['p95 650 ms (target <500ms)'],
    });
  });

  it('reads named values however they are separated, and a name with spaces first in its segment', () => {
    const forms = ['p95=650 p50=180', 'p50: 180, p95: 650', 'p50=180;p95=650', '  p50 = 180   p95 = 650  '];
    for (const value of forms) {
      const state = apply(start(), { type: 'set', ref: '1.1', value }, bo);
      expect(viewRun(state).sections[0]?.items[0]?.value, value).toBe('p50: 180 ms, p95: 650 ms');
    }
    expect(
      refusal(start(), { type: 'set', ref: '1.1', value: 'p50=180 p99 latency=3' }, bo).message,
    ).toContain('there is no field “latency”');
  });

  it('a hostile value (the longest a run keeps, all spaces after a name) is refused with the fields', () => {
    const value = `A:${'\t '.repeat(990)}x`;
    expect(refusal(start(), { type: 'set', ref: '1.1', value }, bo).message).toContain(
      'there is no field “A”',
    );
  });

  it('compares seconds with a target in milliseconds', () => {
    const state = apply(start(), { type: 'set', ref: '1.1', value: '0.15s 0.4s' }, bo);
    expect(viewRun(state).sections[0]?.items[0]?.flagged).toEqual([]);
  });

  it('refuses a non-number where a number is asked, and a value for a plain box', () => {
    expect(refusal(start(), { type: 'set', ref: '1.2', value: 'fine' }, bo)).toEqual({
      code: 'bad_value',
      message: 'item 1.2: Error Rate takes a number in %, e.g. 42.',
    });
    expect(refusal(start(), { type: 'set', ref: '1.5', value: '3' }, bo).code).toBe('wrong_kind');
    const free = apply(start(), { type: 'set', ref: '1.3', value: 'v2.4.1' }, bo);
    expect(viewRun(free).sections[0]?.items[2]?.value).toBe('v2.4.1');
  });

  it('tells people what to type instead of check for items that record something', () => {
    expect(refusal(start(), { type: 'check', refs: ['1.2'] }, bo).message).toBe(
      'item 1.2 records a value: /deploy set 1.2 <value>.',
    );
    expect(refusal(start(), { type: 'check', refs: ['1.4'] }, bo).message).toBe(
      'item 1.4 is a decision: /deploy decide 1.4 <Keep|Rollback>.',
    );
    expect(refusal(start(), { type: 'check', refs: ['2.1'] }, ana).message).toBe(
      'item 2.1 is a sign-off: /deploy signoff 2.1.',
    );
  });

  it('decides by a unique prefix, case-insensitively, and lists the options otherwise', () => {
    const state = apply(start(), { type: 'decide', ref: '1.4', option: 'ROLL' }, bo);
    expect(state.items[checklist.items[3]?.key as string]).toMatchObject({
      status: 'done',
      value: 'Rollback',
    });
    expect(refusal(start(), { type: 'decide', ref: '1.4', option: 'maybe' }, bo).message).toBe(
      'item 1.4 takes one of: Keep, Rollback.',
    );
  });

  it('lets only the named role sign off, naming the role when it refuses', () => {
    expect(refusal(start(), { type: 'signoff', ref: '2.1' }, bo)).toEqual({
      code: 'forbidden',
      message:
        'item 2.1 is the Engineering Lead sign-off: only someone with the role engineering-lead may sign it, and @bo does not have it. Someone with the role engineering-lead in oncall.yaml can give it for this run: /deploy assign engineering-lead @person.',
      role: 'engineering-lead',
    });
    const signed = apply(start(), { type: 'signoff', ref: '2.1' }, ana);
    expect(signed.items[checklist.items[5]?.key as string]).toMatchObject({ status: 'done', value: '@ana' });
  });

  it('lets anyone sign when no people directory is configured', () => {
    const signed = apply(start(), { type: 'signoff', ref: '2.1' }, { name: '@x', roles: null });
    expect(signed.items[checklist.items[5]?.key as string]?.status).toBe('done');
  });

  it('limits rollback and complete to the roles in the front matter; assign grants a role for the run', () => {
    expect(refusal(start(), { type: 'rollback', reason: 'p95 high' }, bo).message).toBe(
      'only engineering-lead may roll back this run, and @bo has neither role. (/deploy assign gives a role for this run.)',
    );
    expect(refusal(start(), { type: 'assign', role: 'engineering-lead', person: '@bo' }, eve).code).toBe(
      'forbidden',
    );
    const assigned = apply(start(), { type: 'assign', role: 'engineering-lead', person: '@bo' }, ana);
    expect(assigned.assignments).toEqual({ 'engineering-lead': ['@bo'] });
    const rolledBack = apply(assigned, { type: 'rollback', reason: 'p95 high' }, bo);
    expect(rolledBack.status).toBe('rolled_back');
    expect(refusal(start(), { type: 'complete' }, eve).code).toBe('forbidden');
  });

  it('completes once tasks, decisions and sign-offs are resolved; inputs are optional', () => {
    let state = apply(start(), { type: 'decide', ref: '1.4', option: 'keep' }, bo);
    state = apply(state, { type: 'check', refs: ['1.5'] }, bo);
    expect(refusal(state, { type: 'complete' }, bo).message).toContain('1 required item open: 2.1');
    state = apply(state, { type: 'signoff', ref: '2.1' }, ana);
    expect(apply(state, { type: 'complete' }, bo).status).toBe('completed');
  });

  it('clears the value when an item is reopened', () => {
    const set = apply(start(), { type: 'set', ref: '1.2', value: '0.2%' }, bo);
    const reopened = apply(set, { type: 'uncheck', ref: '1.2' }, bo);
    expect(reopened.items[checklist.items[1]?.key as string]).toMatchObject({ status: 'open', value: null });
  });

  it('marks a phase overdue only past its window with required items open', () => {
    const state = start();
    const early = viewRun(state, new Date(T0.getTime() + 10 * 60_000)).summary.phases[0];
    const late = viewRun(state, new Date(T0.getTime() + 16 * 60_000)).summary.phases[0];
    expect(early).toMatchObject({ window: 'First 15 minutes', overdue: false });
    expect(late?.overdue).toBe(true);
    expect(late?.dueAt?.toISOString()).toBe('2026-03-01T14:15:00.000Z');
  });
});

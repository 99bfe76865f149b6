import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatDeps } from '../../src/chat/handle.js';
import type { CheckExecutor } from '../../src/chat/runChecks.js';
import { buildReport } from '../../src/report/build.js';
import { RunHistory } from '../../src/report/historyService.js';
import { renderReportJson, renderReportMarkdown } from '../../src/report/render.js';
import { RunService } from '../../src/runs/service.js';
import type { StoredEvent } from '../../src/runs/store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { library, play, TestTime, type } from './drive.js';

const MINUTE = 60_000;

/** Answers each run of checks with the next of `results`: a failing health check, then a passing one. */
function scriptedChecks(
  results: { ok: boolean; value: string; latencyMs: number; detail: string }[],
): CheckExecutor {
  return {
    async run(entries) {
      const result = results.shift();
      if (!result) throw new Error('no more scripted check results');
      return new Map(entries.map((entry) => [entry.key, result]));
    },
  };
}

let database: TestDatabase;
let deps: ChatDeps;
let runs: RunService;
const time = new TestTime();

beforeAll(async () => {
  database = await createTestDatabase();
  runs = new RunService(database.handle.db, { clock: time.clock });
  deps = {
    runs,
    library,
    history: new RunHistory(database.handle.db, library),
    checks: scriptedChecks([
      { ok: false, value: '503', latencyMs: 87, detail: 'expected status 200, got 503' },
      { ok: true, value: '200', latencyMs: 41, detail: 'status 200' },
    ]),
  };
});
afterAll(async () => {
  await database.drop();
});

async function checklistOf(runId: string) {
  const state = await runs.get(runId);
  if (!state) throw new Error(`no run ${runId}`);
  return state.checklist;
}

async function latestRunId(): Promise<string> {
  const [latest] = await runs.recentRuns('terminal', 'local', 1);
  if (!latest) throw new Error('no run');
  return latest.id;
}

/** What the events say, counted without the report's code: the yardstick the report is held to. */
function fromEvents(events: StoredEvent[]) {
  const of = <T extends StoredEvent['type']>(kind: T) =>
    events.filter((event) => event.type === kind) as (StoredEvent & {
      payload: Extract<StoredEvent['payload'], { type: T }>;
    })[];
  const started = of('run_started')[0] as StoredEvent;
  const ended = events.find((event) => event.type.startsWith('run_') && event.type !== 'run_started');
  return {
    durationMs: ended ? ended.at.getTime() - started.at.getTime() : null,
    failedItems: of('item_failed').map((event) => [event.payload.key, event.payload.detail, event.actor]),
    checks: of('check_ran').map((event) => [event.payload.key, event.payload.ok, event.payload.latencyMs]),
    values: of('item_value_set').map((event) => [
      event.payload.key,
      event.payload.value,
      event.payload.flagged,
    ]),
    decisions: of('item_decided').map((event) => [event.payload.key, event.payload.option, event.actor]),
    signed: of('item_signed').map((event) => [event.payload.key, event.actor, event.at.getTime()]),
    skipped: of('item_skipped').map((event) => [event.payload.key, event.payload.reason, event.actor]),
    na: of('item_na').map((event) => event.payload.key),
    notes: of('note_added').length,
    roles: of('role_assigned').map((event) => [event.payload.role, event.payload.person]),
  };
}

describe('the report of a run driven through the terminal channel', () => {
  let printed: string[];
  let runId: string;

  beforeAll(async () => {
    printed = await play(deps, time, [
      { at: 0, line: '/deploy start web v3 --env production' },
      { at: 1, line: '/deploy check 1.1' },
      { at: 2, user: 'bo', line: '/deploy skip 1.2 "support is on holiday"' },
      { at: 3, line: '/deploy na 1.3' },
      { at: 5, line: '/deploy fail 2.1 deploy stuck at 50%' },
      { at: 6, line: '/deploy note 2.1: restarted the stuck pods' },
      { at: 7, line: '/deploy check 2.1' },
      { at: 8, line: '/deploy run-checks 2.2' },
      { at: 9, line: '/deploy run-checks 2.2' },
      // The check's pass is in the events; ticking it by hand too keeps the story independent of whether
      // the item projection follows check results (it does not yet: see the report's note to the lead).
      { at: 9, line: '/deploy check 2.2' },
      { at: 10, line: '/deploy set 3.1 640' },
      { at: 11, line: '/deploy set 3.2 0.5' },
      { at: 12, line: '/deploy assign engineering-lead @cy' },
      { at: 20, line: '/deploy decide 3.3 keep' },
      { at: 21, user: 'cy', line: '/deploy signoff 3.4' },
      { at: 22, line: '/deploy complete' },
    ]);
    runId = await latestRunId();
  });

  it('is posted when the run completes, after the run itself', () => {
    const last = printed.at(-1) as string;
    expect(last).toMatch(/COMPLETED · 9\/9 resolved/);
    const report = last.slice(last.indexOf('Report · '));
    expect(last.indexOf('Report · ')).toBeGreaterThan(last.indexOf('COMPLETED · 9/9'));
    expect(report).toContain(`Report · Web deploy · v3 · production · COMPLETED in 22m 00s · run ${runId}`);
    expect(report).toContain('Items: 9/9 resolved: 7 done, 1 skipped, 1 N/A, 0 failed, 0 open');
    expect(report).toContain('Phases: 1: 2m 00s · 2: 4m 00s · 3: 11m 00s (6m 00s late)');
    expect(report).toContain(
      'Failed: 2.1 deploy stuck at 50% (@ana, then done); 2.2 expected status 200, got 503',
    );
    expect(report).toContain('Skipped: 1.2 support is on holiday (@bo)');
    expect(report).toContain(
      'Values: 3.1 640 ms ⚠ past target: p95 latency 640 ms (target <500ms); 3.2 0.5%',
    );
    expect(report).toContain('Decisions: 3.3 Keep (@ana)');
    expect(report).toContain('Sign-offs: 3.4 @cy 14:21 UTC');
    // Two runs of one check are one line: the item, how often it ran, and where it stands now.
    expect(report).toContain('Checks: 1 item checked, 2 runs: 1 passing, 0 failing');
    expect(report).toContain('Follow-ups: none');
    expect(report).toContain(`Full report: /deploy report ${runId}`);
  });

  it('holds the same numbers as the events', async () => {
    const state = await runs.get(runId);
    const events = await runs.events(runId);
    const report = buildReport({
      runId,
      checklist: await checklistOf(runId),
      events,
      now: new Date(0),
    });
    const truth = fromEvents(events);
    const refOf = (key: string) => state?.checklist.items.find((item) => item.key === key)?.ref;

    expect(report.outcome).toBe('completed');
    expect(report.durationMs).toBe(truth.durationMs);
    expect(report.durationMs).toBe(22 * MINUTE);
    expect(report.eventCount).toBe(events.length);
    expect(
      report.failures.filter((failure) => failure.source === 'item').map((f) => [f.key, f.detail, f.actor]),
    ).toEqual(truth.failedItems);
    // One entry per checked item: how often it ran, how often it failed, and its last result.
    const last = truth.checks.at(-1) as (typeof truth.checks)[number];
    expect(report.checks.map((check) => [check.key, check.ok, check.latencyMs])).toEqual([last]);
    expect(report.checks[0]).toMatchObject({
      runs: truth.checks.length,
      failedRuns: truth.checks.filter(([, ok]) => !ok).length,
    });
    expect(report.failures.filter((failure) => failure.source === 'check')).toEqual([
      expect.objectContaining({ attempts: truth.checks.filter(([, ok]) => !ok).length }),
    ]);
    expect(report.values.map((value) => [value.key, value.value, value.flagged])).toEqual(truth.values);
    expect(report.values.find((value) => value.ref === '3.1')?.flagged).toEqual([
      'p95 latency 640 ms (target <500ms)',
    ]);
    expect(report.values.find((value) => value.ref === '3.2')?.flagged).toEqual([]);
    expect(report.decisions.map((decision) => [decision.key, decision.detail, decision.actor])).toEqual(
      truth.decisions,
    );
    expect(report.signoffs.map((signoff) => [signoff.key, signoff.actor, signoff.at.getTime()])).toEqual(
      truth.signed,
    );
    expect(report.signoffs[0]?.role).toBe('engineering-lead');
    expect(report.skipped.map((item) => [item.key, item.detail, item.actor])).toEqual(truth.skipped);
    expect(report.notApplicable.map((item) => item.key)).toEqual(truth.na);
    expect(report.notes).toHaveLength(truth.notes);
    expect(report.notes[0]).toMatchObject({ text: 'restarted the stuck pods', item: { ref: '2.1' } });
    expect(report.roles.map((role) => [role.role, role.person])).toEqual(truth.roles);
    expect(report.counts).toEqual({ total: 9, done: 7, skipped: 1, failed: 0, na: 1, open: 0 });
    expect(report.followUps).toEqual([]);
    // Phases: first to last resolution of their items, against their windows.
    const [before, deploy, after] = report.phases;
    expect([before?.durationMs, deploy?.durationMs, after?.durationMs]).toEqual([
      2 * MINUTE,
      4 * MINUTE,
      11 * MINUTE,
    ]);
    expect(before?.dueAt).toBeNull(); // "1 hour before" sets no deadline inside the run
    expect(after?.dueAt?.getTime()).toBe((report.startedAt as Date).getTime() + 15 * MINUTE);
    expect(after).toMatchObject({ late: true, lateByMs: 6 * MINUTE });
    expect(refOf(report.failures[1]?.key ?? '')).toBe('2.2');
  });

  it('renders as Markdown and as JSON with the same figures', async () => {
    const events = await runs.events(runId);
    const report = buildReport({
      runId,
      checklist: await checklistOf(runId),
      events,
      now: new Date(),
    });
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain('# Deployment report: Web deploy v3 (production)');
    expect(markdown).toContain('| Duration | 22m 00s |');
    expect(markdown).toContain(
      '| 3. After (First 15 minutes) | First 15 minutes | 11m 00s | 14:10 UTC → 14:21 UTC | 14:15 UTC · **late by 6m 00s** | 4/4 |',
    );
    expect(markdown).toContain(
      '**3.1** p95 latency: \\_\\_\\_ ms (target: \\<500ms) = **640 ms** · ⚠ past target',
    );
    expect(markdown).toContain('signed by `@cy` (engineering-lead) 2025-03-04 14:21:00 UTC');
    expect(markdown).toContain('None: every item was resolved.');
    const json = JSON.parse(renderReportJson(report));
    expect(json.schema).toBe('shipcheck.report.v2');
    expect(json.durationMs).toBe(22 * MINUTE);
    expect(json.startedAt).toBe('2025-03-04T14:00:00.000Z');
    expect(json.checks).toHaveLength(1);
    expect(json.checks[0]).toMatchObject({ runs: 2, failedRuns: 1, ok: true });
  });

  it('is produced again by /deploy report, for the latest run here when none is active', async () => {
    const again = await type(deps, ['/deploy report', `/deploy report ${runId}`, '/deploy report nosuchrun']);
    expect(again.match(/COMPLETED in 22m 00s/g)).toHaveLength(2);
    expect(again).toContain('there is no run nosuchrun.');
  });
});

describe('history', () => {
  beforeAll(async () => {
    // An aborted run of 5 minutes and a rolled-back one of 10, with the same troubled items.
    await play(deps, time, [
      { at: 60, line: '/deploy start web v4' },
      { at: 61, line: '/deploy skip 1.2 nobody there' },
      { at: 62, line: '/deploy fail 2.1 image missing' },
      { at: 65, line: '/deploy abort "bad build"' },
      { at: 120, line: '/deploy start web v5' },
      { at: 121, line: '/deploy skip 1.2 nobody there' },
      { at: 122, line: '/deploy fail 2.1 timeout' },
      { at: 123, line: '/deploy decide 3.3 rollback' },
      { at: 130, line: '/deploy rollback "errors after the deploy"' },
    ]);
  });

  it('posts the report of an aborted or rolled-back run, with how long the rollback took', async () => {
    const rolledBack = await latestRunId();
    const report = await type(deps, [`/deploy report ${rolledBack}`]);
    expect(report).toContain('ROLLED BACK in 10m 00s');
    expect(report).toContain('Rollback took 7m 00s from the decision “Rollback”');
    expect(report).toContain('Follow-ups: 1.1 open; 1.3 open; 2.1 failed; 2.2 open; 3.1 open; +2 more');
  });

  it('lists the runs here with outcome, version and duration, the median, and the troubled items', async () => {
    const printed = await type(deps, ['/deploy history web']);
    expect(printed).toMatch(/ · web-deploy v5 · rolled back · 10m 00s · 2025-03-04 16:22:00 UTC/);
    expect(printed).toMatch(/ · web-deploy v4 · aborted · 5m 00s · /);
    expect(printed).toMatch(/ · web-deploy v3 · production · completed · 22m 00s · /);
    // Durations 22, 5 and 10 minutes: the median is 10.
    expect(printed).toContain('web-deploy: median 10m 00s over 3 finished runs');
    const lines = printed.split('\n').map((line) => line.trim());
    const troubled = lines.slice(
      lines.indexOf('skipped or failed most often:') + 1,
      lines.indexOf('skipped or failed most often:') + 4,
    );
    expect(troubled).toEqual([
      '1.2 Tell support: failed in 0 of 3, skipped in 3 of 3',
      '2.1 Deploy started: failed in 3 of 3, skipped in 0 of 3',
      '2.2 Health check green: `GET https://shop.example.com/health`: failed in 1 of 3, skipped in 0 of 3',
    ]);
  });

  it('takes --limit and an unknown checklist', async () => {
    const printed = await type(deps, [
      '/deploy history --limit 1',
      '/deploy history nope',
      '/deploy history --limit 0',
    ]);
    expect(printed.match(/ · web-deploy v\d/g)).toEqual([' · web-deploy v5']);
    expect(printed).toContain('no runs of “nope” here yet.');
    expect(printed).toContain('--limit takes a whole number from 1 to 50.');
  });
});

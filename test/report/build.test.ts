import { describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/parse.js';
import { buildReport, type ReportEvent } from '../../src/report/build.js';
import { formatDuration } from '../../src/report/format.js';
import { checklistStats, median } from '../../src/report/history.js';
import { renderReportMarkdown, renderReportShort } from '../../src/report/render.js';
import { WEB_DEPLOY } from './drive.js';

const checklist = parseChecklist(WEB_DEPLOY, { name: 'web-deploy', file: 'web-deploy.md' });
const T0 = Date.parse('2025-03-04T14:00:00.000Z');
const key = (ref: string) => checklist.items.find((item) => item.ref === ref)?.key as string;

/** Events as the store gives them back: numbered, stamped `minutes` after T0. */
function story(entries: [minutes: number, actor: string, payload: Record<string, unknown>][]): ReportEvent[] {
  return entries.map(([minutes, actor, payload], index) => ({
    seq: index + 1,
    type: payload.type as string,
    actor,
    payload,
    at: new Date(T0 + minutes * 60_000),
  }));
}

const start: [number, string, Record<string, unknown>] = [
  0,
  '@ana',
  { type: 'run_started', checklistName: 'web-deploy', checklistHash: 'h', version: 'v9', environment: null },
];

describe('buildReport', () => {
  it('measures escalations from opening to the first acknowledgement, and keeps pages to names', () => {
    const events = story([
      start,
      [2, '@ana', { type: 'item_failed', key: key('2.1'), detail: 'stuck' }],
      [
        2,
        '@ana',
        {
          type: 'escalation_opened',
          escalationId: 'e1',
          severity: 'P1',
          policy: null,
          reason: 'item 2.1 failed',
          trigger: 'item_failed',
        },
      ],
      [
        3,
        '@shipcheck',
        {
          type: 'escalation_paged',
          escalationId: 'e1',
          step: 0,
          round: 0,
          targets: [{ person: 'bo', name: 'Bo Chen', via: 'slack', slack: 'U0SECRET' }],
          next: null,
        },
      ],
      [
        5,
        '@shipcheck',
        {
          type: 'escalation_paged',
          escalationId: 'e1',
          step: 1,
          round: 0,
          targets: [
            { channel: 'C123', via: 'slack' },
            { person: 'bo', name: 'Bo Chen', via: 'slack' },
          ],
          next: null,
        },
      ],
      [9, '@bo', { type: 'escalation_acknowledged', escalationId: 'e1' }],
      [10, '@cy', { type: 'escalation_acknowledged', escalationId: 'e1' }],
      [12, '@bo', { type: 'escalation_resolved', escalationId: 'e1' }],
    ]);
    const report = buildReport({ runId: 'r1', checklist, events, now: new Date(T0 + 60 * 60_000) });
    expect(report.escalations).toEqual([
      {
        id: 'e1',
        severity: 'P1',
        reason: 'item 2.1 failed',
        trigger: 'item_failed',
        openedBy: '@ana',
        openedAt: new Date(T0 + 2 * 60_000),
        pages: 2,
        paged: ['Bo Chen', '#C123'],
        acknowledgedBy: '@bo',
        acknowledgedAt: new Date(T0 + 9 * 60_000),
        timeToAcknowledgeMs: 7 * 60_000,
        resolvedBy: '@bo',
        resolvedAt: new Date(T0 + 12 * 60_000),
        changes: [],
      },
    ]);
    expect(JSON.stringify(report)).not.toContain('U0SECRET');
    expect(renderReportShort(report)).toContain(
      'Escalations: P1 item 2.1 failed: 2 pages, acknowledged by @bo after 7m 00s',
    );
    // Still active: measured up to now, and the unresolved failure is a follow-up.
    expect(report.outcome).toBe('active');
    expect(report.durationMs).toBe(60 * 60_000);
    expect(report.followUps.find((item) => item.ref === '2.1')).toMatchObject({
      status: 'failed',
      detail: 'stuck',
    });
  });

  it('counts event kinds it does not know without failing, and says so', () => {
    const events = story([
      start,
      [1, '@ana', { type: 'deploy_frobnicated', secret: 'hunter2' }],
      [2, '@ana', { type: 'deploy_frobnicated' }],
    ]);
    const report = buildReport({ runId: 'r1', checklist, events, now: new Date(T0) });
    expect(report.otherEvents).toEqual([{ type: 'deploy_frobnicated', count: 2 }]);
    expect(renderReportMarkdown(report)).toContain('not shown above: 2 × deploy\\_frobnicated');
    expect(renderReportMarkdown(report)).not.toContain('hunter2');
  });

  it('keeps only values, decisions and signatures that still stand at the end', () => {
    const events = story([
      start,
      [
        1,
        '@ana',
        {
          type: 'item_value_set',
          key: key('3.1'),
          value: '900 ms',
          flagged: ['p95 latency 900 ms (target <500ms)'],
        },
      ],
      [2, '@ana', { type: 'item_reopened', key: key('3.1'), previous: 'done' }],
      [3, '@ana', { type: 'item_value_set', key: key('3.1'), value: '300 ms', flagged: [] }],
      [4, '@ana', { type: 'item_decided', key: key('3.3'), option: 'Keep' }],
      [5, '@ana', { type: 'item_reopened', key: key('3.3'), previous: 'done' }],
      [6, '@cy', { type: 'item_signed', key: key('3.4'), role: 'engineering-lead' }],
    ]);
    const report = buildReport({ runId: 'r1', checklist, events, now: new Date(T0 + 6 * 60_000) });
    expect(report.values.map((value) => [value.ref, value.value, value.flagged])).toEqual([
      ['3.1', '300 ms', []],
    ]);
    expect(report.decisions).toEqual([]);
    expect(report.signoffs.map((signoff) => [signoff.ref, signoff.actor, signoff.role])).toEqual([
      ['3.4', '@cy', 'engineering-lead'],
    ]);
  });

  it('times a rollback from the first failure when nobody decided it, and a phase left unfinished', () => {
    const events = story([
      start,
      [4, '@ana', { type: 'item_failed', key: key('2.2'), detail: '503' }],
      [20, '@ana', { type: 'run_rolled_back', reason: 'errors' }],
    ]);
    const report = buildReport({ runId: 'r1', checklist, events, now: new Date(0) });
    expect(report.rollback).toMatchObject({
      reason: 'errors',
      by: '@ana',
      trigger: 'failure of 2.2',
      durationMs: 16 * 60_000,
    });
    expect(report.durationMs).toBe(20 * 60_000);
    const after = report.phases[2];
    // "First 15 minutes", nothing done by the end at 20: late by 5 minutes.
    expect(after).toMatchObject({ durationMs: null, late: true, lateByMs: 5 * 60_000 });
  });
});

describe('history figures', () => {
  it('median of odd and even counts', () => {
    expect(median([])).toBeNull();
    expect(median([5, 22, 10])).toBe(10);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('counts a run once per item however often it failed in it, and leaves active runs out', () => {
    const row = (id: string, minutes: number | null) => ({
      id,
      checklistName: 'web-deploy',
      version: null,
      environment: null,
      status: minutes === null ? 'active' : 'completed',
      startedAt: new Date(T0),
      endedAt: minutes === null ? null : new Date(T0 + minutes * 60_000),
    });
    const stats = checklistStats(
      'web-deploy',
      [row('a', 10), row('b', 30), row('c', null)],
      [
        { runId: 'a', type: 'item_failed', payload: { key: key('2.1') } },
        { runId: 'a', type: 'item_failed', payload: { key: key('2.1') } },
        { runId: 'a', type: 'check_ran', payload: { key: key('2.2'), ok: true } },
        { runId: 'b', type: 'check_ran', payload: { key: key('2.2'), ok: false } },
        { runId: 'b', type: 'item_skipped', payload: { key: key('1.2') } },
        { runId: 'c', type: 'item_skipped', payload: { key: key('1.2') } },
      ],
      checklist,
    );
    expect(stats.finished).toBe(2);
    expect(stats.medianMs).toBe(20 * 60_000);
    expect(stats.items.map((item) => [item.ref, item.failed, item.skipped])).toEqual([
      ['1.2', 0, 1],
      ['2.1', 1, 0],
      ['2.2', 1, 0],
    ]);
  });
});

describe('formatDuration', () => {
  it('is short and exact enough', () => {
    expect([0, 45_000, 724_000, 3_720_000, 2 * 86_400_000 + 3 * 3_600_000, null].map(formatDuration)).toEqual(
      ['0s', '45s', '12m 04s', '1h 02m', '2d 3h', '—'],
    );
  });
});

import type { Checklist } from '../checklist/types.js';
import { formatDuration, formatTimestamp, OUTCOME_WORD } from './format.js';

/**
 * What a channel's past runs say, pure: each run's outcome and duration, the median duration of a
 * checklist's finished runs, and which of its items are skipped or fail most often (the ones to fix).
 */

export interface RunRow {
  id: string;
  checklistName: string;
  version: string | null;
  environment: string | null;
  status: string;
  startedAt: Date;
  endedAt: Date | null;
}

export interface HistoryRun extends RunRow {
  /** Start to end; null while the run is active. */
  durationMs: number | null;
}

export interface ItemTrouble {
  key: string;
  ref: string;
  text: string;
  /** In how many of the finished runs the item was skipped (at least once), and failed (at least once). */
  skipped: number;
  failed: number;
}

export interface ChecklistStats {
  checklistName: string;
  title: string;
  /** The finished runs the figures come from. */
  finished: number;
  medianMs: number | null;
  /** Most troubled first; only items that were skipped or failed at least once. */
  items: ItemTrouble[];
}

export interface TroubleEvent {
  runId: string;
  type: string;
  payload: unknown;
}

export function historyRuns(rows: readonly RunRow[]): HistoryRun[] {
  return rows.map((row) => ({
    ...row,
    durationMs: row.endedAt ? row.endedAt.getTime() - row.startedAt.getTime() : null,
  }));
}

/**
 * `rows` are one checklist's runs; `events` their skip, failure and check events; `checklist` names the
 * items (the current file, else the latest run's frozen copy; keys are stable across edits of the text
 * around them). Only finished runs count: an active run has not had its chance to skip anything yet.
 */
export function checklistStats(
  checklistName: string,
  rows: readonly RunRow[],
  events: readonly TroubleEvent[],
  checklist: Checklist | null,
  top = 5,
): ChecklistStats {
  const finished = historyRuns(rows).filter((run) => run.durationMs !== null);
  const finishedIds = new Set(finished.map((run) => run.id));
  const skippedIn = new Map<string, Set<string>>();
  const failedIn = new Map<string, Set<string>>();
  for (const event of events) {
    if (!finishedIds.has(event.runId)) continue;
    const payload = (event.payload ?? {}) as Record<string, unknown>;
    const key = typeof payload.key === 'string' ? payload.key : null;
    if (!key) continue;
    const failed = event.type === 'item_failed' || (event.type === 'check_ran' && payload.ok === false);
    const target = event.type === 'item_skipped' ? skippedIn : failed ? failedIn : null;
    if (!target) continue;
    const runsOfKey = target.get(key) ?? new Set<string>();
    runsOfKey.add(event.runId);
    target.set(key, runsOfKey);
  }
  const byKey = new Map((checklist?.items ?? []).map((item) => [item.key, item]));
  const order = new Map((checklist?.items ?? []).map((item, index) => [item.key, index]));
  const keys = new Set([...skippedIn.keys(), ...failedIn.keys()]);
  const items = [...keys]
    .map((key) => ({
      key,
      ref: byKey.get(key)?.ref ?? key,
      text: byKey.get(key)?.text ?? '(no longer in the checklist)',
      skipped: skippedIn.get(key)?.size ?? 0,
      failed: failedIn.get(key)?.size ?? 0,
    }))
    .sort(
      (a, b) =>
        b.skipped + b.failed - (a.skipped + a.failed) ||
        (order.get(a.key) ?? Number.MAX_SAFE_INTEGER) - (order.get(b.key) ?? Number.MAX_SAFE_INTEGER),
    )
    .slice(0, top);
  return {
    checklistName,
    title: checklist?.title ?? checklistName,
    finished: finished.length,
    medianMs: median(finished.map((run) => run.durationMs as number)),
    items,
  };
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function renderHistoryText(runs: readonly HistoryRun[], stats: readonly ChecklistStats[]): string {
  if (runs.length === 0) return 'No runs here yet. /deploy start <checklist> begins one.';
  const lines = ['Recent runs here:'];
  for (const run of runs) {
    const version = run.version ? ` ${run.version}` : '';
    const environment = run.environment ? ` · ${run.environment}` : '';
    const outcome = OUTCOME_WORD[run.status as keyof typeof OUTCOME_WORD] ?? run.status;
    const duration = run.durationMs === null ? 'running' : formatDuration(run.durationMs);
    lines.push(
      `  ${run.id} · ${run.checklistName}${version}${environment} · ${outcome} · ${duration} · ${formatTimestamp(run.startedAt)}`,
    );
  }
  for (const stat of stats) {
    if (stat.finished === 0) {
      lines.push(`${stat.checklistName}: no finished runs here yet.`);
      continue;
    }
    lines.push(
      `${stat.checklistName}: median ${formatDuration(stat.medianMs)} over ${stat.finished} finished run${stat.finished === 1 ? '' : 's'}`,
    );
    if (stat.items.length === 0) {
      lines.push('  no item was skipped or failed in them');
      continue;
    }
    lines.push('  skipped or failed most often:');
    for (const item of stat.items) {
      lines.push(
        `    ${item.ref} ${item.text}: failed in ${item.failed} of ${stat.finished}, skipped in ${item.skipped} of ${stat.finished}`,
      );
    }
  }
  return lines.join('\n');
}

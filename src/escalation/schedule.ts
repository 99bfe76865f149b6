import type { RunEvent, RunState } from '../runs/types.js';

/**
 * Which durable timers a change needs, derived from its events: pure, so the service can write them in
 * the same transaction as the events. Keys are deterministic, so a job is never scheduled twice.
 */
export interface TimerJob {
  key: string;
  runId: string;
  kind: TimerKind;
  payload: Record<string, unknown>;
  dueAt: Date;
}

export type TimerKind =
  | 'escalate'
  | 'deadline'
  | 'nudge'
  | 'remind'
  | 'deliver'
  | 'send'
  | 'stall'
  | 'recheck';

/** At most this many cadence reminders per phase, so "every 5 minutes" without an end stays bounded. */
const MAX_REMINDERS = 24;
const MAX_RECHECKS = 288;

export interface ScheduleOptions {
  /** oncall.yaml's stall_minutes: a run with no progress for this long escalates. */
  stallMinutes?: number | null;
}

export function timersFor(
  state: RunState,
  events: RunEvent[],
  now: Date,
  options: ScheduleOptions = {},
): TimerJob[] {
  const jobs: TimerJob[] = [];
  // Progress is an item changing (or the start); each one sets a new watch, keyed by the revision it made
  // (the store deletes the watch it replaces).
  const progress = events.some(
    (event) => event.type === 'run_started' || event.type.startsWith('item_') || event.type === 'check_ran',
  );
  if (progress && options.stallMinutes && state.status === 'active') {
    jobs.push({
      key: `stall:${state.id}:${state.revision}`,
      runId: state.id,
      kind: 'stall',
      payload: { progressAt: now.toISOString() },
      dueAt: new Date(now.getTime() + options.stallMinutes * 60_000),
    });
  }
  for (const event of events) {
    if (event.type === 'run_started') jobs.push(...phaseTimers(state));
    if (event.type === 'escalation_opened' || event.type === 'escalation_raised') {
      const raises = event.type === 'escalation_raised' ? raisesOf(state, event.escalationId) : 0;
      jobs.push({
        key: pageTimerKey(event.escalationId, raises, 0, 0),
        runId: state.id,
        kind: 'escalate',
        payload: { escalationId: event.escalationId, step: 0, round: 0 },
        dueAt: now,
      });
    }
    if (event.type === 'escalation_acknowledged' || event.type === 'escalation_resolved') {
      const outcome = event.type === 'escalation_acknowledged' ? 'acknowledged' : 'resolved';
      jobs.push({
        key: `deliver:${event.escalationId}:${outcome}`,
        runId: state.id,
        kind: 'deliver',
        payload: { escalationId: event.escalationId, outcome },
        dueAt: now,
      });
    }
    if (event.type === 'escalation_paged') {
      const raises = raisesOf(state, event.escalationId);
      jobs.push({
        key: `deliver:${pagePosition(event.escalationId, raises, event.step, event.round)}`,
        runId: state.id,
        kind: 'deliver',
        payload: {
          escalationId: event.escalationId,
          step: event.step,
          round: event.round,
          targets: event.targets,
          // What the page is about, as it was when paged: by delivery (or a retry of it) the run may
          // have resolved this escalation and opened another.
          ...(state.escalation?.id === event.escalationId
            ? { severity: state.escalation.severity, reason: state.escalation.reason }
            : {}),
        },
        dueAt: now,
      });
      if (event.next) {
        const next = event.next;
        jobs.push({
          key: pageTimerKey(event.escalationId, raises, next.step, next.round),
          runId: state.id,
          kind: 'escalate',
          payload: { escalationId: event.escalationId, step: next.step, round: next.round },
          dueAt: new Date(next.dueAt),
        });
      }
    }
  }
  return jobs;
}

/**
 * Where a page sits: escalation, step, round, and after a raise the raise's number, so the raised path's
 * pages get keys of their own rather than the keys of the pages already sent at the lesser severity.
 */
function pagePosition(escalationId: string, raises: number, step: number, round: number): string {
  return raises > 0 ? `${escalationId}:r${raises}:${step}:${round}` : `${escalationId}:${step}:${round}`;
}

/** The key of the timer that pages a step: also what the escalation audit schedules when one is missing. */
export function pageTimerKey(escalationId: string, raises: number, step: number, round: number): string {
  return `escalate:${pagePosition(escalationId, raises, step, round)}`;
}

function raisesOf(state: RunState, escalationId: string): number {
  return state.escalation?.id === escalationId ? (state.escalation.raises ?? 0) : 0;
}

/** The n-th repetition of an item's check, or null when its schedule is over. */
export function recheckJob(state: RunState, itemKey: string, n: number): TimerJob | null {
  const repeat = state.checklist.items.find((item) => item.key === itemKey)?.check?.repeat;
  if (!repeat || n < 1 || n > MAX_RECHECKS) return null;
  const offset = n * repeat.everyMinutes;
  if (repeat.forMinutes !== null && offset > repeat.forMinutes) return null;
  return {
    key: `recheck:${state.id}:${itemKey}:${n}`,
    runId: state.id,
    kind: 'recheck',
    payload: { itemKey, n },
    dueAt: new Date(state.startedAt.getTime() + offset * 60_000),
  };
}

/** A deadline at the end of each phase's window, a nudge shortly before it, and the checklist's reminders. */
function phaseTimers(state: RunState): TimerJob[] {
  const jobs: TimerJob[] = [];
  const start = state.startedAt.getTime();
  for (const phase of state.checklist.phases) {
    const end = phase.window?.endMinutes ?? 0;
    if (end <= 0) continue;
    const dueAt = new Date(start + end * 60_000);
    jobs.push({
      key: `deadline:${state.id}:${phase.key}`,
      runId: state.id,
      kind: 'deadline',
      payload: { phaseKey: phase.key },
      dueAt,
    });
    // Nudge a fifth of the window before the deadline, at most 15 minutes before, never at the start.
    const lead = Math.min(15, end / 5);
    if (lead >= 1) {
      jobs.push({
        key: `nudge:${state.id}:${phase.key}`,
        runId: state.id,
        kind: 'nudge',
        payload: { phaseKey: phase.key },
        dueAt: new Date(dueAt.getTime() - lead * 60_000),
      });
    }
  }
  // Checks that repeat by themselves ("every: 5m, for: 30m"): one pending at a time, each run of it
  // schedules the next (recheckAfter), a day's worth at most.
  for (const item of state.checklist.items) {
    const first = recheckJob(state, item.key, 1);
    if (first) jobs.push(first);
  }
  for (const [index, reminder] of state.checklist.reminders.entries()) {
    const phase = state.checklist.phases.find((candidate) => candidate.ref === reminder.phaseRef);
    const from = Math.max(0, phase?.window?.startMinutes ?? 0);
    const until =
      reminder.forMinutes ??
      (phase?.window && phase.window.endMinutes > from ? phase.window.endMinutes - from : null);
    for (let n = 1; n <= MAX_REMINDERS; n++) {
      const offset = n * reminder.everyMinutes;
      if (until !== null && offset > until) break;
      jobs.push({
        key: `remind:${state.id}:${index}:${n}`,
        runId: state.id,
        kind: 'remind',
        payload: { phaseRef: reminder.phaseRef, text: reminder.text },
        dueAt: new Date(start + (from + offset) * 60_000),
      });
    }
  }
  return jobs;
}

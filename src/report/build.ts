import { phaseDueAt } from '../checklist/deadline.js';
import type { Checklist, ChecklistItem, ChecklistPhase } from '../checklist/types.js';
import type {
  CheckEntry,
  EscalationEntry,
  FailureEntry,
  FollowUpEntry,
  ItemCounts,
  ItemEntry,
  NoteEntry,
  PhaseReport,
  Report,
  ReportOutcome,
  RoleEntry,
  RollbackEntry,
  SignoffEntry,
  ValueEntry,
} from './types.js';

/**
 * Builds a run's report from its stored events and its frozen checklist. Pure: no I/O, no clock (`now` is
 * only used as the end of a run that has not ended). It replays the events itself rather than reading the
 * run_items projection, so the report says exactly what the audit log says.
 *
 * Events are read defensively (`type` as a string, payload as unknown): event kinds are added over time
 * (escalations, …) and an old report builder must never throw on a newer log.
 */
export interface ReportEvent {
  seq: number;
  type: string;
  actor: string;
  payload: unknown;
  at: Date;
}

export interface ReportInput {
  runId: string;
  checklist: Checklist;
  events: readonly ReportEvent[];
  now: Date;
}

type Status = 'open' | 'done' | 'skipped' | 'failed' | 'na';

interface ItemRecord {
  status: Status;
  detail: string | null;
  actor: string;
  at: Date;
}

/** What an item's latest event left standing: a value, a decision or a signature (or nothing). */
type Standing =
  | { kind: 'value'; entry: ValueEntry }
  | { kind: 'decision'; entry: ItemEntry }
  | { kind: 'signoff'; entry: SignoffEntry };

const ITEM_STATUS: Record<string, Status> = {
  item_checked: 'done',
  item_skipped: 'skipped',
  item_failed: 'failed',
  item_na: 'na',
  item_reopened: 'open',
  item_value_set: 'done',
  item_decided: 'done',
  item_signed: 'done',
};

export function buildReport(input: ReportInput): Report {
  const { checklist, events } = input;
  const itemsByKey = new Map(checklist.items.map((item) => [item.key, item]));
  const describe = (key: string) => {
    const item = itemsByKey.get(key);
    // An event about a key the frozen checklist lacks cannot happen through the machine; show it anyway.
    return { key, ref: item?.ref ?? key, text: item?.text ?? key };
  };

  const records = new Map<string, ItemRecord>();
  const standing = new Map<string, Standing>();
  const resolvedTimes = new Map<string, Date[]>();
  const failures: Omit<FailureEntry, 'endStatus'>[] = [];
  // One failure per item and source: a check that failed five times is one failure, tried five times.
  const failureAt = new Map<string, Omit<FailureEntry, 'endStatus'>>();
  const addFailure = (failure: Omit<FailureEntry, 'endStatus' | 'attempts'>) => {
    const id = `${failure.source}:${failure.key}`;
    const known = failureAt.get(id);
    if (known) {
      Object.assign(known, { detail: failure.detail, actor: failure.actor, at: failure.at });
      known.attempts += 1;
      return;
    }
    const entry = { ...failure, attempts: 1 };
    failureAt.set(id, entry);
    failures.push(entry);
  };
  const checks = new Map<string, CheckEntry>();
  const criterionKeys = new Set(
    checklist.rollbackCriteria.flatMap((criterion) => (criterion.itemKey ? [criterion.itemKey] : [])),
  );
  const triggered = new Map<string, { at: Date; actor: string }>();
  const notes: NoteEntry[] = [];
  const roles: RoleEntry[] = [];
  const escalations = new Map<string, EscalationEntry>();
  const other = new Map<string, number>();
  let startedAt: Date | null = null;
  let startedBy: string | null = null;
  let version: string | null = null;
  let environment: string | null = null;
  let outcome: ReportOutcome = 'active';
  let ended: { at: Date; by: string; reason: string | null } | null = null;
  let rollbackDecision: { at: Date; option: string } | null = null;
  let rollbackStart: { at: Date; by: string } | null = null;

  const setItem = (key: string, status: Status, detail: string | null, event: ReportEvent) => {
    records.set(key, { status, detail, actor: event.actor, at: event.at });
    standing.delete(key);
    if (status !== 'open') {
      const times = resolvedTimes.get(key) ?? [];
      times.push(event.at);
      resolvedTimes.set(key, times);
    }
  };

  for (const event of events) {
    const payload = asRecord(event.payload);
    const key = text(payload.key);
    const itemStatus = ITEM_STATUS[event.type];
    if (itemStatus && key) {
      const detail =
        event.type === 'item_skipped'
          ? text(payload.reason)
          : event.type === 'item_failed'
            ? text(payload.detail)
            : event.type === 'item_decided'
              ? text(payload.option)
              : null;
      setItem(key, itemStatus, detail, event);
      if (event.type === 'item_checked' && criterionKeys.has(key) && !triggered.has(key) && !payload.auto) {
        triggered.set(key, { at: event.at, actor: event.actor });
      }
      if (event.type === 'item_failed') {
        addFailure({
          ...describe(key),
          detail: detail ?? '',
          actor: event.actor,
          at: event.at,
          source: 'item',
        });
      } else if (event.type === 'item_value_set') {
        const flagged = Array.isArray(payload.flagged) ? payload.flagged.map(String) : [];
        const entry = {
          ...describe(key),
          value: text(payload.value) ?? '',
          flagged,
          actor: event.actor,
          at: event.at,
        };
        standing.set(key, { kind: 'value', entry });
      } else if (event.type === 'item_decided') {
        standing.set(key, {
          kind: 'decision',
          entry: { ...describe(key), detail, actor: event.actor, at: event.at },
        });
        if (detail && /roll\s*back/i.test(detail)) rollbackDecision ??= { at: event.at, option: detail };
      } else if (event.type === 'item_signed') {
        const role = text(payload.role) ?? itemsByKey.get(key)?.signoff?.roleId ?? '';
        standing.set(key, {
          kind: 'signoff',
          entry: { ...describe(key), role, actor: event.actor, at: event.at },
        });
      }
      continue;
    }
    switch (event.type) {
      case 'run_started':
        startedAt = event.at;
        startedBy = event.actor;
        version = text(payload.version);
        environment = text(payload.environment);
        break;
      case 'check_ran': {
        if (!key) break;
        const ok = payload.ok === true;
        const detail = text(payload.detail) ?? '';
        setItem(key, ok ? 'done' : 'failed', ok ? null : detail, event);
        const before = checks.get(key);
        checks.set(key, {
          ...describe(key),
          ok,
          value: text(payload.value),
          latencyMs: typeof payload.latencyMs === 'number' ? payload.latencyMs : 0,
          detail,
          actor: event.actor,
          at: event.at,
          runs: (before?.runs ?? 0) + 1,
          failedRuns: (before?.failedRuns ?? 0) + (ok ? 0 : 1),
        });
        if (!ok) addFailure({ ...describe(key), detail, actor: event.actor, at: event.at, source: 'check' });
        break;
      }
      case 'note_added':
        notes.push({
          item: key ? describe(key) : null,
          text: text(payload.text) ?? '',
          actor: event.actor,
          at: event.at,
        });
        break;
      case 'role_assigned':
        roles.push({
          role: text(payload.role) ?? '',
          person: text(payload.person) ?? '',
          by: event.actor,
          at: event.at,
        });
        break;
      case 'rollback_started':
        rollbackStart ??= { at: event.at, by: event.actor };
        break;
      case 'run_completed':
      case 'run_aborted':
      case 'run_rolled_back':
        outcome =
          event.type === 'run_completed'
            ? 'completed'
            : event.type === 'run_aborted'
              ? 'aborted'
              : 'rolled_back';
        ended = { at: event.at, by: event.actor, reason: text(payload.reason) };
        break;
      default:
        if (event.type.startsWith('escalation_')) readEscalation(escalations, event, payload);
        else other.set(event.type, (other.get(event.type) ?? 0) + 1);
    }
  }

  const endedAt = ended?.at ?? null;
  const asOf = endedAt ?? input.now;
  const statusOf = (key: string): Status => records.get(key)?.status ?? 'open';
  const itemEntries = (status: Status): ItemEntry[] =>
    checklist.items.flatMap((item) => {
      const record = records.get(item.key);
      return record && record.status === status
        ? [
            {
              key: item.key,
              ref: item.ref,
              text: item.text,
              detail: record.detail,
              actor: record.actor,
              at: record.at,
            },
          ]
        : [];
    });
  const standingOf = <K extends Standing['kind']>(kind: K) =>
    checklist.items.flatMap((item) => {
      const entry = standing.get(item.key);
      return entry && entry.kind === kind ? [entry.entry as Extract<Standing, { kind: K }>['entry']] : [];
    });

  const finished = ended;
  return {
    runId: input.runId,
    checklistName: checklist.name,
    title: checklist.title,
    version,
    environment,
    outcome,
    startedAt,
    startedBy,
    endedAt,
    endedBy: finished?.by ?? null,
    endReason: finished?.reason ?? null,
    durationMs: startedAt ? asOf.getTime() - startedAt.getTime() : null,
    asOf,
    counts: countItems(checklist.items, statusOf),
    phases: checklist.phases.map((phase) =>
      reportPhase(phase, checklist.items, statusOf, resolvedTimes, startedAt, asOf),
    ),
    failures: failures.map((failure) => ({ ...failure, endStatus: statusOf(failure.key) })),
    skipped: itemEntries('skipped'),
    notApplicable: itemEntries('na'),
    values: standingOf('value'),
    decisions: standingOf('decision'),
    signoffs: standingOf('signoff'),
    checks: [...checks.values()],
    criteria: checklist.rollbackCriteria.flatMap((criterion) => {
      if (!criterion.itemKey) return [];
      const when = triggered.get(criterion.itemKey);
      return [
        {
          text: criterion.text,
          ref: describe(criterion.itemKey).ref,
          status: when ? ('triggered' as const) : ('not triggered' as const),
          at: when?.at ?? null,
          actor: when?.actor ?? null,
        },
      ];
    }),
    notes,
    roles,
    escalations: [...escalations.values()],
    rollback:
      outcome === 'rolled_back' && finished
        ? rollbackOf(finished, rollbackDecision, failures[0] ?? null, rollbackStart)
        : null,
    followUps: followUpsOf(checklist.items, records, criterionKeys),
    eventCount: events.length,
    otherEvents: [...other.entries()].map(([type, count]) => ({ type, count })),
  };
}

function reportPhase(
  phase: ChecklistPhase,
  allItems: readonly ChecklistItem[],
  statusOf: (key: string) => Status,
  resolvedTimes: Map<string, Date[]>,
  startedAt: Date | null,
  asOf: Date,
): PhaseReport {
  const items = allItems.filter((item) => item.phaseKey === phase.key);
  const times = items.flatMap((item) => resolvedTimes.get(item.key) ?? []).map((at) => at.getTime());
  const firstAt = times.length > 0 ? new Date(Math.min(...times)) : null;
  const lastAt = times.length > 0 ? new Date(Math.max(...times)) : null;
  const window = phase.window
    ? {
        text: phase.window.text,
        startMinutes: phase.window.startMinutes,
        endMinutes: phase.window.endMinutes,
      }
    : null;
  const dueAt = startedAt ? phaseDueAt(startedAt, window) : null;
  const unfinished = items.some((item) => item.required && !isSettled(statusOf(item.key)));
  // A phase that never finished is measured against the end of the run (or now).
  const finishedAt = unfinished ? asOf : lastAt;
  let late: boolean | null = null;
  let lateByMs: number | null = null;
  if (dueAt) {
    late = finishedAt !== null && finishedAt.getTime() > dueAt.getTime();
    // Unfinished but the run ended before the deadline: it was not late, and not on time either.
    if (unfinished && !late) late = null;
    if (late && finishedAt) lateByMs = finishedAt.getTime() - dueAt.getTime();
  }
  return {
    ref: phase.ref,
    title: phase.title,
    window,
    firstAt,
    lastAt,
    durationMs: firstAt && lastAt ? lastAt.getTime() - firstAt.getTime() : null,
    dueAt,
    late,
    lateByMs,
    counts: countItems(items, statusOf),
  };
}

function isSettled(status: Status): boolean {
  return status === 'done' || status === 'skipped' || status === 'na';
}

function countItems(items: readonly ChecklistItem[], statusOf: (key: string) => Status): ItemCounts {
  const counts: ItemCounts = { total: items.length, done: 0, skipped: 0, failed: 0, na: 0, open: 0 };
  for (const item of items) counts[statusOf(item.key)] += 1;
  return counts;
}

/** What is left to do: a rollback criterion still open is one that did not happen, not a task. */
function followUpsOf(
  items: readonly ChecklistItem[],
  records: Map<string, ItemRecord>,
  criterionKeys: ReadonlySet<string>,
): FollowUpEntry[] {
  return items.flatMap((item) => {
    const record = records.get(item.key);
    const status = record?.status ?? 'open';
    if (status !== 'open' && status !== 'failed') return [];
    if (status === 'open' && criterionKeys.has(item.key)) return [];
    return [
      {
        key: item.key,
        ref: item.ref,
        text: item.text,
        status,
        required: item.required,
        kind: item.kind,
        detail: status === 'failed' ? (record?.detail ?? null) : null,
      },
    ];
  });
}

function rollbackOf(
  ended: { at: Date; by: string; reason: string | null },
  decision: { at: Date; option: string } | null,
  firstFailure: { ref: string; at: Date } | null,
  started: { at: Date; by: string } | null,
): RollbackEntry {
  const trigger = decision
    ? { at: decision.at, what: `decision “${decision.option}”` }
    : firstFailure
      ? { at: firstFailure.at, what: `failure of ${firstFailure.ref}` }
      : started
        ? { at: started.at, what: `rollback started by ${started.by}` }
        : null;
  return {
    reason: ended.reason ?? '',
    by: ended.by,
    at: ended.at,
    startedAt: started?.at ?? null,
    stepsMs: started ? ended.at.getTime() - started.at.getTime() : null,
    triggeredAt: trigger?.at ?? null,
    trigger: trigger?.what ?? null,
    durationMs: trigger ? ended.at.getTime() - trigger.at.getTime() : null,
  };
}

function readEscalation(
  escalations: Map<string, EscalationEntry>,
  event: ReportEvent,
  payload: Record<string, unknown>,
): void {
  const id = text(payload.escalationId) ?? text(payload.id) ?? 'escalation';
  let entry = escalations.get(id);
  if (!entry) {
    entry = {
      id,
      severity: null,
      reason: null,
      trigger: null,
      openedBy: event.actor,
      openedAt: null,
      pages: 0,
      paged: [],
      acknowledgedBy: null,
      acknowledgedAt: null,
      timeToAcknowledgeMs: null,
      resolvedBy: null,
      resolvedAt: null,
      changes: [],
    };
    escalations.set(id, entry);
  }
  switch (event.type) {
    case 'escalation_opened':
      entry.openedBy = event.actor;
      entry.openedAt = event.at;
      entry.severity = text(payload.severity);
      entry.reason = text(payload.reason);
      entry.trigger = text(payload.trigger);
      break;
    case 'escalation_paged': {
      entry.pages += 1;
      const targets = Array.isArray(payload.targets) ? payload.targets : [];
      for (const target of targets) {
        // Names and channels only: a target's platform ids are no one's business in a report.
        const record = asRecord(target);
        const name =
          text(record.name) ??
          text(record.person) ??
          (text(record.channel) ? `#${text(record.channel)}` : null);
        if (name && !entry.paged.includes(name)) entry.paged.push(name);
      }
      break;
    }
    case 'escalation_acknowledged':
      // The first acknowledgement is the one that stopped the pages.
      if (entry.acknowledgedAt) break;
      entry.acknowledgedBy = event.actor;
      entry.acknowledgedAt = event.at;
      {
        // After a raise, what counts is how long the worse news waited for someone.
        const raised = entry.changes.filter((change) => change.kind === 'raised').at(-1);
        const since = raised?.at ?? entry.openedAt;
        entry.timeToAcknowledgeMs = since ? event.at.getTime() - since.getTime() : null;
      }
      break;
    case 'escalation_resolved':
      entry.resolvedBy = event.actor;
      entry.resolvedAt = event.at;
      break;
    case 'escalation_raised':
      entry.changes.push({
        kind: 'raised',
        from: text(payload.from),
        severity: text(payload.severity),
        reason: text(payload.reason) ?? '',
        by: event.actor,
        at: event.at,
      });
      // The escalation is now what it was raised to; the acknowledgement of the lesser one no longer holds.
      entry.severity = text(payload.severity) ?? entry.severity;
      entry.acknowledgedBy = null;
      entry.acknowledgedAt = null;
      entry.timeToAcknowledgeMs = null;
      break;
    case 'escalation_noted':
      entry.changes.push({
        kind: 'noted',
        from: null,
        severity: text(payload.severity),
        reason: text(payload.reason) ?? '',
        by: event.actor,
        at: event.at,
      });
      break;
    default:
      // Kinds yet to come: the escalation exists; nothing more to count.
      break;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

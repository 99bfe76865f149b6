import { phaseDueAt } from '../checklist/deadline.js';
import type { ChecklistItem, ItemKind } from '../checklist/types.js';
import { isResolved, itemState } from './machine.js';
import { isRequiredNow } from './required.js';
import type { ItemStatus, RunState, RunStatus } from './types.js';
import { readInput } from './values.js';

/**
 * The platform-neutral picture of a run, derived from its state and nothing else. Each platform renders
 * it into messages: the summary is one part, each section another, so a change re-renders only its part.
 */
export interface RunView {
  summary: SummaryView;
  sections: SectionView[];
}

export interface Progress {
  total: number;
  resolved: number;
  done: number;
  skipped: number;
  failed: number;
  na: number;
  open: number;
}

export interface PhaseView {
  ref: string;
  title: string;
  progress: Progress;
  /** The phase's time window as written ("First 5 Minutes") and its deadline, when it has one after the start. */
  window: string | null;
  dueAt: Date | null;
  /** Past its deadline with required items still unresolved (only known when the view is given `now`). */
  overdue: boolean;
  /** A deadline still ahead with required items unresolved: shown before it passes, not only after. */
  upcoming: boolean;
}

export interface SummaryView {
  partId: 'summary';
  runId: string;
  title: string;
  checklistName: string;
  version: string | null;
  environment: string | null;
  status: RunStatus;
  revision: number;
  startedBy: string;
  startedAt: Date;
  endedAt: Date | null;
  endedBy: string | null;
  endReason: string | null;
  progress: Progress;
  /** Required items still open or failed: what stands between the run and "complete" (or, rolling back, its end). */
  blocking: number;
  /** Set while the run goes through its rollback steps. */
  rollingBack: { since: Date; by: string; reason: string } | null;
  /** When the view was made and the run's time zone: what "today" means when a time is shown. */
  asOf: Date;
  timeZone: string;
  /** The open escalation: why, who owns it, and when the next page goes out. */
  escalation: {
    id: string;
    severity: string;
    reason: string;
    status: 'open' | 'acknowledged';
    ackedBy: string | null;
    nextPageAt: Date | null;
    pages: number;
  } | null;
  phases: PhaseView[];
}

export interface ItemView {
  key: string;
  ref: string;
  text: string;
  kind: ItemKind;
  /** For an open item that records something: what to type (`set 3.2 <value>`), else null. */
  hint: string | null;
  /** A decision's choices as the checklist writes them (`Keep`, `Rollback`); empty for other kinds. */
  options: string[];
  /** The recorded value, decision or signer. */
  value: string | null;
  /** Fields whose recorded value is past the checklist's target. */
  flagged: string[];
  depth: number;
  /**
   * Whether the line reads as required: what the checklist says, or a rollback step once the run rolls
   * back. A forward item keeps its own marking during a rollback (the summary says those no longer hold
   * the run), so starting one rewrites only the messages of the rollback steps.
   */
  required: boolean;
  status: ItemStatus;
  reason: string | null;
  actor: string | null;
  at: Date | null;
  /** The checklist says more about it (bullets under it, a check, its section's notes): `show` tells. */
  hasDetails: boolean;
}

export interface SectionView {
  partId: string;
  phaseRef: string;
  phaseTitle: string;
  title: string;
  boxed: boolean;
  complete: boolean;
  items: ItemView[];
}

/** `now`, when given, marks phases past their deadline; without it nothing is called overdue. */
export function viewRun(state: RunState, now: Date | null = null): RunView {
  const itemsByKey = new Map(state.checklist.items.map((item) => [item.key, item]));
  const sections: SectionView[] = [];
  const phases: PhaseView[] = [];
  for (const phase of state.checklist.phases) {
    const phaseItems: ChecklistItem[] = [];
    for (const section of phase.sections) {
      const items = section.itemKeys.flatMap((key) => {
        const item = itemsByKey.get(key);
        return item ? [item] : [];
      });
      phaseItems.push(...items);
      const itemViews = items.map((item) => viewItem(state, item));
      sections.push({
        partId: `section:${section.key}`,
        phaseRef: phase.ref,
        phaseTitle: phase.title,
        title: section.title,
        boxed: section.boxed,
        complete: itemViews.every((item) => isResolved(item.status)),
        items: itemViews,
      });
    }
    const progress = progressOf(state, phaseItems);
    const dueAt = phaseDueAt(state.startedAt, phase.window);
    const unresolvedRequired = phaseItems.some(
      (item) => isRequiredNow(state, item) && !isResolved(itemState(state, item.key).status),
    );
    phases.push({
      ref: phase.ref,
      title: phase.title,
      progress,
      window: phase.window?.text ?? null,
      dueAt,
      overdue: Boolean(now && dueAt && state.status === 'active' && now > dueAt && unresolvedRequired),
      upcoming: Boolean(dueAt && state.status === 'active' && (!now || now <= dueAt) && unresolvedRequired),
    });
  }
  const blocking = state.checklist.items.filter(
    (item) => isRequiredNow(state, item) && !isResolved(itemState(state, item.key).status),
  ).length;
  return {
    summary: {
      partId: 'summary',
      runId: state.id,
      title: state.checklist.title,
      checklistName: state.checklist.name,
      version: state.version,
      environment: state.environment,
      status: state.status,
      revision: state.revision,
      startedBy: state.startedBy,
      startedAt: state.startedAt,
      endedAt: state.endedAt,
      endedBy: state.endedBy,
      endReason: state.endReason,
      progress: progressOf(state, state.checklist.items),
      blocking,
      rollingBack: state.status === 'active' ? (state.rollingBack ?? null) : null,
      asOf: now ?? state.startedAt,
      timeZone: state.checklist.timeZone ?? 'UTC',
      escalation:
        state.escalation && state.escalation.status !== 'resolved'
          ? {
              id: state.escalation.id,
              severity: state.escalation.severity,
              reason: state.escalation.reason,
              status: state.escalation.status,
              ackedBy: state.escalation.ackedBy,
              nextPageAt: state.escalation.nextPageAt,
              pages: state.escalation.pages,
            }
          : null,
      phases,
    },
    sections,
  };
}

function viewItem(state: RunState, item: ChecklistItem): ItemView {
  const current = itemState(state, item.key);
  const reading = item.input && current.value ? readInput(item.input, current.value) : null;
  return {
    key: item.key,
    ref: item.ref,
    text: item.text,
    kind: item.kind,
    hint: current.status === 'open' ? hintFor(item) : null,
    options: item.decision?.options ?? [],
    value: current.value,
    flagged: reading?.ok ? reading.flagged : [],
    depth: item.ref.split('.').length - 2,
    required: item.required || isRequiredNow(state, item),
    status: current.status,
    reason: current.reason,
    actor: current.actor,
    at: current.at,
    hasDetails:
      item.details.length > 0 ||
      item.check !== undefined ||
      (item.code?.length ?? 0) > 0 ||
      (item.quotes?.length ?? 0) > 0,
  };
}

function hintFor(item: ChecklistItem): string | null {
  switch (item.kind) {
    case 'input':
      return `set ${item.ref} <value>`;
    case 'decision':
      return `decide ${item.ref} <${(item.decision?.options ?? []).join('|')}>`;
    case 'signoff':
      return `signoff ${item.ref}`;
    default:
      return null;
  }
}

function progressOf(state: RunState, items: ChecklistItem[]): Progress {
  const progress: Progress = {
    total: items.length,
    resolved: 0,
    done: 0,
    skipped: 0,
    failed: 0,
    na: 0,
    open: 0,
  };
  for (const item of items) {
    const status = itemState(state, item.key).status;
    progress[status] += 1;
    if (isResolved(status)) progress.resolved += 1;
  }
  return progress;
}

/**
 * The line a rolling-back run shows in place of "N required items left": every surface says the same,
 * each with its own time format and escaping.
 */
export function rollbackLine(
  summary: SummaryView,
  time: (at: Date) => string,
  quote: (text: string) => string,
): string | null {
  const rolling = summary.rollingBack;
  if (!rolling) return null;
  const left =
    summary.blocking > 0
      ? `${summary.blocking} rollback step${summary.blocking === 1 ? '' : 's'} left; the run ends as rolled back when ${summary.blocking === 1 ? 'it is' : 'they are'} resolved.`
      : 'every rollback step is resolved.';
  return `⏪ Rolling back since ${time(rolling.since)} (${quote(rolling.by)}: ${quote(rolling.reason)}) · ${left}`;
}

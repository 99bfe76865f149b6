import type { ChecklistItem } from '../checklist/types.js';
import { isResolved, itemState } from './machine.js';
import type { ItemStatus, RunState, RunStatus } from './types.js';

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
  /** Required items still open or failed: what stands between the run and "complete". */
  blocking: number;
  phases: PhaseView[];
}

export interface ItemView {
  key: string;
  ref: string;
  text: string;
  depth: number;
  required: boolean;
  status: ItemStatus;
  reason: string | null;
  actor: string | null;
  at: Date | null;
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

export function viewRun(state: RunState): RunView {
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
    phases.push({ ref: phase.ref, title: phase.title, progress: progressOf(state, phaseItems) });
  }
  const blocking = state.checklist.items.filter(
    (item) => item.required && !isResolved(itemState(state, item.key).status),
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
      phases,
    },
    sections,
  };
}

function viewItem(state: RunState, item: ChecklistItem): ItemView {
  const current = itemState(state, item.key);
  return {
    key: item.key,
    ref: item.ref,
    text: item.text,
    depth: item.ref.split('.').length - 2,
    required: item.required,
    status: current.status,
    reason: current.reason,
    actor: current.actor,
    at: current.at,
  };
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

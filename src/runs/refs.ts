import type { ChecklistItem, ChecklistPhase } from '../checklist/types.js';
import { trimEndOf } from '../text/trimEnd.js';
import { echo } from './limits.js';
import type { Rejection, RunState } from './types.js';

/**
 * What a person's references name: items (`2.3`), a range of siblings (`2.1-2.4`), or a whole phase
 * (`2`). Pure; one pass over the checklist per reference.
 */
export type Named =
  | { kind: 'item'; item: ChecklistItem }
  | { kind: 'range'; items: ChecklistItem[]; text: string }
  | { kind: 'phase'; phase: ChecklistPhase; items: ChecklistItem[] };

const RANGE = /^(\d+(?:\.\d+)+)\s*[-–]\s*(\d+(?:\.\d+)+)$/;

/** A reference as typed, without surrounding spaces or trailing punctuation (`1.2,` is 1.2). */
export function cleanRef(reference: string): string {
  return trimEndOf(reference.trim(), '.,;');
}

export function findPhase(state: RunState, reference: string): ChecklistPhase | null {
  const wanted = cleanRef(reference);
  return state.checklist.phases.find((phase) => phase.ref === wanted) ?? null;
}

export function nameOf(state: RunState, reference: string): Named | Rejection {
  const wanted = cleanRef(reference);
  const items = state.checklist.items;
  const item = items.find((candidate) => candidate.ref === wanted || candidate.key === wanted);
  if (item) return { kind: 'item', item };
  const phase = findPhase(state, wanted);
  if (phase)
    return { kind: 'phase', phase, items: items.filter((candidate) => candidate.phaseKey === phase.key) };
  const range = RANGE.exec(wanted);
  if (range) {
    const first = items.find((candidate) => candidate.ref === range[1]);
    const last = items.find((candidate) => candidate.ref === range[2]);
    if (!first || !last) return unknownItem(state, !first ? (range[1] as string) : (range[2] as string));
    const from = items.indexOf(first);
    const to = items.indexOf(last);
    if (first.parentKey !== last.parentKey || first.phaseKey !== last.phaseKey || to < from) {
      return {
        code: 'bad_command',
        message: `${echo(wanted)} is not a range: both ends must be items of one list, the first before the last (e.g. 2.1-2.4).`,
      };
    }
    // Siblings between the two ends; their sub-items follow them as they do for a single tick.
    const siblings = items.slice(from, to + 1).filter((candidate) => candidate.parentKey === first.parentKey);
    return { kind: 'range', items: siblings, text: wanted };
  }
  return unknownItem(state, wanted);
}

export function unknownItem(state: RunState, wanted: string): Rejection {
  return {
    code: 'unknown_item',
    message: `there is no item ${echo(wanted) || '(empty)'} in “${state.checklist.title}”; /deploy status lists the items.`,
  };
}

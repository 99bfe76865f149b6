import type { ChecklistItem } from '../checklist/types.js';
import type { RunState } from './types.js';

/**
 * Whether the run waits for this item before it can end. Going forward, that is what the checklist says;
 * once it rolls back, it waits for the rollback steps instead, and the forward items no longer matter.
 */
export function isRequiredNow(state: Pick<RunState, 'rollingBack'>, item: ChecklistItem): boolean {
  return state.rollingBack ? item.rollbackStep?.required === true : item.required;
}

export function hasRollbackSteps(state: RunState): boolean {
  return state.checklist.items.some((item) => item.rollbackStep);
}

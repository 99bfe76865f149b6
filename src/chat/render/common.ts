import { isResolved } from '../../runs/machine.js';
import type { ItemStatus, RunStatus } from '../../runs/types.js';
import type { ItemView, Progress } from '../../runs/view.js';

/** The words and marks every chat platform uses for a run, so Slack and Discord read the same. */

export const ITEM_MARK: Record<ItemStatus, string> = {
  open: '⬜',
  done: '✅',
  skipped: '⏭️',
  failed: '❌',
  na: '➖',
};

export const STATUS_WORD: Record<RunStatus, string> = {
  active: 'In progress',
  completed: 'Completed',
  aborted: 'Aborted',
  rolled_back: 'Rolled back',
};

export const STATUS_ICON: Record<RunStatus, string> = {
  active: '🚀',
  completed: '🎉',
  aborted: '⛔',
  rolled_back: '⏪',
};

/** `12/40 resolved (30%) · ❌ 2 failed`. */
export function progressText(progress: Progress): string {
  const failed = progress.failed > 0 ? ` · ❌ ${progress.failed} failed` : '';
  return `${progress.resolved}/${progress.total} resolved (${progressPercent(progress)}%)${failed}`;
}

export function progressPercent(progress: Progress): number {
  return progress.total === 0 ? 100 : Math.floor((progress.resolved / progress.total) * 100);
}

/** `███░░░░░░░` */
export function progressBar(progress: Progress, width = 10): string {
  const filled = progress.total === 0 ? width : Math.round((progress.resolved / progress.total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * `3/10 resolved` for a one-page section, `3/10 resolved on this page · part 1 of 2` for a longer one.
 * A page counts only its own items so that a click edits the page it is on and the summary, not every
 * page of a long section.
 */
export function pageCountLine(pageItems: readonly ItemView[], page: number, pageCount: number): string {
  const resolved = pageItems.filter((item) => isResolved(item.status)).length;
  const where = pageCount > 1 ? ` on this page · part ${page + 1} of ${pageCount}` : '';
  return `${resolved}/${pageItems.length} resolved${where}`;
}

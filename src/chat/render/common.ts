import type { ItemStatus, RunStatus } from '../../runs/types.js';
import type { Progress } from '../../runs/view.js';

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

import type { TimeWindow } from './types.js';

/**
 * When a phase with this window is due in a run started at `startedAt`: the window's end, when it ends
 * after the start ("First 15 minutes"). A window ending at or before the start ("1 hour before") sets none.
 */
export function phaseDueAt(startedAt: Date, window: TimeWindow | null): Date | null {
  return window && window.endMinutes > 0 ? new Date(startedAt.getTime() + window.endMinutes * 60_000) : null;
}

/**
 * Two kinds of failure exist in Shipcheck. A UserError is the user's to fix (a bad command, an unknown
 * checklist, a rejected action): its message is shown to them as is. Anything else is ours: it is logged
 * with its stack and the user sees a short apology with no internals.
 */
export type ErrorCode =
  | 'bad_command'
  | 'unknown_checklist'
  | 'checklist_invalid'
  | 'run_not_found'
  | 'no_active_run'
  | 'run_active'
  | 'run_finished'
  | 'unknown_item'
  | 'already_done'
  | 'already_resolved'
  | 'not_resolved'
  | 'reason_required'
  | 'incomplete'
  | 'forbidden'
  | 'wrong_kind'
  | 'bad_value'
  /** A command that changes many items at once waits for the person to say yes. */
  | 'needs_confirmation'
  /** A reason, note or value longer than a run keeps. */
  | 'too_long'
  | 'no_escalation'
  | 'stale_page'
  | 'config_invalid'
  | 'database_busy'
  /** A run id named from outside the run's own channel (writes) or workspace (reads). */
  | 'wrong_channel';

export class UserError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'UserError';
    this.code = code;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

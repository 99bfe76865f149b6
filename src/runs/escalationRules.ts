import type { ChecklistItem } from '../checklist/types.js';
import type { ErrorCode } from '../errors.js';
import { isRequiredNow } from './required.js';
import type {
  Actor,
  Decision,
  EscalationTrigger,
  NextPage,
  PageTarget,
  RunEvent,
  RunState,
  Severity,
} from './types.js';

/**
 * The escalation part of the run machine: opening (by hand or because something failed),
 * paging step by step, acknowledging and resolving. Pure, like the rest of the machine.
 */

const DEFAULT_SEVERITY: Severity = 'P1';

function reject(code: ErrorCode, message: string): Decision {
  return { ok: false, rejection: { code, message } };
}

export function escalationIdFor(state: RunState): string {
  return `${state.id}-e${state.revision + 1}`;
}

/** P0 is the worst; a lower rank is more severe. */
export const SEVERITIES: readonly Severity[] = ['P0', 'P1', 'P2', 'P3'];

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

function worse(candidate: Severity, than: Severity): boolean {
  return SEVERITIES.indexOf(candidate) < SEVERITIES.indexOf(than);
}

/** The severity a trigger asks for when it names none: the checklist's, else P1. */
function defaultSeverity(state: RunState): Severity {
  const own = state.checklist.escalation.severity;
  return own && isSeverity(own) ? own : DEFAULT_SEVERITY;
}

/**
 * Opens an escalation; while one is open, a worse trigger raises it (a P0 must not wait behind a P1's
 * acknowledgement) and any other is recorded on it. One page path at a time, never a trigger dropped.
 */
export function openOrNote(
  state: RunState,
  reason: string,
  trigger: EscalationTrigger,
  severity?: Severity,
): RunEvent {
  const open = state.escalation;
  const wanted = severity ?? defaultSeverity(state);
  if (open && open.status !== 'resolved') {
    // Only a trigger that names its severity can raise: "still down" adds to what is being paged.
    if (severity && worse(severity, open.severity)) {
      return {
        type: 'escalation_raised',
        escalationId: open.id,
        from: open.severity,
        severity: wanted,
        reason,
        trigger,
      };
    }
    return severity
      ? { type: 'escalation_noted', escalationId: open.id, reason, trigger, severity }
      : { type: 'escalation_noted', escalationId: open.id, reason, trigger };
  }
  return {
    type: 'escalation_opened',
    escalationId: escalationIdFor(state),
    severity: wanted,
    policy: state.checklist.escalation.policy,
    reason,
    trigger,
  };
}

export function decideEscalate(
  state: RunState,
  reason: string,
  severity: Severity | undefined,
  trigger: EscalationTrigger,
): Decision {
  const text = reason.trim();
  if (!text) return reject('reason_required', 'say what is wrong: /deploy escalate [P0|P1|P2|P3] <reason>.');
  return { ok: true, events: [openOrNote(state, text, trigger, severity)] };
}

export function decideAck(state: RunState, actor: Actor, formatClock: (at: Date) => string): Decision {
  const escalation = state.escalation;
  if (!escalation || escalation.status === 'resolved')
    return reject('no_escalation', 'there is no open escalation to acknowledge.');
  if (escalation.status === 'acknowledged') {
    const when = escalation.ackedAt ? ` at ${formatClock(escalation.ackedAt)}` : '';
    return reject(
      'already_done',
      `the escalation is already acknowledged by ${escalation.ackedBy ?? 'someone'}${when}.`,
    );
  }
  void actor;
  return { ok: true, events: [{ type: 'escalation_acknowledged', escalationId: escalation.id }] };
}

export function decideResolveEscalation(state: RunState): Decision {
  const escalation = state.escalation;
  if (!escalation || escalation.status === 'resolved')
    return reject('no_escalation', 'there is no open escalation to resolve.');
  return { ok: true, events: [{ type: 'escalation_resolved', escalationId: escalation.id }] };
}

/**
 * A page from the timer is accepted only while the escalation is still open at exactly the step the
 * timer was made for: an acknowledgement that committed first, or a page already sent, makes it stale.
 */
export function decidePage(
  state: RunState,
  escalationId: string,
  step: number,
  round: number,
  targets: PageTarget[],
  next: NextPage | null,
): Decision {
  const escalation = state.escalation;
  if (!escalation || escalation.id !== escalationId || escalation.status !== 'open') {
    return reject('stale_page', 'the escalation is no longer open.');
  }
  if (
    escalation.step !== step ||
    escalation.round !== round ||
    (escalation.pages > 0 && escalation.nextPageAt === null)
  ) {
    return reject('stale_page', `step ${step + 1} of round ${round + 1} is not the next page.`);
  }
  return { ok: true, events: [{ type: 'escalation_paged', escalationId, step, round, targets, next }] };
}

/**
 * What a change escalates by itself: a required item or check that failed, or a rollback criterion
 * that someone ticked (it happened). Added to the command's own events, in the same decision.
 */
export function automaticEscalation(
  state: RunState,
  events: RunEvent[],
  itemsByKey: Map<string, ChecklistItem>,
): RunEvent | null {
  const criterionKeys = new Set(
    state.checklist.rollbackCriteria.flatMap((criterion) => (criterion.itemKey ? [criterion.itemKey] : [])),
  );
  for (const event of events) {
    if (event.type === 'item_failed' || (event.type === 'check_ran' && !event.ok)) {
      const item = itemsByKey.get(event.key);
      if (!item || !isRequiredNow(state, item)) continue;
      const detail = event.type === 'item_failed' ? event.detail : event.detail;
      const trigger: EscalationTrigger = event.type === 'check_ran' ? 'check_failed' : 'item_failed';
      return openOrNote(state, `item ${item.ref} failed: ${detail}`, trigger);
    }
    if (event.type === 'item_checked' && !event.auto && criterionKeys.has(event.key)) {
      const item = itemsByKey.get(event.key);
      if (item) return openOrNote(state, `rollback criterion met: ${item.text}`, 'rollback_criterion', 'P0');
    }
  }
  return null;
}

/** Ending the run closes its escalation: nobody should be paged about a run that is over. */
export function resolveOnEnd(state: RunState, events: readonly RunEvent[]): RunEvent | null {
  const ends = events.some(
    (event) =>
      event.type === 'run_completed' || event.type === 'run_aborted' || event.type === 'run_rolled_back',
  );
  if (!ends || !state.escalation || state.escalation.status === 'resolved') return null;
  return { type: 'escalation_resolved', escalationId: state.escalation.id };
}

/** The escalation after an event, for the pure projection. */
export function evolveEscalation(
  state: RunState,
  event: RunEvent,
  actor: string,
  at: Date,
): RunState['escalation'] {
  const current = state.escalation;
  switch (event.type) {
    case 'escalation_opened':
      return {
        id: event.escalationId,
        status: 'open',
        severity: event.severity,
        policy: event.policy,
        reason: event.reason,
        trigger: event.trigger,
        openedBy: actor,
        openedAt: at,
        step: 0,
        round: 0,
        pages: 0,
        raises: 0,
        nextPageAt: at,
        ackedBy: null,
        ackedAt: null,
        resolvedBy: null,
        resolvedAt: null,
      };
    case 'escalation_raised':
      // The new severity's path pages from its first step, and whoever acknowledged the lesser one is
      // paged again if they are on it: a P0 is a new question.
      if (!current) return current;
      return {
        ...current,
        status: 'open',
        severity: event.severity,
        reason: event.reason,
        trigger: event.trigger,
        policy: null,
        step: 0,
        round: 0,
        raises: (current.raises ?? 0) + 1,
        nextPageAt: at,
        ackedBy: null,
        ackedAt: null,
      };
    case 'escalation_paged':
      if (!current) return current;
      return {
        ...current,
        pages: current.pages + 1,
        step: event.next?.step ?? current.step,
        round: event.next?.round ?? current.round,
        nextPageAt: event.next ? new Date(event.next.dueAt) : null,
      };
    case 'escalation_acknowledged':
      return current
        ? { ...current, status: 'acknowledged', ackedBy: actor, ackedAt: at, nextPageAt: null }
        : current;
    case 'escalation_resolved':
      return current
        ? { ...current, status: 'resolved', resolvedBy: actor, resolvedAt: at, nextPageAt: null }
        : current;
    default:
      return current;
  }
}

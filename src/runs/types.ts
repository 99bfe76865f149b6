import type { Checklist } from '../checklist/types.js';
import type { ErrorCode } from '../errors.js';

export type RunStatus = 'active' | 'completed' | 'aborted' | 'rolled_back';
export type ItemStatus = 'open' | 'done' | 'skipped' | 'failed' | 'na';

export const FINISHED_STATUSES: readonly RunStatus[] = ['completed', 'aborted', 'rolled_back'];

export interface ItemState {
  status: ItemStatus;
  /** Skip reason or failure detail. */
  reason: string | null;
  /** An input's value, a decision's option, or a sign-off's signer. */
  value: string | null;
  actor: string | null;
  at: Date | null;
}

export interface RunState {
  id: string;
  checklist: Checklist;
  version: string | null;
  environment: string | null;
  platform: string;
  channelId: string;
  /** Slack team / Discord guild the channel is in; null for the terminal and for older runs. */
  workspaceId?: string | null;
  /** Whether the run's channel is private; null when unknown, which counts as private. */
  channelPrivate?: boolean | null;
  status: RunStatus;
  revision: number;
  startedBy: string;
  startedAt: Date;
  endedAt: Date | null;
  endedBy: string | null;
  endReason: string | null;
  /** Roles given to people for this run only: role → the platform user ids (a name only where there is no id). */
  assignments: Record<string, string[]>;
  /** The escalation not yet resolved, if any (a run has at most one at a time). */
  escalation: EscalationState | null;
  /** Set once the run rolls back: it stays active through the checklist's rollback steps, then ends. */
  rollingBack?: RollingBack | null;
  items: Record<string, ItemState>;
}

/** What a person asks of a run that exists. Item references are what they typed (`3.2`) or a key. */
export type RunCommand =
  /** `refs` may name ranges (2.1-2.4) and phases (2); a phase is ticked only when `confirmed`. */
  | { type: 'check'; refs: string[]; confirmed?: boolean }
  | { type: 'uncheck'; ref: string }
  | { type: 'skip'; ref: string; reason: string }
  | { type: 'fail'; ref: string; detail: string }
  | { type: 'na'; ref: string }
  | { type: 'note'; text: string; ref?: string }
  | { type: 'set'; ref: string; value: string }
  | { type: 'decide'; ref: string; option: string }
  | { type: 'signoff'; ref: string }
  /** `personId` is the platform user id the mention named; `person` is how they are shown. */
  | {
      type: 'assign';
      role: string;
      person: string;
      personId?: string | null;
      /** Set by the chat layer when oncall.yaml gives the role to nobody: then anyone may give it for a run. */
      unheld?: boolean;
    }
  /** Issued by Shipcheck itself after running automated checks: one result per item. */
  | { type: 'record_checks'; results: CheckOutcome[] }
  | { type: 'complete' }
  | { type: 'abort'; reason: string }
  | { type: 'rollback'; reason: string }
  | { type: 'escalate'; reason: string; severity?: Severity; trigger?: EscalationTrigger }
  | { type: 'ack' }
  | { type: 'resolve' }
  /** Issued by the escalation timer: page the step's targets, and when the next step is due. */
  | {
      type: 'page';
      escalationId: string;
      step: number;
      round: number;
      targets: PageTarget[];
      next: NextPage | null;
    };

export type Severity = 'P0' | 'P1' | 'P2' | 'P3';
export type EscalationTrigger =
  | 'manual'
  | 'item_failed'
  | 'check_failed'
  | 'phase_overdue'
  | 'rollback_criterion'
  | 'stalled';

/** Someone (or a channel) a page goes to, with how each platform reaches them. */
export type PageTarget =
  | { person: string; name: string; via: string; slack?: string; discord?: string; terminal?: string }
  | { channel: string; via: string };

export interface NextPage {
  step: number;
  round: number;
  /** ISO time. */
  dueAt: string;
}

export interface RollingBack {
  since: Date;
  by: string;
  reason: string;
}

export interface EscalationState {
  id: string;
  status: 'open' | 'acknowledged' | 'resolved';
  severity: Severity;
  policy: string | null;
  reason: string;
  trigger: EscalationTrigger;
  openedBy: string;
  openedAt: Date;
  /** The next step and round to page. */
  step: number;
  round: number;
  pages: number;
  /** How often a worse trigger raised it; each raise pages the new severity's path from its first step. */
  raises: number;
  nextPageAt: Date | null;
  ackedBy: string | null;
  ackedAt: Date | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
}

export interface StartCommand {
  type: 'start';
  runId: string;
  checklist: Checklist;
  version: string | null;
  environment: string | null;
  platform: string;
  channelId: string;
  workspaceId?: string | null;
  channelPrivate?: boolean | null;
}

export type Command = StartCommand | RunCommand;

/** Where a run lives: every change comes from there, and reads from elsewhere stay in its workspace. */
export type RunHome = Pick<RunState, 'id' | 'platform' | 'channelId' | 'workspaceId' | 'channelPrivate'>;

/** What happened, as stored in the audit log. `auto` marks a change the machine made as a consequence. */
export type RunEvent =
  | {
      type: 'run_started';
      checklistName: string;
      checklistHash: string;
      version: string | null;
      environment: string | null;
    }
  | { type: 'item_checked'; key: string; auto?: boolean }
  | { type: 'item_skipped'; key: string; reason: string; auto?: boolean }
  | { type: 'item_failed'; key: string; detail: string }
  | { type: 'item_na'; key: string; auto?: boolean }
  | { type: 'item_reopened'; key: string; previous: ItemStatus; auto?: boolean }
  | { type: 'note_added'; text: string; key: string | null }
  /** `flagged` names the fields whose value is past the target written in the checklist. */
  | { type: 'item_value_set'; key: string; value: string; flagged: string[] }
  | { type: 'item_decided'; key: string; option: string }
  | { type: 'item_signed'; key: string; role: string }
  | { type: 'role_assigned'; role: string; person: string; personId?: string | null }
  | {
      type: 'escalation_opened';
      escalationId: string;
      severity: Severity;
      policy: string | null;
      reason: string;
      trigger: EscalationTrigger;
    }
  /** A further reason while an escalation is already open, no worse than it: recorded, not paged again. */
  | {
      type: 'escalation_noted';
      escalationId: string;
      reason: string;
      trigger: EscalationTrigger;
      /** The severity the trigger asked for, when it asked for one (older events have none). */
      severity?: Severity;
    }
  /** A worse trigger while one is open: the escalation takes the new severity and pages again from step 1. */
  | {
      type: 'escalation_raised';
      escalationId: string;
      from: Severity;
      severity: Severity;
      reason: string;
      trigger: EscalationTrigger;
    }
  | {
      type: 'escalation_paged';
      escalationId: string;
      step: number;
      round: number;
      targets: PageTarget[];
      next: NextPage | null;
    }
  | { type: 'escalation_acknowledged'; escalationId: string }
  | { type: 'escalation_resolved'; escalationId: string }
  /** A check ran: a pass ticks the item, a failure marks it failed with the detail. */
  | { type: 'check_ran'; key: string; ok: boolean; value: string | null; latencyMs: number; detail: string }
  /** The run turned to its rollback steps: by `/deploy rollback`, or by a decision answered "Rollback". */
  | { type: 'rollback_started'; reason: string; trigger: 'command' | 'decision'; decisionKey?: string }
  | { type: 'run_completed' }
  | { type: 'run_aborted'; reason: string }
  | { type: 'run_rolled_back'; reason: string };

export interface CheckOutcome {
  ref: string;
  ok: boolean;
  value: string | null;
  latencyMs: number;
  detail: string;
}

/** Who is acting: the name shown for them, and their roles (null when no people directory is set up). */
export interface Actor {
  name: string;
  /** The platform's user id: what roles, assignments and sign-offs are held by. Names are display only. */
  id?: string | null;
  roles: string[] | null;
}

export interface Rejection {
  code: ErrorCode;
  message: string;
  /** The role the refusal is about, so the chat layer can say who holds it (it knows oncall.yaml). */
  role?: string;
}

export type Decision = { ok: true; events: RunEvent[] } | { ok: false; rejection: Rejection };

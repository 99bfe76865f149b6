import type { ItemKind } from '../checklist/types.js';

/**
 * The record of one run, derived from its events and its frozen checklist only, so every number in it can
 * be traced back to the audit log. Times are Dates here; the JSON renderer writes them as ISO strings.
 */
export interface Report {
  runId: string;
  checklistName: string;
  title: string;
  version: string | null;
  environment: string | null;
  outcome: ReportOutcome;
  startedAt: Date | null;
  startedBy: string | null;
  /** When the run ended; null while it is active. */
  endedAt: Date | null;
  endedBy: string | null;
  /** Why it was aborted or rolled back. */
  endReason: string | null;
  /** Start to end, or start to `asOf` while the run is active. */
  durationMs: number | null;
  /** The instant the report describes: the end of the run, or "now" for an active one. */
  asOf: Date;
  counts: ItemCounts;
  phases: PhaseReport[];
  /** Every failure recorded (a failed item or a failed check), in order, even ones fixed later. */
  failures: FailureEntry[];
  /** Items skipped or marked N/A at the end, with the reason and who. */
  skipped: ItemEntry[];
  notApplicable: ItemEntry[];
  /** Values that stand at the end (the latest one of each input), flagged where past the target. */
  values: ValueEntry[];
  decisions: ItemEntry[];
  signoffs: SignoffEntry[];
  checks: CheckEntry[];
  /** The checklist's rollback criteria that are boxes, and whether each happened. */
  criteria: CriterionEntry[];
  notes: NoteEntry[];
  roles: RoleEntry[];
  escalations: EscalationEntry[];
  rollback: RollbackEntry | null;
  /** What is left to do after the run: items open or failed at its end. */
  followUps: FollowUpEntry[];
  eventCount: number;
  /** Events this version of the report does not know how to read, by type: shown, never dropped silently. */
  otherEvents: { type: string; count: number }[];
}

export type ReportOutcome = 'active' | 'completed' | 'aborted' | 'rolled_back';

export interface ItemCounts {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  na: number;
  open: number;
}

export interface PhaseReport {
  ref: string;
  title: string;
  window: { text: string; startMinutes: number; endMinutes: number } | null;
  /** First and last time any of its items was resolved (done, skipped, failed or N/A). */
  firstAt: Date | null;
  lastAt: Date | null;
  durationMs: number | null;
  /** Start + the window's end, when the window ends after the start ("First 15 minutes"). */
  dueAt: Date | null;
  /** True when it finished (or was still unfinished) after `dueAt`; null when there is no deadline to miss. */
  late: boolean | null;
  /** How far past `dueAt`, when late. */
  lateByMs: number | null;
  counts: ItemCounts;
}

interface ItemRef {
  key: string;
  ref: string;
  text: string;
}

export interface ItemEntry extends ItemRef {
  /** The skip reason, or the option chosen for a decision. */
  detail: string | null;
  actor: string;
  at: Date;
}

export interface FailureEntry extends ItemRef {
  detail: string;
  actor: string;
  at: Date;
  /** `check` when an automated check failed it. */
  source: 'item' | 'check';
  /** The item's state at the end of the run: `failed` if nobody fixed it. */
  endStatus: string;
  /** How many times it failed this way: repeated runs of one check are one entry, showing the last. */
  attempts: number;
}

export interface ValueEntry extends ItemRef {
  value: string;
  /** The fields past their target, as the machine wrote them (`p95 640 ms (target <500ms)`). */
  flagged: string[];
  actor: string;
  at: Date;
}

export interface SignoffEntry extends ItemRef {
  role: string;
  actor: string;
  at: Date;
}

/** One item's check: how often it ran, and its last result (which is what the item shows). */
export interface CheckEntry extends ItemRef {
  ok: boolean;
  value: string | null;
  latencyMs: number;
  detail: string;
  actor: string;
  at: Date;
  runs: number;
  failedRuns: number;
}

/** A rollback criterion of the checklist and whether it happened in this run. */
export interface CriterionEntry {
  text: string;
  /** The item the criterion is, when it is a box. */
  ref: string | null;
  status: 'triggered' | 'not triggered';
  at: Date | null;
  actor: string | null;
}

export interface NoteEntry {
  /** The item the note is about, or null for the run. */
  item: ItemRef | null;
  text: string;
  actor: string;
  at: Date;
}

export interface RoleEntry {
  role: string;
  person: string;
  by: string;
  at: Date;
}

export interface EscalationEntry {
  id: string;
  severity: string | null;
  reason: string | null;
  trigger: string | null;
  openedBy: string;
  openedAt: Date | null;
  pages: number;
  /** Who was paged, by name or channel, in order and without repeats. */
  paged: string[];
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  /** Opened → acknowledged; null while nobody has acknowledged it. */
  timeToAcknowledgeMs: number | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  /** What happened to it after it opened: raised to a worse severity, or further reasons recorded on it. */
  changes: EscalationChange[];
}

export interface EscalationChange {
  kind: 'raised' | 'noted';
  /** For a raise: the severity it had. */
  from: string | null;
  /** The severity asked for (the new one, for a raise). */
  severity: string | null;
  reason: string;
  by: string;
  at: Date;
}

export interface RollbackEntry {
  reason: string;
  by: string;
  at: Date;
  /** When the run turned to its rollback steps; null for a run that ended at once (no steps to record). */
  startedAt: Date | null;
  /** `startedAt` → the last rollback step resolved: how long rolling back itself took. */
  stepsMs: number | null;
  /** What led to it: the rollback decision, else the first failure, else the rollback's start; null if none. */
  triggeredAt: Date | null;
  trigger: string | null;
  /** `triggeredAt` → the run marked rolled back. */
  durationMs: number | null;
}

export interface FollowUpEntry extends ItemRef {
  status: 'open' | 'failed';
  required: boolean;
  kind: ItemKind;
  /** The failure detail, for a failed one. */
  detail: string | null;
}

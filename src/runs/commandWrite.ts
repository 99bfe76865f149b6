import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { executePrepared } from './prepared.js';
import type { EscalationState, RunEvent, RunState } from './types.js';

/**
 * Everything one command writes, in one statement: the ledger row, its events, the changed items, the
 * run row, the escalation and the timers. Round trips were most of what a command cost (ten or more
 * statements), and a single statement is atomic even outside a transaction.
 *
 * The statement is guarded: it writes only while the run's revision is still `expectedRevision` and the
 * idempotency key is still unused. The guard takes the run row's lock (UPDATE, or SELECT … FOR UPDATE
 * for a rejection), and under READ COMMITTED a row changed while we waited for it is checked again, so
 * a command decided against a state another process has since changed writes nothing.
 */

export interface CommandWrite {
  runId: string;
  /** The revision the command was decided against. */
  expectedRevision: number;
  idempotencyKey: string | null;
  actor: string;
  /** The platform user id of who acted: the audit keeps it beside the name. */
  actorId?: string | null;
  command: unknown;
  at: Date;
  change: AcceptedChange | RejectedChange;
}

export interface AcceptedChange {
  accepted: true;
  next: RunState;
  events: RunEvent[];
  /** Keys of the items the events changed. */
  itemKeys: string[];
  /** Set when the events changed the escalation. */
  escalation: EscalationState | null;
  timers: TimerRow[];
}

export interface RejectedChange {
  accepted: false;
  code: string;
  message: string;
}

export interface TimerRow {
  key: string;
  runId: string | null;
  kind: string;
  payload: unknown;
  dueAt: Date;
}

/** Runs the guarded write; false when it wrote nothing because the run moved on or the key was used. */
export async function writeCommand(db: Database, write: CommandWrite): Promise<boolean> {
  const result = await executePrepared(db, commandStatement(write));
  return result.rows.length > 0;
}

function commandStatement(write: CommandWrite): SQL {
  const { change } = write;
  const parts = [
    sql`guard as (${change.accepted ? runUpdate(write, change.next) : runLock(write)})`,
    sql`command as (${commandInsert(write)})`,
  ];
  if (change.accepted) {
    if (change.events.length > 0) parts.push(sql`events as (${eventsInsert(write, change.events)})`);
    if (change.itemKeys.length > 0) parts.push(sql`items as (${itemsUpdate(change.next, change.itemKeys)})`);
    if (change.escalation) parts.push(sql`escalation as (${escalationUpsert(change.escalation)})`);
    if (change.timers.length > 0) parts.push(sql`scheduled as (${timersInsert(change.timers, write.at)})`);
    const stall = change.timers.find((timer) => timer.kind === 'stall');
    // A new stall watch replaces the one before it: a run has at most one pending.
    if (stall) parts.push(sql`superseded as (${staleStallsDelete(write.runId, stall.key)})`);
  }
  return sql`with ${sql.join(parts, sql`, `)} select 1 as written from command`;
}

/** The run row is the lock every writer of a run takes; this is also where a stale decision is caught. */
function guardCondition(write: CommandWrite): SQL {
  const unusedKey =
    write.idempotencyKey === null
      ? sql``
      : sql` and not exists (select 1 from run_commands where idempotency_key = ${write.idempotencyKey}::text)`;
  return sql`id = ${write.runId}::text and revision = ${write.expectedRevision}::int${unusedKey}`;
}

function runUpdate(write: CommandWrite, next: RunState): SQL {
  return sql`update runs set
      status = ${next.status}::text,
      revision = ${next.revision}::int,
      ended_at = ${isoOrNull(next.endedAt)}::timestamptz,
      ended_by = ${next.endedBy}::text,
      end_reason = ${next.endReason}::text,
      rolling_back = ${next.rollingBack ? JSON.stringify({ ...next.rollingBack, since: next.rollingBack.since.toISOString() }) : null}::jsonb,
      assignments = ${JSON.stringify(next.assignments)}::jsonb,
      updated_at = ${write.at.toISOString()}::timestamptz
    where ${guardCondition(write)}
    returning id`;
}

/** A rejection changes nothing, but is recorded against the state it was decided on, under the same lock. */
function runLock(write: CommandWrite): SQL {
  return sql`select id from runs where ${guardCondition(write)} for update`;
}

function commandInsert(write: CommandWrite): SQL {
  const { change } = write;
  const revision = change.accepted ? change.next.revision : write.expectedRevision;
  return sql`insert into run_commands
      (run_id, idempotency_key, actor, actor_id, command, accepted, rejection_code, rejection_message, revision,
       created_at)
    select guard.id, ${write.idempotencyKey}::text, ${write.actor}::text, ${write.actorId ?? null}::text, ${JSON.stringify(write.command)}::jsonb,
      ${change.accepted}::boolean, ${change.accepted ? null : change.code}::text,
      ${change.accepted ? null : change.message}::text, ${revision}::int, ${write.at.toISOString()}::timestamptz
    from guard
    returning id`;
}

/** Seq continues from the run's last event: the run row's lock, held by the guard, keeps it contiguous. */
function eventsInsert(write: CommandWrite, events: RunEvent[]): SQL {
  return sql`insert into run_events (run_id, seq, command_id, type, actor, actor_id, payload, created_at)
    select ${write.runId}::text, (last.seq + event.ordinal)::int, command.id, event.payload->>'type',
      ${write.actor}::text, ${write.actorId ?? null}::text, event.payload, ${write.at.toISOString()}::timestamptz
    from command,
      (select coalesce(max(seq), 0) as seq from run_events where run_id = ${write.runId}::text) as last,
      jsonb_array_elements(${JSON.stringify(events)}::jsonb) with ordinality as event(payload, ordinal)`;
}

function itemsUpdate(next: RunState, keys: string[]): SQL {
  const rows = [...new Set(keys)].flatMap((key) => {
    const item = next.items[key];
    return item ? [{ key, ...item, at: isoOrNull(item.at) }] : [];
  });
  // The keys are also given as an array, so the changed rows are found through the primary key rather
  // than by joining every item of the run (the plan is made once, for any number of items).
  return sql`update run_items set
      status = item.status, reason = item.reason, value = item.value, actor = item.actor, updated_at = item.at
    from guard,
      jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as item(key text, status text, reason text, value text, actor text, at timestamptz)
    where run_items.run_id = guard.id and run_items.key = item.key
      and run_items.key = any(array(select jsonb_array_elements_text(${JSON.stringify(rows.map((row) => row.key))}::jsonb)))`;
}

function escalationUpsert(escalation: EscalationState): SQL {
  return sql`insert into escalations
      (id, run_id, status, severity, policy, reason, trigger, opened_by, opened_at, step, round, pages, raises,
       next_page_at, acked_by, acked_at, resolved_by, resolved_at)
    select e.id, guard.id, e.status, e.severity, e.policy, e.reason, e.trigger, e.opened_by, e.opened_at,
      e.step, e.round, e.pages, e.raises, e.next_page_at, e.acked_by, e.acked_at, e.resolved_by, e.resolved_at
    from guard,
      jsonb_to_record(${JSON.stringify(escalationRow(escalation))}::jsonb) as e(
        id text, status text, severity text, policy text, reason text, trigger text, opened_by text,
        opened_at timestamptz, step int, round int, pages int, raises int, next_page_at timestamptz, acked_by text,
        acked_at timestamptz, resolved_by text, resolved_at timestamptz)
    on conflict (id) do update set
      status = excluded.status, severity = excluded.severity, policy = excluded.policy,
      reason = excluded.reason, trigger = excluded.trigger, opened_by = excluded.opened_by,
      opened_at = excluded.opened_at, step = excluded.step, round = excluded.round, pages = excluded.pages,
      raises = excluded.raises,
      next_page_at = excluded.next_page_at, acked_by = excluded.acked_by, acked_at = excluded.acked_at,
      resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at`;
}

function escalationRow(escalation: EscalationState) {
  return {
    id: escalation.id,
    status: escalation.status,
    severity: escalation.severity,
    policy: escalation.policy,
    reason: escalation.reason,
    trigger: escalation.trigger,
    opened_by: escalation.openedBy,
    opened_at: escalation.openedAt.toISOString(),
    step: escalation.step,
    round: escalation.round,
    pages: escalation.pages,
    raises: escalation.raises ?? 0,
    next_page_at: isoOrNull(escalation.nextPageAt),
    acked_by: escalation.ackedBy,
    acked_at: isoOrNull(escalation.ackedAt),
    resolved_by: escalation.resolvedBy,
    resolved_at: isoOrNull(escalation.resolvedAt),
  };
}

/** Timers have deterministic keys: scheduling the same one twice keeps the first. */
function timersInsert(timers: TimerRow[], at: Date): SQL {
  const rows = timers.map((timer) => ({
    key: timer.key,
    run_id: timer.runId,
    kind: timer.kind,
    payload: timer.payload,
    due_at: timer.dueAt.toISOString(),
  }));
  return sql`insert into timers (key, run_id, kind, payload, due_at, created_at)
    select timer.key, timer.run_id, timer.kind, timer.payload, timer.due_at, ${at.toISOString()}::timestamptz
    from guard,
      jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as timer(key text, run_id text, kind text, payload jsonb, due_at timestamptz)
    on conflict (key) do nothing`;
}

function staleStallsDelete(runId: string, keep: string): SQL {
  return sql`delete from timers
    where run_id = ${runId}::text and kind = 'stall' and fired_at is null and key <> ${keep}::text
      and exists (select 1 from guard)`;
}

function isoOrNull(at: Date | null): string | null {
  return at ? at.toISOString() : null;
}

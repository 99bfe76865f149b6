import { and, asc, desc, eq, max } from 'drizzle-orm';
import type { Checklist } from '../checklist/types.js';
import type { Database } from '../db/client.js';
import { runCommands, runEvents, runItems, runs, timers } from '../db/schema.js';
import type { EscalationState, ItemState, ItemStatus, RunEvent, RunState, RunStatus } from './types.js';

/** The drizzle queries of the run service. Every function takes the transaction it must run in. */

type RunRow = typeof runs.$inferSelect;
/** A run row without its frozen checklist: the checklist never changes, so callers cache it. */
export type RunHeader = Omit<RunRow, 'checklist'>;

type ItemRow = typeof runItems.$inferSelect;

export interface StoredCommand {
  runId: string;
  accepted: boolean;
  rejectionCode: string | null;
  rejectionMessage: string | null;
}

export interface StoredEvent {
  seq: number;
  type: RunEvent['type'];
  actor: string;
  /** The platform user id of who acted, when the platform gave one. */
  actorId: string | null;
  payload: RunEvent;
  at: Date;
}

/** Takes the run's lock for the transaction; the revision it returns is the truth until the commit. */
export async function lockRevision(tx: Database, runId: string): Promise<number | undefined> {
  const rows = await tx
    .select({ revision: runs.revision })
    .from(runs)
    .where(eq(runs.id, runId))
    .for('update');
  return rows[0]?.revision;
}

export async function selectRevision(db: Database, runId: string): Promise<number | undefined> {
  const rows = await db.select({ revision: runs.revision }).from(runs).where(eq(runs.id, runId));
  return rows[0]?.revision;
}

export async function selectChecklist(db: Database, runId: string): Promise<Checklist | undefined> {
  const rows = await db.select({ checklist: runs.checklist }).from(runs).where(eq(runs.id, runId));
  return rows[0]?.checklist;
}

/** What `toRunState` needs of an item row. */
export type StoredItem = Pick<ItemRow, 'key' | 'status' | 'reason' | 'value' | 'actor' | 'updatedAt'>;

export async function selectActiveRunId(db: Database, platform: string, channelId: string) {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.platform, platform), eq(runs.channelId, channelId), eq(runs.status, 'active')));
  return rows[0]?.id ?? null;
}

/** The run's platform, workspace and channel: who may write it, and who may read it. */
export async function selectRunHome(db: Database, runId: string) {
  const [row] = await db
    .select({
      id: runs.id,
      platform: runs.platform,
      channelId: runs.channelId,
      workspaceId: runs.workspaceId,
      channelPrivate: runs.channelPrivate,
    })
    .from(runs)
    .where(eq(runs.id, runId));
  return row ?? null;
}

export async function selectRecentRuns(db: Database, platform: string, channelId: string, limit: number) {
  return db
    .select({
      id: runs.id,
      checklistName: runs.checklistName,
      version: runs.version,
      status: runs.status,
      startedAt: runs.startedAt,
      endedAt: runs.endedAt,
    })
    .from(runs)
    .where(and(eq(runs.platform, platform), eq(runs.channelId, channelId)))
    .orderBy(desc(runs.startedAt))
    .limit(limit);
}

export async function selectCommandByKey(db: Database, key: string): Promise<StoredCommand | undefined> {
  const rows = await db
    .select({
      runId: runCommands.runId,
      accepted: runCommands.accepted,
      rejectionCode: runCommands.rejectionCode,
      rejectionMessage: runCommands.rejectionMessage,
    })
    .from(runCommands)
    .where(eq(runCommands.idempotencyKey, key));
  return rows[0];
}

export function toRunState(
  row: RunHeader,
  checklist: Checklist,
  itemRows: StoredItem[],
  escalation: EscalationState | null = null,
): RunState {
  const items: Record<string, ItemState> = {};
  for (const item of itemRows) {
    items[item.key] = {
      status: item.status as ItemStatus,
      reason: item.reason,
      value: item.value,
      actor: item.actor,
      at: item.updatedAt,
    };
  }
  return {
    id: row.id,
    checklist,
    version: row.version,
    environment: row.environment,
    platform: row.platform,
    channelId: row.channelId,
    workspaceId: row.workspaceId ?? null,
    channelPrivate: row.channelPrivate ?? null,
    status: row.status as RunStatus,
    revision: row.revision,
    startedBy: row.startedBy,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    endedBy: row.endedBy,
    endReason: row.endReason,
    rollingBack: row.rollingBack
      ? { since: new Date(row.rollingBack.since), by: row.rollingBack.by, reason: row.rollingBack.reason }
      : null,
    assignments: row.assignments,
    escalation,
    items,
  };
}

export async function insertRun(tx: Database, state: RunState): Promise<void> {
  await tx.insert(runs).values({
    id: state.id,
    checklistName: state.checklist.name,
    checklistHash: state.checklist.hash,
    checklist: state.checklist,
    version: state.version,
    environment: state.environment,
    platform: state.platform,
    channelId: state.channelId,
    workspaceId: state.workspaceId ?? null,
    channelPrivate: state.channelPrivate ?? null,
    status: state.status,
    revision: state.revision,
    startedBy: state.startedBy,
    startedAt: state.startedAt,
    updatedAt: state.startedAt,
  });
  const itemRows = Object.entries(state.items).map(([key, item]) => ({
    runId: state.id,
    key,
    status: item.status,
    reason: item.reason,
    value: item.value,
    actor: item.actor,
    updatedAt: item.at,
  }));
  // Large checklists go in slices to stay far below the bind-parameter limit.
  for (let start = 0; start < itemRows.length; start += 500) {
    await tx.insert(runItems).values(itemRows.slice(start, start + 500));
  }
}

export interface CommandRecord {
  runId: string;
  idempotencyKey: string | null;
  actor: string;
  actorId?: string | null;
  command: unknown;
  accepted: boolean;
  rejectionCode: string | null;
  rejectionMessage: string | null;
  revision: number;
  at: Date;
}

export async function insertCommand(tx: Database, record: CommandRecord): Promise<number> {
  const rows = await tx
    .insert(runCommands)
    .values({
      runId: record.runId,
      idempotencyKey: record.idempotencyKey,
      actor: record.actor,
      actorId: record.actorId ?? null,
      command: record.command,
      accepted: record.accepted,
      rejectionCode: record.rejectionCode,
      rejectionMessage: record.rejectionMessage,
      revision: record.revision,
      createdAt: record.at,
    })
    .returning({ id: runCommands.id });
  return (rows[0] as { id: number }).id;
}

export async function appendEvents(
  tx: Database,
  runId: string,
  commandId: number,
  actor: string,
  events: RunEvent[],
  at: Date,
  actorId: string | null = null,
): Promise<void> {
  if (events.length === 0) return;
  const [last] = await tx
    .select({ seq: max(runEvents.seq) })
    .from(runEvents)
    .where(eq(runEvents.runId, runId));
  const firstSeq = (last?.seq ?? 0) + 1;
  await tx.insert(runEvents).values(
    events.map((event, index) => ({
      runId,
      seq: firstSeq + index,
      commandId,
      type: event.type,
      actor,
      actorId,
      payload: event,
      createdAt: at,
    })),
  );
}

export async function selectEvents(db: Database, runId: string): Promise<StoredEvent[]> {
  const rows = await db
    .select()
    .from(runEvents)
    .where(eq(runEvents.runId, runId))
    .orderBy(asc(runEvents.seq));
  return rows.map((row) => ({
    seq: row.seq,
    type: row.type as RunEvent['type'],
    actor: row.actor,
    actorId: row.actorId ?? null,
    payload: row.payload as RunEvent,
    at: row.createdAt,
  }));
}

/** True for a unique-constraint violation, whichever driver raised it and however drizzle wrapped it. */
export function isUniqueViolation(error: unknown): boolean {
  for (
    let current = error;
    current && typeof current === 'object';
    current = (current as { cause?: unknown }).cause
  ) {
    if ((current as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export interface NewTimer {
  key: string;
  runId: string | null;
  kind: string;
  payload: unknown;
  dueAt: Date;
}

/** Timers have deterministic keys: scheduling the same one twice keeps the first. */
export async function insertTimers(tx: Database, jobs: NewTimer[], at: Date): Promise<void> {
  if (jobs.length === 0) return;
  await tx
    .insert(timers)
    .values(jobs.map((job) => ({ ...job, createdAt: at })))
    .onConflictDoNothing({ target: timers.key });
}

export async function countActiveRuns(db: Database): Promise<number> {
  const rows = await db.select({ id: runs.id }).from(runs).where(eq(runs.status, 'active'));
  return rows.length;
}

import { and, asc, desc, eq, max, ne } from 'drizzle-orm';
import type { Checklist } from '../checklist/types.js';
import type { Database } from '../db/client.js';
import { escalations, runCommands, runEvents, runItems, runs, timers } from '../db/schema.js';
import type {
  EscalationState,
  ItemState,
  ItemStatus,
  RunEvent,
  RunState,
  RunStatus,
  Severity,
} from './types.js';

/** The drizzle queries of the run service. Every function takes the transaction it must run in. */

type RunRow = typeof runs.$inferSelect;
/** A run row without its frozen checklist: the checklist never changes, so callers cache it. */
export type RunHeader = Omit<RunRow, 'checklist'>;

const headerColumns = {
  id: runs.id,
  checklistName: runs.checklistName,
  checklistHash: runs.checklistHash,
  version: runs.version,
  environment: runs.environment,
  platform: runs.platform,
  channelId: runs.channelId,
  status: runs.status,
  revision: runs.revision,
  startedBy: runs.startedBy,
  startedAt: runs.startedAt,
  endedAt: runs.endedAt,
  endedBy: runs.endedBy,
  endReason: runs.endReason,
  assignments: runs.assignments,
  updatedAt: runs.updatedAt,
};
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
  payload: RunEvent;
  at: Date;
}

export async function lockRun(tx: Database, runId: string): Promise<RunHeader | undefined> {
  const rows = await tx.select(headerColumns).from(runs).where(eq(runs.id, runId)).for('update');
  return rows[0];
}

export async function selectRunHeader(db: Database, runId: string): Promise<RunHeader | undefined> {
  const rows = await db.select(headerColumns).from(runs).where(eq(runs.id, runId));
  return rows[0];
}

export async function selectChecklist(db: Database, runId: string): Promise<Checklist | undefined> {
  const rows = await db.select({ checklist: runs.checklist }).from(runs).where(eq(runs.id, runId));
  return rows[0]?.checklist;
}

export async function selectItems(db: Database, runId: string): Promise<ItemRow[]> {
  return db.select().from(runItems).where(eq(runItems.runId, runId));
}

export async function selectActiveRunId(db: Database, platform: string, channelId: string) {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.platform, platform), eq(runs.channelId, channelId), eq(runs.status, 'active')));
  return rows[0]?.id ?? null;
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
  itemRows: ItemRow[],
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
    status: row.status as RunStatus,
    revision: row.revision,
    startedBy: row.startedBy,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    endedBy: row.endedBy,
    endReason: row.endReason,
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

export async function updateRun(tx: Database, state: RunState, at: Date): Promise<void> {
  await tx
    .update(runs)
    .set({
      status: state.status,
      revision: state.revision,
      endedAt: state.endedAt,
      endedBy: state.endedBy,
      endReason: state.endReason,
      assignments: state.assignments,
      updatedAt: at,
    })
    .where(eq(runs.id, state.id));
}

export async function updateItems(tx: Database, state: RunState, keys: Iterable<string>): Promise<void> {
  for (const key of new Set(keys)) {
    const item = state.items[key];
    if (!item) continue;
    await tx
      .update(runItems)
      .set({
        status: item.status,
        reason: item.reason,
        value: item.value,
        actor: item.actor,
        updatedAt: item.at,
      })
      .where(and(eq(runItems.runId, state.id), eq(runItems.key, key)));
  }
}

export interface CommandRecord {
  runId: string;
  idempotencyKey: string | null;
  actor: string;
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

export async function selectOpenEscalation(db: Database, runId: string): Promise<EscalationState | null> {
  const rows = await db
    .select()
    .from(escalations)
    .where(and(eq(escalations.runId, runId), ne(escalations.status, 'resolved')));
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    status: row.status as EscalationState['status'],
    severity: row.severity as Severity,
    policy: row.policy,
    reason: row.reason,
    trigger: row.trigger as EscalationState['trigger'],
    openedBy: row.openedBy,
    openedAt: row.openedAt,
    step: row.step,
    round: row.round,
    pages: row.pages,
    nextPageAt: row.nextPageAt,
    ackedBy: row.ackedBy,
    ackedAt: row.ackedAt,
    resolvedBy: row.resolvedBy,
    resolvedAt: row.resolvedAt,
  };
}

export async function saveEscalation(
  tx: Database,
  runId: string,
  escalation: EscalationState,
): Promise<void> {
  const values = {
    id: escalation.id,
    runId,
    status: escalation.status,
    severity: escalation.severity,
    policy: escalation.policy,
    reason: escalation.reason,
    trigger: escalation.trigger,
    openedBy: escalation.openedBy,
    openedAt: escalation.openedAt,
    step: escalation.step,
    round: escalation.round,
    pages: escalation.pages,
    nextPageAt: escalation.nextPageAt,
    ackedBy: escalation.ackedBy,
    ackedAt: escalation.ackedAt,
    resolvedBy: escalation.resolvedBy,
    resolvedAt: escalation.resolvedAt,
  };
  const { id: _id, runId: _runId, ...changes } = values;
  await tx.insert(escalations).values(values).onConflictDoUpdate({ target: escalations.id, set: changes });
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

import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { runEvents, runs } from '../db/schema.js';

/** The drizzle queries behind `/deploy history`: runs of a channel, and the events that say what went wrong. */

export interface RunSummaryRow {
  id: string;
  checklistName: string;
  version: string | null;
  environment: string | null;
  status: string;
  startedBy: string;
  startedAt: Date;
  endedAt: Date | null;
}

export interface RunsQuery {
  platform: string;
  channelId: string;
  /** Only this checklist's runs; null for every checklist. */
  checklistName: string | null;
  limit: number;
}

/** The channel's runs, newest first. */
export async function selectRunSummaries(db: Database, query: RunsQuery): Promise<RunSummaryRow[]> {
  const where = [eq(runs.platform, query.platform), eq(runs.channelId, query.channelId)];
  if (query.checklistName) where.push(eq(runs.checklistName, query.checklistName));
  return db
    .select({
      id: runs.id,
      checklistName: runs.checklistName,
      version: runs.version,
      environment: runs.environment,
      status: runs.status,
      startedBy: runs.startedBy,
      startedAt: runs.startedAt,
      endedAt: runs.endedAt,
    })
    .from(runs)
    .where(and(...where))
    .orderBy(desc(runs.startedAt), desc(runs.id))
    .limit(query.limit);
}

export interface TroubleEventRow {
  runId: string;
  type: string;
  payload: unknown;
}

/** Skips, failures and check results of some runs: all that the skip and failure counts need. */
export async function selectTroubleEvents(
  db: Database,
  runIds: readonly string[],
): Promise<TroubleEventRow[]> {
  if (runIds.length === 0) return [];
  return db
    .select({ runId: runEvents.runId, type: runEvents.type, payload: runEvents.payload })
    .from(runEvents)
    .where(
      and(
        inArray(runEvents.runId, [...runIds]),
        inArray(runEvents.type, ['item_skipped', 'item_failed', 'check_ran']),
      ),
    );
}

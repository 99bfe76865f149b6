import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { timers } from '../db/schema.js';

/** The drizzle queries of the timer worker. */

export interface ClaimedTimer {
  key: string;
  runId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  dueAt: Date;
  attempts: number;
}

/**
 * Takes up to `limit` due jobs for `leaseMs`: rows another worker holds are skipped (SKIP LOCKED), and a
 * job whose worker died before finishing comes back when its lease runs out.
 */
export async function claimDue(
  db: Database,
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<ClaimedTimer[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ key: timers.key })
      .from(timers)
      .where(
        and(
          isNull(timers.firedAt),
          lte(timers.dueAt, now),
          or(isNull(timers.claimedUntil), lte(timers.claimedUntil, now)),
        ),
      )
      .orderBy(asc(timers.dueAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    const rows = await tx
      .update(timers)
      .set({ claimedUntil: new Date(now.getTime() + leaseMs), attempts: sql`${timers.attempts} + 1` })
      .where(
        inArray(
          timers.key,
          due.map((row) => row.key),
        ),
      )
      .returning({
        key: timers.key,
        runId: timers.runId,
        kind: timers.kind,
        payload: timers.payload,
        dueAt: timers.dueAt,
        attempts: timers.attempts,
      });
    return rows
      .map((row) => ({ ...row, payload: row.payload as Record<string, unknown> }))
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  });
}

export async function markFired(db: Database, keys: string[], at: Date): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(timers)
    .set({ firedAt: at, claimedUntil: null, lastError: null })
    .where(inArray(timers.key, keys));
}

export async function retryLater(
  db: Database,
  key: string,
  at: Date,
  error: string,
  payload?: Record<string, unknown>,
): Promise<void> {
  await db
    .update(timers)
    .set({ dueAt: at, claimedUntil: null, lastError: error.slice(0, 500), ...(payload ? { payload } : {}) })
    .where(eq(timers.key, key));
}

export async function giveUp(db: Database, key: string, at: Date, error: string): Promise<void> {
  await db
    .update(timers)
    .set({ firedAt: at, claimedUntil: null, lastError: `gave up: ${error}`.slice(0, 500) })
    .where(eq(timers.key, key));
}

export async function nextDueAt(db: Database): Promise<Date | null> {
  const rows = await db
    .select({ dueAt: timers.dueAt })
    .from(timers)
    .where(isNull(timers.firedAt))
    .orderBy(asc(timers.dueAt))
    .limit(1);
  return rows[0]?.dueAt ?? null;
}

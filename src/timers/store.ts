import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { escalations, timers } from '../db/schema.js';

/** The drizzle queries of the timer worker. */

export interface ClaimedTimer {
  key: string;
  runId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  dueAt: Date;
  attempts: number;
}

/** A job a finished job leaves behind (the next re-check, one delivery per notifier), written with it. */
export interface FollowUp {
  key: string;
  runId: string | null;
  kind: string;
  payload: Record<string, unknown>;
  dueAt: Date;
}

/** A delivery of a page: not sent once its escalation is no longer open (an acknowledgement wins). */
export const SEND_KIND = 'send';

/**
 * Takes up to `limit` due jobs for `leaseMs` as `worker`: rows another worker holds are skipped (SKIP
 * LOCKED), and a job whose worker died comes back when its lease runs out. A page delivery whose
 * escalation was acknowledged or resolved is settled here, unsent: the escalation rows are read FOR SHARE
 * in this transaction, so an acknowledgement commits either before this claim (and the page is dropped)
 * or after it.
 */
/** What a worker with full lanes does not take now: deliveries to these notifiers, or every other kind. */
export interface ClaimExclusions {
  notifiers: string[];
  otherKinds: boolean;
}

export async function claimDue(
  db: Database,
  now: Date,
  leaseMs: number,
  limit: number,
  worker: string,
  exclude: ClaimExclusions = { notifiers: [], otherKinds: false },
): Promise<ClaimedTimer[]> {
  if (limit <= 0) return [];
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ key: timers.key, kind: timers.kind, payload: timers.payload })
      .from(timers)
      .where(
        and(
          isNull(timers.firedAt),
          lte(timers.dueAt, now),
          or(isNull(timers.claimedUntil), lte(timers.claimedUntil, now)),
          exclude.otherKinds ? eq(timers.kind, SEND_KIND) : undefined,
          exclude.notifiers.length > 0
            ? sql`not (${timers.kind} = ${SEND_KIND} and ${timers.payload}->>'notifier' in (${sql.join(
                exclude.notifiers.map((name) => sql`${name}`),
                sql`, `,
              )}))`
            : undefined,
        ),
      )
      .orderBy(asc(timers.dueAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    const pageOf = (row: (typeof due)[number]) => {
      const payload = row.payload as Record<string, unknown>;
      return row.kind === SEND_KIND && payload.notice === 'page' && typeof payload.escalationId === 'string'
        ? payload.escalationId
        : null;
    };
    const escalationIds = [...new Set(due.map(pageOf).filter((id): id is string => id !== null))];
    const open = new Set<string>();
    if (escalationIds.length > 0) {
      const rows = await tx
        .select({ id: escalations.id, status: escalations.status })
        .from(escalations)
        .where(inArray(escalations.id, escalationIds))
        .for('share');
      for (const row of rows) if (row.status === 'open') open.add(row.id);
    }
    const dropped = due.filter((row) => {
      const id = pageOf(row);
      return id !== null && !open.has(id);
    });
    if (dropped.length > 0) {
      await tx
        .update(timers)
        .set({
          firedAt: now,
          claimedUntil: null,
          claimedBy: null,
          lastError: 'not sent: acknowledged or resolved first',
        })
        .where(
          inArray(
            timers.key,
            dropped.map((row) => row.key),
          ),
        );
    }
    const take = due.filter((row) => !dropped.includes(row)).map((row) => row.key);
    if (take.length === 0) return [];
    const rows = await tx
      .update(timers)
      .set({
        claimedUntil: new Date(now.getTime() + leaseMs),
        claimedBy: worker,
        attempts: sql`${timers.attempts} + 1`,
      })
      .where(inArray(timers.key, take))
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

/** Extends the leases `worker` still holds; answers the keys it no longer holds (another took them). */
export async function renewLeases(
  db: Database,
  keys: string[],
  worker: string,
  until: Date,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const renewed = await db
    .update(timers)
    .set({ claimedUntil: until })
    .where(and(inArray(timers.key, keys), eq(timers.claimedBy, worker), isNull(timers.firedAt)))
    .returning({ key: timers.key });
  const held = new Set(renewed.map((row) => row.key));
  return keys.filter((key) => !held.has(key));
}

/** Many jobs done at once, by this worker's claims: one statement for a burst of them. */
export async function markManyFired(db: Database, keys: string[], at: Date, worker: string): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(timers)
    .set({ firedAt: at, claimedUntil: null, claimedBy: null, lastError: null })
    .where(and(inArray(timers.key, keys), ownedBy(worker)));
}

/** The job is done, by this worker's claim; its follow-ups are written in the same transaction. */
export async function markFired(
  db: Database,
  key: string,
  at: Date,
  worker: string,
  followUps: FollowUp[] = [],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(timers)
      .set({ firedAt: at, claimedUntil: null, claimedBy: null, lastError: null })
      .where(and(eq(timers.key, key), ownedBy(worker)));
    if (followUps.length > 0) {
      await tx
        .insert(timers)
        .values(followUps.map((job) => ({ ...job, createdAt: at })))
        .onConflictDoNothing({ target: timers.key });
    }
  });
}

export async function retryLater(
  db: Database,
  key: string,
  at: Date,
  error: string,
  worker: string,
  payload?: Record<string, unknown>,
): Promise<void> {
  await db
    .update(timers)
    .set({
      dueAt: at,
      claimedUntil: null,
      claimedBy: null,
      lastError: error.slice(0, 500),
      ...(payload ? { payload } : {}),
    })
    .where(and(eq(timers.key, key), ownedBy(worker)));
}

export async function giveUp(
  db: Database,
  key: string,
  at: Date,
  error: string,
  worker: string,
): Promise<void> {
  await db
    .update(timers)
    .set({ firedAt: at, claimedUntil: null, claimedBy: null, lastError: `gave up: ${error}`.slice(0, 500) })
    .where(and(eq(timers.key, key), ownedBy(worker)));
}

/** A settlement counts only while the job is still this worker's (not taken over after a lost lease). */
function ownedBy(worker: string) {
  return and(isNull(timers.firedAt), or(eq(timers.claimedBy, worker), isNull(timers.claimedBy)));
}

/** Settled jobs older than `before` are deleted: the audit trail is in run_events, not here. */
export async function pruneSettled(db: Database, before: Date): Promise<number> {
  const deleted = await db.delete(timers).where(lt(timers.firedAt, before)).returning({ key: timers.key });
  return deleted.length;
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

import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { pageTimerKey } from './schedule.js';

/** The audit's queries: which open escalations have lost their next page, and putting it back. */

export interface BrokenEscalation {
  id: string;
  runId: string;
  step: number;
  round: number;
  raises: number;
}

export async function countOpenEscalations(db: Database): Promise<number> {
  const result = (await db.execute(
    sql`select count(*)::int as open from escalations where status = 'open'`,
  )) as unknown as { rows: { open: number }[] };
  return Number(result.rows[0]?.open ?? 0);
}

/**
 * Open, with a next page due, and no pending job to send it: the step's job was given up after its
 * retries, or lost. Acknowledged and resolved escalations page no more, and a finished policy has no
 * next page, so neither is broken.
 */
export async function findBrokenEscalations(db: Database): Promise<BrokenEscalation[]> {
  const result = (await db.execute(sql`
    select e.id, e.run_id as "runId", e.step, e.round, e.raises from escalations e
    where e.status = 'open' and e.next_page_at is not null
      and not exists (
        select 1 from timers t
        where t.kind = 'escalate' and t.fired_at is null and t.payload->>'escalationId' = e.id
          and (t.payload->>'step')::int = e.step and (t.payload->>'round')::int = e.round)`)) as unknown as {
    rows: BrokenEscalation[];
  };
  return result.rows.map((row) => ({
    ...row,
    step: Number(row.step),
    round: Number(row.round),
    raises: Number(row.raises ?? 0),
  }));
}

/** Schedules the missing page now, under the key the escalation's own schedule uses for that step. */
export async function scheduleMissingPage(db: Database, broken: BrokenEscalation, now: Date): Promise<void> {
  const key = pageTimerKey(broken.id, broken.raises, broken.step, broken.round);
  const payload = JSON.stringify({ escalationId: broken.id, step: broken.step, round: broken.round });
  await db.execute(sql`
    insert into timers (key, run_id, kind, payload, due_at, created_at, last_error)
    values (${key}, ${broken.runId}, 'escalate', ${payload}::jsonb, ${now.toISOString()}::timestamptz,
      ${now.toISOString()}::timestamptz, 'scheduled again by the audit')
    on conflict (key) do update set fired_at = null, due_at = excluded.due_at, claimed_until = null,
      claimed_by = null, attempts = 0, last_error = 'scheduled again by the audit'`);
}

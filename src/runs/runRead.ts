import { type SQL, sql } from 'drizzle-orm';
import type { Checklist } from '../checklist/types.js';
import type { Database } from '../db/client.js';
import { executePrepared } from './prepared.js';
import type { RunHeader, StoredCommand, StoredItem } from './store.js';
import type { EscalationState } from './types.js';

/**
 * A run read in one statement: the row, its items, its open escalation, the ledger's entry for a key and,
 * when not known yet, the frozen checklist. One statement is one snapshot, so the parts agree with each
 * other without a transaction; and one round trip instead of four.
 *
 * Everything comes back as one JSON value: ~200 items decode as one string instead of ~200 rows to map,
 * and both drivers give JSON the same shape (they disagree on how raw timestamps come back).
 *
 * Under the run's lock this must be a statement of its own, after the locking one: a subquery of the
 * locking statement reads with the snapshot taken before it waited for the lock.
 */

export interface RunSnapshot {
  header: RunHeader;
  items: StoredItem[];
  escalation: EscalationState | null;
}

export interface RunRead {
  revision: number;
  /** The ledger's entry for the idempotency key, when a key was given and it was used. */
  seen: StoredCommand | null;
  /** When asked for. */
  snapshot: RunSnapshot | null;
  /** When asked for. */
  checklist: Checklist | null;
}

export interface Wanted {
  key: string | null;
  snapshot: boolean;
  checklist: boolean;
}

/** Null when there is no such run. */
export async function readRun(db: Database, runId: string, wanted: Wanted): Promise<RunRead | null> {
  const fields: SQL[] = [sql`'revision', r.revision`];
  if (wanted.key !== null) fields.push(sql`'seen', ${seenJson(wanted.key)}`);
  if (wanted.snapshot) {
    fields.push(
      sql`'header', ${HEADER_JSON}`,
      sql`'items', ${ITEMS_JSON}`,
      sql`'escalation', ${ESCALATION_JSON}`,
    );
  }
  if (wanted.checklist) fields.push(sql`'checklist', r.checklist`);
  const result = await executePrepared<{ run: RunJson }>(
    db,
    sql`select json_build_object(${sql.join(fields, sql`, `)}) as run from runs r where r.id = ${runId}::text`,
  );
  const json = result.rows[0]?.run;
  if (!json) return null;
  return {
    revision: json.revision,
    seen: json.seen ?? null,
    snapshot: json.header
      ? {
          header: headerOf(json.header),
          items: (json.items ?? []).map(itemOf),
          escalation: json.escalation ? escalationOf(json.escalation) : null,
        }
      : null,
    checklist: json.checklist ?? null,
  };
}

function seenJson(key: string): SQL {
  return sql`(select json_build_object('runId', c.run_id, 'accepted', c.accepted,
      'rejectionCode', c.rejection_code, 'rejectionMessage', c.rejection_message)
    from run_commands c where c.idempotency_key = ${key}::text)`;
}

const HEADER_JSON = sql.raw(`json_build_object('id', r.id, 'checklistName', r.checklist_name,
  'checklistHash', r.checklist_hash, 'version', r.version, 'environment', r.environment,
  'platform', r.platform, 'channelId', r.channel_id,
  'workspaceId', r.workspace_id, 'channelPrivate', r.channel_private, 'status', r.status, 'revision', r.revision,
  'startedBy', r.started_by, 'startedAt', r.started_at, 'endedAt', r.ended_at, 'endedBy', r.ended_by,
  'endReason', r.end_reason, 'rollingBack', r.rolling_back, 'assignments', r.assignments, 'updatedAt', r.updated_at)`);

/** Tuples, not objects: a third of the bytes for a 200-item run. */
const ITEMS_JSON = sql.raw(`(select coalesce(json_agg(json_build_array(i.key, i.status, i.reason, i.value,
  i.actor, i.updated_at)), '[]') from run_items i where i.run_id = r.id)`);

const ESCALATION_JSON = sql.raw(`(select json_build_object('id', e.id, 'status', e.status,
  'severity', e.severity, 'policy', e.policy, 'reason', e.reason, 'trigger', e.trigger,
  'openedBy', e.opened_by, 'openedAt', e.opened_at, 'step', e.step, 'round', e.round, 'pages', e.pages,
  'raises', e.raises, 'nextPageAt', e.next_page_at, 'ackedBy', e.acked_by, 'ackedAt', e.acked_at,
  'resolvedBy', e.resolved_by, 'resolvedAt', e.resolved_at)
  from escalations e where e.run_id = r.id and e.status <> 'resolved')`);

/** JSON carries times as ISO strings. */
type Json<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] extends Date ? string : string | null };

type HeaderJson = Json<RunHeader, 'startedAt' | 'endedAt' | 'updatedAt'>;
type EscalationJson = Json<EscalationState, 'openedAt' | 'nextPageAt' | 'ackedAt' | 'resolvedAt'>;
type ItemJson = [string, string, string | null, string | null, string | null, string | null];

interface RunJson {
  revision: number;
  seen?: StoredCommand | null;
  header?: HeaderJson;
  items?: ItemJson[];
  escalation?: EscalationJson | null;
  checklist?: Checklist | null;
}

function dateOrNull(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}

function headerOf(json: HeaderJson): RunHeader {
  return {
    ...json,
    startedAt: new Date(json.startedAt),
    endedAt: dateOrNull(json.endedAt),
    updatedAt: new Date(json.updatedAt),
  };
}

function itemOf([key, status, reason, value, actor, updatedAt]: ItemJson): StoredItem {
  return { key, status, reason, value, actor, updatedAt: dateOrNull(updatedAt) };
}

function escalationOf(json: EscalationJson): EscalationState {
  return {
    ...json,
    openedAt: new Date(json.openedAt),
    nextPageAt: dateOrNull(json.nextPageAt),
    ackedAt: dateOrNull(json.ackedAt),
    resolvedAt: dateOrNull(json.resolvedAt),
  };
}

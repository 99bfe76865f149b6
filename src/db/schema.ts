import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { Checklist } from '../checklist/types.js';

/** One deployment run. `revision` grows by one with every accepted command. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    checklistName: text('checklist_name').notNull(),
    checklistHash: text('checklist_hash').notNull(),
    /** The parsed checklist as it was when the run started: editing the file never changes a run. */
    checklist: jsonb('checklist').$type<Checklist>().notNull(),
    version: text('version'),
    environment: text('environment'),
    platform: text('platform').notNull(),
    channelId: text('channel_id').notNull(),
    /** Slack team id or Discord guild id; null for the terminal and for runs started before it was kept. */
    workspaceId: text('workspace_id'),
    /** Whether the channel is private; null when unknown, which is treated as private. */
    channelPrivate: boolean('channel_private'),
    status: text('status').notNull(),
    revision: integer('revision').notNull(),
    startedBy: text('started_by').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endedBy: text('ended_by'),
    endReason: text('end_reason'),
    /** Set while the run goes through its rollback steps: since when, by whom, why (ISO time in JSON). */
    rollingBack: jsonb('rolling_back').$type<{ since: string; by: string; reason: string }>(),
    /** Roles given to people for this run only (`/deploy assign`): role → actors. */
    assignments: jsonb('assignments').$type<Record<string, string[]>>().notNull().default({}),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    // The database, not the code, guarantees one active run per channel, even across replicas.
    uniqueIndex('runs_one_active_per_channel')
      .on(table.platform, table.channelId)
      .where(sql`${table.status} = 'active'`),
    index('runs_checklist_started').on(table.checklistName, table.startedAt),
  ],
);

/** The current state of each item of a run: a projection of run_events, kept for fast reads. */
export const runItems = pgTable(
  'run_items',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    /** What was recorded: an input's value, a decision's option, a sign-off's signer. */
    value: text('value'),
    actor: text('actor'),
    updatedAt: timestamp('updated_at', { withTimezone: true }),
  },
  (table) => [primaryKey({ columns: [table.runId, table.key] })],
);

/**
 * Every command anyone gave a run, accepted or rejected: the idempotency ledger (a retried Slack
 * request or a double click finds its first outcome here) and half of the audit trail.
 */
export const runCommands = pgTable(
  'run_commands',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    idempotencyKey: text('idempotency_key'),
    actor: text('actor').notNull(),
    /** The platform's id for who acted (the name in `actor` is as it was at the time). */
    actorId: text('actor_id'),
    command: jsonb('command').notNull(),
    accepted: boolean('accepted').notNull(),
    rejectionCode: text('rejection_code'),
    rejectionMessage: text('rejection_message'),
    revision: integer('revision').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    uniqueIndex('run_commands_idempotency_key').on(table.idempotencyKey),
    index('run_commands_run').on(table.runId, table.id),
  ],
);

/** The append-only audit log: what happened to a run, in order (`seq` counts from 1 per run). */
export const runEvents = pgTable(
  'run_events',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    commandId: bigint('command_id', { mode: 'number' })
      .notNull()
      .references(() => runCommands.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    actorId: text('actor_id'),
    payload: jsonb('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.seq] })],
);

/**
 * Which chat message shows which part of a run (the summary, or one page of a section), so a change is
 * written into the message people already see instead of posting a new one. `renderedHash` is what the
 * message shows now: a part whose new rendering hashes the same is not sent again, even after a restart.
 */
export const chatMessages = pgTable(
  'chat_messages',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull(),
    partId: text('part_id').notNull(),
    page: integer('page').notNull(),
    channelId: text('channel_id').notNull(),
    /** Slack's message `ts`, Discord's message id. */
    messageId: text('message_id').notNull(),
    /** The thread the message sits in (Slack: the summary's `ts`), or null for a top-level message. */
    threadId: text('thread_id'),
    renderedHash: text('rendered_hash').notNull(),
    /** The run revision the shown rendering came from: an older rendering never overwrites a newer one. */
    revision: integer('revision').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.runId, table.platform, table.partId, table.page] }),
    // A click names a message, not a run: this finds the run behind it.
    index('chat_messages_message').on(table.platform, table.channelId, table.messageId),
  ],
);

/**
 * Durable timers: escalation steps, deadlines, reminders and notification deliveries. A job is written
 * in the same transaction as the change that needs it, under a deterministic key, so it is never doubled;
 * a worker claims due jobs with a short lease it renews while the job runs (FOR UPDATE SKIP LOCKED), so
 * each replica takes different ones and a job whose worker died is taken again within seconds.
 */
export const timers = pgTable(
  'timers',
  {
    key: text('key').primaryKey(),
    runId: text('run_id'),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** The worker holding the lease: only it renews the lease and settles the job. */
    claimedBy: text('claimed_by'),
    firedAt: timestamp('fired_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    index('timers_due').on(table.dueAt).where(sql`${table.firedAt} is null`),
    // The audit prunes settled jobs past their retention.
    index('timers_fired').on(table.firedAt).where(sql`${table.firedAt} is not null`),
  ],
);

/** Escalations of a run: a projection of the escalation_* events, for the summary and the timers. */
export const escalations = pgTable(
  'escalations',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    severity: text('severity').notNull(),
    policy: text('policy'),
    reason: text('reason').notNull(),
    trigger: text('trigger').notNull(),
    openedBy: text('opened_by').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    step: integer('step').notNull().default(0),
    round: integer('round').notNull().default(0),
    pages: integer('pages').notNull().default(0),
    /** How many times a worse trigger raised the severity: part of the page timers' keys after a raise. */
    raises: integer('raises').notNull().default(0),
    nextPageAt: timestamp('next_page_at', { withTimezone: true }),
    ackedBy: text('acked_by'),
    ackedAt: timestamp('acked_at', { withTimezone: true }),
    resolvedBy: text('resolved_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (table) => [
    // At most one unresolved escalation per run: later triggers are added to it, not paged again.
    uniqueIndex('escalations_one_open_per_run').on(table.runId).where(sql`${table.status} <> 'resolved'`),
  ],
);

/**
 * Small values Shipcheck keeps for itself, one row per key: e.g. the secret that signs run-page links when
 * SHIPCHECK_LINK_SECRET is not set, so links stay valid across restarts and agree between replicas.
 */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

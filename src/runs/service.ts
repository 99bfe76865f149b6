import type { Checklist } from '../checklist/types.js';
import type { Database } from '../db/client.js';
import type { ErrorCode } from '../errors.js';
import { type ScheduleOptions, timersFor } from '../escalation/schedule.js';
import { newRunId } from './ids.js';
import { applyEvents, decide, initialState } from './machine.js';
import * as store from './store.js';
import type { Actor, Rejection, RunCommand, RunEvent, RunState, StartCommand } from './types.js';

const CHECKLIST_CACHE_SIZE = 256;

export interface Outcome {
  accepted: boolean;
  rejection: Rejection | null;
  /** The run after the command (the current run when the command was a replay or a rejection). */
  state: RunState | null;
  /** The run before the command, so a publisher can tell what changed. */
  previous: RunState | null;
  events: RunEvent[];
  /** True when the idempotency key was seen before: the first outcome is returned, nothing changed. */
  replayed: boolean;
}

export interface StartInput {
  checklist: Checklist;
  version: string | null;
  environment: string | null;
  platform: string;
  channelId: string;
}

export interface RunServiceOptions {
  clock?: () => Date;
  newId?: () => string;
  /** A run with no progress for this many minutes escalates (oncall.yaml stall_minutes). */
  stallMinutes?: number | null;
}

/** Applies commands to runs: one transaction each, the run row locked, the outcome recorded once. */
export class RunService {
  readonly #db: Database;
  readonly #clock: () => Date;
  readonly #newId: () => string;
  readonly #schedule: ScheduleOptions;
  readonly #checklists = new Map<string, Checklist>();

  constructor(db: Database, options: RunServiceOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
    this.#newId = options.newId ?? newRunId;
    this.#schedule = { stallMinutes: options.stallMinutes ?? null };
  }

  async start(input: StartInput, actor: string, idempotencyKey: string | null): Promise<Outcome> {
    const replay = idempotencyKey ? await this.#replay(idempotencyKey) : null;
    if (replay) return replay;
    const activeId = await store.selectActiveRunId(this.#db, input.platform, input.channelId);
    if (activeId) return this.#rejectStart(activeId);

    const command: StartCommand = { type: 'start', runId: this.#newId(), ...input };
    const now = this.#clock();
    const decision = decide(null, command, now);
    if (!decision.ok) return rejected(decision.rejection, null);
    const state = initialState(command, actor, now);
    try {
      await this.#db.transaction(async (tx) => {
        await store.insertRun(tx, state);
        const commandId = await store.insertCommand(tx, {
          runId: state.id,
          idempotencyKey,
          actor,
          command: describeStart(command),
          accepted: true,
          rejectionCode: null,
          rejectionMessage: null,
          revision: state.revision,
          at: now,
        });
        await store.appendEvents(tx, state.id, commandId, actor, decision.events, now);
        await store.insertTimers(tx, timersFor(state, decision.events, now, this.#schedule), now);
      });
    } catch (error) {
      // Lost a race: the same request delivered twice, or another start in this channel got there first.
      if (!store.isUniqueViolation(error)) throw error;
      const again = idempotencyKey ? await this.#replay(idempotencyKey) : null;
      if (again) return again;
      const winner = await store.selectActiveRunId(this.#db, input.platform, input.channelId);
      if (winner) return this.#rejectStart(winner);
      throw error;
    }
    return {
      accepted: true,
      rejection: null,
      state,
      previous: null,
      events: decision.events,
      replayed: false,
    };
  }

  /** `by` is who acts: a name, or a name with roles when a people directory decides who may do what. */
  async apply(
    runId: string,
    command: RunCommand,
    by: string | Actor,
    idempotencyKey: string | null,
  ): Promise<Outcome> {
    const who: Actor = typeof by === 'string' ? { name: by, roles: null } : by;
    const actor = who.name;
    return this.#db.transaction(async (tx) => {
      const row = await store.lockRun(tx, runId);
      if (!row) return rejected({ code: 'run_not_found', message: `there is no run ${runId}.` }, null);
      if (idempotencyKey) {
        const seen = await store.selectCommandByKey(tx, idempotencyKey);
        if (seen) return replayOf(seen, await this.#stateOf(tx, row));
      }
      const previous = await this.#stateOf(tx, row);
      const now = this.#clock();
      const decision = decide(previous, command, now, who);
      if (!decision.ok) {
        await store.insertCommand(tx, {
          runId,
          idempotencyKey,
          actor,
          command,
          accepted: false,
          rejectionCode: decision.rejection.code,
          rejectionMessage: decision.rejection.message,
          revision: previous.revision,
          at: now,
        });
        return rejected(decision.rejection, previous);
      }
      const next = applyEvents(previous, decision.events, actor, now);
      const commandId = await store.insertCommand(tx, {
        runId,
        idempotencyKey,
        actor,
        command,
        accepted: true,
        rejectionCode: null,
        rejectionMessage: null,
        revision: next.revision,
        at: now,
      });
      await store.appendEvents(tx, runId, commandId, actor, decision.events, now);
      await store.updateItems(tx, next, changedKeys(decision.events));
      await store.updateRun(tx, next, now);
      if (next.escalation && decision.events.some((event) => event.type.startsWith('escalation_'))) {
        await store.saveEscalation(tx, runId, next.escalation);
      }
      // Timers are written with the events that need them: a page is never scheduled without its cause.
      await store.insertTimers(tx, timersFor(next, decision.events, now, this.#schedule), now);
      return {
        accepted: true,
        rejection: null,
        state: next,
        previous,
        events: decision.events,
        replayed: false,
      };
    });
  }

  async get(runId: string): Promise<RunState | null> {
    const row = await store.selectRunHeader(this.#db, runId);
    return row ? this.#stateOf(this.#db, row) : null;
  }

  async #stateOf(db: Database, header: store.RunHeader): Promise<RunState> {
    const checklist = await this.#checklistOf(db, header.id);
    const items = await store.selectItems(db, header.id);
    return store.toRunState(header, checklist, items, await store.selectOpenEscalation(db, header.id));
  }

  /** A run's frozen checklist never changes, so it is read once and kept (a 200-item one is ~100 kB of JSON). */
  async #checklistOf(db: Database, runId: string): Promise<Checklist> {
    const cached = this.#checklists.get(runId);
    if (cached) return cached;
    const checklist = await store.selectChecklist(db, runId);
    if (!checklist) throw new Error(`run ${runId} has no checklist`);
    if (this.#checklists.size >= CHECKLIST_CACHE_SIZE) {
      const oldest = this.#checklists.keys().next().value;
      if (oldest !== undefined) this.#checklists.delete(oldest);
    }
    this.#checklists.set(runId, checklist);
    return checklist;
  }

  /** Only the id: enough to apply a command, without reading the run twice. */
  activeRunId(platform: string, channelId: string): Promise<string | null> {
    return store.selectActiveRunId(this.#db, platform, channelId);
  }

  async activeRun(platform: string, channelId: string): Promise<RunState | null> {
    const id = await store.selectActiveRunId(this.#db, platform, channelId);
    return id ? this.get(id) : null;
  }

  recentRuns(platform: string, channelId: string, limit = 10) {
    return store.selectRecentRuns(this.#db, platform, channelId, limit);
  }

  activeRunCount(): Promise<number> {
    return store.countActiveRuns(this.#db);
  }

  events(runId: string) {
    return store.selectEvents(this.#db, runId);
  }

  async #replay(idempotencyKey: string): Promise<Outcome | null> {
    const seen = await store.selectCommandByKey(this.#db, idempotencyKey);
    if (!seen) return null;
    return replayOf(seen, await this.get(seen.runId));
  }

  async #rejectStart(activeId: string): Promise<Outcome> {
    const active = await this.get(activeId);
    const what = active
      ? `“${active.checklist.title}”${active.version ? ` ${active.version}` : ''}`
      : 'a run';
    const who = active ? `, started by ${active.startedBy}` : '';
    return rejected(
      {
        code: 'run_active',
        message: `${what} is already running in this channel (run ${activeId}${who}). Complete or abort it first.`,
      },
      active,
    );
  }
}

function replayOf(seen: store.StoredCommand, state: RunState | null): Outcome {
  const rejection = seen.accepted
    ? null
    : { code: (seen.rejectionCode ?? 'bad_command') as ErrorCode, message: seen.rejectionMessage ?? '' };
  return { accepted: seen.accepted, rejection, state, previous: state, events: [], replayed: true };
}

function rejected(rejection: Rejection, state: RunState | null): Outcome {
  return { accepted: false, rejection, state, previous: state, events: [], replayed: false };
}

function changedKeys(events: RunEvent[]): string[] {
  return events.flatMap((event) =>
    (event.type.startsWith('item_') || event.type === 'check_ran') && 'key' in event && event.key
      ? [event.key]
      : [],
  );
}

/** The stored form of a start: the checklist by name and hash, not the whole frozen copy again. */
function describeStart(command: StartCommand) {
  return {
    type: 'start',
    checklist: command.checklist.name,
    hash: command.checklist.hash,
    version: command.version,
    environment: command.environment,
  };
}

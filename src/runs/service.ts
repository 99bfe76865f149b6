import type { Checklist } from '../checklist/types.js';
import type { Database } from '../db/client.js';
import type { ErrorCode } from '../errors.js';
import { type ScheduleOptions, timersFor } from '../escalation/schedule.js';
import { type CommandWrite, writeCommand } from './commandWrite.js';
import { newRunId } from './ids.js';
import { applyEvents, CHECKLIST_ACTOR, decide, initialState, preTickedEvents } from './machine.js';
import { type RunSnapshot, readRun } from './runRead.js';
import { RunStateCache } from './stateCache.js';
import * as store from './store.js';
import type { Actor, Rejection, RunCommand, RunEvent, RunHome, RunState, StartCommand } from './types.js';

const CHECKLIST_CACHE_SIZE = 256;
const STATE_CACHE_SIZE = 256;

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
  /** Slack team / Discord guild: reads from other channels stay inside it. */
  workspaceId?: string | null;
  channelPrivate?: boolean | null;
}

export interface RunServiceOptions {
  clock?: () => Date;
  newId?: () => string;
  /** A run with no progress for this many minutes escalates (oncall.yaml stall_minutes). */
  stallMinutes?: number | null;
}

/** Applies commands to runs: each one commits whole, against the run as it is, and is recorded once. */
export class RunService {
  readonly #db: Database;
  readonly #clock: () => Date;
  readonly #newId: () => string;
  readonly #schedule: ScheduleOptions;
  readonly #checklists = new Map<string, Checklist>();
  readonly #states = new RunStateCache(STATE_CACHE_SIZE);

  constructor(db: Database, options: RunServiceOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
    this.#newId = options.newId ?? newRunId;
    this.#schedule = { stallMinutes: options.stallMinutes ?? null };
  }

  async start(input: StartInput, by: string | Actor, idempotencyKey: string | null): Promise<Outcome> {
    const actor = typeof by === 'string' ? by : by.name;
    const actorId = typeof by === 'string' ? null : (by.id ?? null);
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
          actorId,
          command: describeStart(command),
          accepted: true,
          rejectionCode: null,
          rejectionMessage: null,
          revision: state.revision,
          at: now,
        });
        await store.appendEvents(tx, state.id, commandId, actor, decision.events, now, actorId);
        const preTicked = preTickedEvents(command.checklist);
        if (preTicked.length > 0)
          await store.appendEvents(tx, state.id, commandId, CHECKLIST_ACTOR, preTicked, now, null);
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
    // Remembered as a fresh read would give it back (JSON drops the `undefined` fields the parser leaves
    // in the checklist), so the run's first click takes the one-round-trip path too. Without it, the first
    // click on each of fifty runs just started read its run back while the rest queued behind it.
    this.#states.remember({ ...state, checklist: JSON.parse(JSON.stringify(state.checklist)) as Checklist });
    return {
      accepted: true,
      rejection: null,
      state,
      previous: null,
      events: decision.events,
      replayed: false,
    };
  }

  /**
   * `by` is who acts: a name, or a name with roles when a people directory decides who may do what.
   *
   * A command is decided against the run as this process last saw it, and written in one statement
   * guarded by the run's revision: one round trip. A stale guess writes nothing; the run is then read
   * (one statement) and the command decided again. Only when that loses a race too (someone else wrote
   * between the read and the write) does the command wait for the run's lock, which always succeeds.
   */
  async apply(
    runId: string,
    command: RunCommand,
    by: string | Actor,
    idempotencyKey: string | null,
  ): Promise<Outcome> {
    const request: Request = {
      runId,
      command,
      who: typeof by === 'string' ? { name: by, roles: null } : by,
      idempotencyKey,
    };
    const cached = this.#states.get(runId);
    const onCached = cached ? await this.#tryWrite(cached, request) : null;
    if (onCached) return onCached;
    const onRead = await this.#applyToRead(request);
    return onRead ?? this.#applyLocked(request);
  }

  /** Null when the run moved on meanwhile or the key was used meanwhile. */
  async #applyToRead(request: Request): Promise<Outcome | null> {
    const read = await this.#read(this.#db, request.runId, request.idempotencyKey, null);
    if (!read) return this.#noSuchRun(request.runId);
    const { state, seen } = read;
    this.#states.remember(state);
    if (seen) return replayOf(seen, state);
    return this.#tryWrite(state, request);
  }

  /**
   * Outside a transaction the write is its own transaction: its outcome is committed when it returns.
   * A unique violation means the key was taken meanwhile by a command on another run; like a run that
   * moved on, that is a lost race (null), and the next attempt finds the key in the ledger.
   */
  async #tryWrite(previous: RunState, request: Request): Promise<Outcome | null> {
    try {
      const outcome = await this.#decideAndWrite(this.#db, previous, request);
      if (outcome) this.#remember(outcome);
      return outcome;
    } catch (error) {
      if (store.isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Null when the run has moved past `previous`: then nothing was written. */
  async #decideAndWrite(db: Database, previous: RunState, request: Request): Promise<Outcome | null> {
    const step = this.#decideStep(previous, request);
    return (await writeCommand(db, step.write)) ? step.outcome : null;
  }

  /**
   * Holds the run's lock from the read to the write, so nobody can move the run on in between. Only the
   * idempotency key can still be lost, taken by a command on another run after it was looked up; the
   * second attempt finds it in the ledger and replays it.
   */
  async #applyLocked(request: Request): Promise<Outcome> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      let outcome: Outcome | null = null;
      try {
        outcome = await this.#db.transaction((tx) => this.#applyUnderLock(tx, request));
      } catch (error) {
        if (attempt === 2 || !store.isUniqueViolation(error)) throw error;
      }
      if (outcome) {
        this.#remember(outcome);
        return outcome;
      }
    }
    throw new Error(`a command on run ${request.runId} lost its idempotency key twice`);
  }

  async #applyUnderLock(tx: Database, request: Request): Promise<Outcome | null> {
    const { runId, idempotencyKey } = request;
    const revision = await store.lockRevision(tx, runId);
    if (revision === undefined) return this.#noSuchRun(runId);
    const read = await this.#read(tx, runId, idempotencyKey, revision);
    if (!read) return this.#noSuchRun(runId);
    if (read.seen) return replayOf(read.seen, read.state);
    return this.#decideAndWrite(tx, read.state, request);
  }

  /**
   * The run's state and the ledger's entry for the key, in one statement. `knownRevision` is the revision
   * the caller knows to be current (under the lock): when this process holds that state, only the ledger
   * is read.
   */
  async #read(
    db: Database,
    runId: string,
    key: string | null,
    knownRevision: number | null,
  ): Promise<{ state: RunState; seen: store.StoredCommand | null } | null> {
    const cached = this.#states.get(runId);
    const current = knownRevision !== null && cached?.revision === knownRevision ? cached : null;
    const checklist = this.#knownChecklist(runId);
    const read = await readRun(db, runId, { key, snapshot: !current, checklist: !current && !checklist });
    if (!read) return null;
    if (current) return { state: current, seen: read.seen };
    const snapshot = read.snapshot as RunSnapshot;
    return { state: this.#stateFrom(snapshot, read.checklist ?? checklist), seen: read.seen };
  }

  #noSuchRun(runId: string): Outcome {
    this.#states.forget(runId);
    return rejected({ code: 'run_not_found', message: `there is no run ${runId}.` }, null);
  }

  /** Decides the command and says what to write: pure, so every path runs the same decision. */
  #decideStep(previous: RunState, request: Request): { outcome: Outcome; write: CommandWrite } {
    const { command, who, idempotencyKey } = request;
    const now = this.#clock();
    const base = {
      runId: previous.id,
      expectedRevision: previous.revision,
      idempotencyKey,
      actor: who.name,
      actorId: who.id ?? null,
      command,
      at: now,
    };
    const decision = decide(previous, command, now, who);
    if (!decision.ok) {
      const { code, message } = decision.rejection;
      return {
        outcome: rejected(decision.rejection, previous),
        write: { ...base, change: { accepted: false, code, message } },
      };
    }
    const { events } = decision;
    const next = applyEvents(previous, events, who.name, now);
    const escalationChanged = events.some((event) => event.type.startsWith('escalation_'));
    return {
      outcome: { accepted: true, rejection: null, state: next, previous, events, replayed: false },
      write: {
        ...base,
        change: {
          accepted: true,
          next,
          events,
          itemKeys: changedKeys(events),
          escalation: escalationChanged ? next.escalation : null,
          // Timers are written with the events that need them: a page is never scheduled without its cause.
          timers: timersFor(next, events, now, this.#schedule),
        },
      },
    };
  }

  /** After the commit only: the cache holds committed states. */
  #remember(outcome: Outcome): void {
    if (outcome.state) this.#states.remember(outcome.state);
  }

  async get(runId: string): Promise<RunState | null> {
    const cached = this.#states.get(runId);
    if (cached && (await store.selectRevision(this.#db, runId)) === cached.revision) return cached;
    const read = await this.#read(this.#db, runId, null, null);
    if (read) this.#states.remember(read.state);
    return read?.state ?? null;
  }

  #stateFrom(snapshot: RunSnapshot, checklist: Checklist | null | undefined): RunState {
    const { header, items, escalation } = snapshot;
    if (!checklist) throw new Error(`run ${header.id} has no checklist`);
    this.#keepChecklist(header.id, checklist);
    return store.toRunState(header, checklist, items, escalation);
  }

  /** A run's frozen checklist never changes, so it is read once and kept (a 200-item one is ~100 kB of JSON). */
  #knownChecklist(runId: string): Checklist | undefined {
    return this.#checklists.get(runId) ?? this.#states.get(runId)?.checklist;
  }

  #keepChecklist(runId: string, checklist: Checklist): void {
    if (this.#checklists.has(runId)) return;
    if (this.#checklists.size >= CHECKLIST_CACHE_SIZE) {
      const oldest = this.#checklists.keys().next().value;
      if (oldest !== undefined) this.#checklists.delete(oldest);
    }
    this.#checklists.set(runId, checklist);
  }

  /** Where a run lives (platform, workspace, channel): it never changes, so a cached state answers. */
  async home(runId: string): Promise<RunHome | null> {
    const cached = this.#states.get(runId);
    if (cached) return cached;
    return store.selectRunHome(this.#db, runId);
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

/** One command as asked: which run, what, by whom, under which idempotency key. */
interface Request {
  runId: string;
  command: RunCommand;
  who: Actor;
  idempotencyKey: string | null;
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

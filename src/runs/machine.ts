import type { ChecklistItem } from '../checklist/types.js';
import type { ErrorCode } from '../errors.js';
import type {
  Command,
  Decision,
  ItemState,
  ItemStatus,
  RunCommand,
  RunEvent,
  RunState,
  StartCommand,
} from './types.js';

/**
 * The run machine: one pure function from (state, command, now) to the events the command causes, or a
 * rejection with a code and a sentence for the person who asked. No I/O, no clock: `now` is given.
 */
export function decide(state: RunState | null, command: Command, now: Date): Decision {
  if (command.type === 'start') {
    if (state && state.status === 'active') {
      return reject(
        'run_active',
        `a run of “${state.checklist.title}” is already active here (run ${state.id}).`,
      );
    }
    return accept([startedEvent(command)]);
  }
  if (!state) return reject('run_not_found', 'there is no such run.');
  if (state.status !== 'active') return reject('run_finished', finishedSentence(state));
  return decideOnActiveRun(state, command, now);
}

function decideOnActiveRun(state: RunState, command: RunCommand, _now: Date): Decision {
  switch (command.type) {
    case 'check':
      return decideCheck(state, command.refs);
    case 'uncheck': {
      const found = findItem(state, command.ref);
      if (!found.ok) return found;
      const current = itemState(state, found.item.key);
      if (current.status === 'open') {
        return reject('not_resolved', `item ${found.item.ref} is open; there is nothing to undo.`);
      }
      const events: RunEvent[] = [{ type: 'item_reopened', key: found.item.key, previous: current.status }];
      return accept(withDerivedParents(state, events));
    }
    case 'skip':
      return decideResolve(state, command.ref, 'skipped', command.reason, 'a reason');
    case 'na':
      return decideResolve(state, command.ref, 'na', null, null);
    case 'fail':
      return decideResolve(state, command.ref, 'failed', command.detail, 'what failed');
    case 'note': {
      const text = command.text.trim();
      if (!text) return reject('reason_required', 'a note needs some text: /deploy note <text>.');
      if (command.ref === undefined) return accept([{ type: 'note_added', text, key: null }]);
      const found = findItem(state, command.ref);
      if (!found.ok) return found;
      return accept([{ type: 'note_added', text, key: found.item.key }]);
    }
    case 'complete':
      return decideComplete(state);
    case 'abort':
    case 'rollback': {
      const reason = command.reason.trim();
      if (!reason) {
        return reject('reason_required', `say why: /deploy ${command.type} <reason>.`);
      }
      return accept([
        command.type === 'abort' ? { type: 'run_aborted', reason } : { type: 'run_rolled_back', reason },
      ]);
    }
  }
}

function decideCheck(state: RunState, refs: string[]): Decision {
  if (refs.length === 0) return reject('bad_command', 'name the items to check, e.g. /deploy check 1.1 1.2.');
  const items: ChecklistItem[] = [];
  for (const ref of refs) {
    const found = findItem(state, ref);
    if (!found.ok) return found;
    if (!items.includes(found.item)) items.push(found.item);
  }
  const open = items.filter((item) => itemState(state, item.key).status !== 'done');
  if (open.length === 0) {
    const first = items[0] as ChecklistItem;
    const current = itemState(state, first.key);
    const also = items.length > 1 ? ` (and the other ${items.length - 1} too)` : '';
    return reject(
      'already_done',
      `item ${first.ref} is already done${byWhom(current)}${also}; /deploy undo ${first.ref} reopens it.`,
    );
  }
  const events: RunEvent[] = [];
  const planned = new Set<string>();
  for (const item of open) {
    events.push({ type: 'item_checked', key: item.key });
    planned.add(item.key);
    for (const descendant of descendantsOf(state, item)) {
      if (planned.has(descendant.key)) continue;
      if (!isResolved(itemState(state, descendant.key).status)) {
        events.push({ type: 'item_checked', key: descendant.key, auto: true });
        planned.add(descendant.key);
      }
    }
  }
  return accept(withDerivedParents(state, events));
}

function decideResolve(
  state: RunState,
  ref: string,
  status: 'skipped' | 'failed' | 'na',
  reasonText: string | null,
  reasonName: string | null,
): Decision {
  const found = findItem(state, ref);
  if (!found.ok) return found;
  const item = found.item;
  const reason = reasonText?.trim() ?? '';
  const verb = status === 'na' ? 'na' : status === 'skipped' ? 'skip' : 'fail';
  if (reasonName && !reason) {
    return reject('reason_required', `say ${reasonName}: /deploy ${verb} ${item.ref} <${reasonName}>.`);
  }
  const current = itemState(state, item.key);
  if (current.status === status) {
    return reject(
      'already_resolved',
      `item ${item.ref} is already ${describeStatus(status)}${byWhom(current)}; /deploy undo ${item.ref} reopens it.`,
    );
  }
  const events: RunEvent[] = [];
  if (status === 'failed') {
    events.push({ type: 'item_failed', key: item.key, detail: reason });
  } else {
    const own: RunEvent =
      status === 'skipped'
        ? { type: 'item_skipped', key: item.key, reason }
        : { type: 'item_na', key: item.key };
    events.push(own);
    // Skipping a group skips what in it is still open; what was done stays done.
    for (const descendant of descendantsOf(state, item)) {
      const descendantStatus = itemState(state, descendant.key).status;
      if (descendantStatus !== 'open' && descendantStatus !== 'failed') continue;
      events.push(
        status === 'skipped'
          ? { type: 'item_skipped', key: descendant.key, reason, auto: true }
          : { type: 'item_na', key: descendant.key, auto: true },
      );
    }
  }
  return accept(withDerivedParents(state, events));
}

const LIST_LIMIT = 10;

function decideComplete(state: RunState): Decision {
  const open: string[] = [];
  const failed: string[] = [];
  for (const item of state.checklist.items) {
    if (!item.required) continue;
    const status = itemState(state, item.key).status;
    if (status === 'open') open.push(item.ref);
    if (status === 'failed') failed.push(item.ref);
  }
  if (open.length === 0 && failed.length === 0) return accept([{ type: 'run_completed' }]);
  const parts: string[] = [];
  if (open.length > 0) parts.push(`${countOf(open.length, 'required item')} open: ${listRefs(open)}`);
  if (failed.length > 0) parts.push(`${countOf(failed.length, 'required item')} failed: ${listRefs(failed)}`);
  return reject(
    'incomplete',
    `cannot complete: ${parts.join('; ')}. Check, skip (with a reason) or mark them N/A first.`,
  );
}

/** A parent is done when its last open child is resolved, and open again when a child is reopened. */
function withDerivedParents(state: RunState, events: RunEvent[]): RunEvent[] {
  const statuses = new Map<string, ItemStatus>();
  const statusOf = (key: string) => statuses.get(key) ?? itemState(state, key).status;
  const note = (event: RunEvent) => {
    if ('key' in event && event.key) statuses.set(event.key, statusAfter(event) ?? statusOf(event.key));
  };
  events.forEach(note);
  const byKey = itemIndex(state);
  const result = [...events];
  const touched = events.flatMap((event) => ('key' in event && event.key ? [event.key] : []));
  for (const key of touched) {
    let parentKey = byKey.get(key)?.parentKey ?? null;
    while (parentKey) {
      const parent = byKey.get(parentKey);
      if (!parent) break;
      const childrenResolved = parent.childKeys.every((childKey) => isResolved(statusOf(childKey)));
      const parentStatus = statusOf(parent.key);
      let derived: RunEvent | null = null;
      if (childrenResolved && parentStatus === 'open') {
        derived = { type: 'item_checked', key: parent.key, auto: true };
      } else if (!childrenResolved && parentStatus === 'done') {
        derived = { type: 'item_reopened', key: parent.key, previous: 'done', auto: true };
      }
      if (!derived) break;
      result.push(derived);
      note(derived);
      parentKey = parent.parentKey;
    }
  }
  return result;
}

function statusAfter(event: RunEvent): ItemStatus | null {
  switch (event.type) {
    case 'item_checked':
      return 'done';
    case 'item_skipped':
      return 'skipped';
    case 'item_failed':
      return 'failed';
    case 'item_na':
      return 'na';
    case 'item_reopened':
      return 'open';
    default:
      return null;
  }
}

/** Pure projection: the state after a command's events, with the revision one higher. */
export function applyEvents(state: RunState, events: RunEvent[], actor: string, at: Date): RunState {
  const next: RunState = { ...state, items: { ...state.items }, revision: state.revision + 1 };
  for (const event of events) {
    const itemStatus = statusAfter(event);
    if (itemStatus && 'key' in event && event.key) {
      const reason =
        event.type === 'item_skipped' ? event.reason : event.type === 'item_failed' ? event.detail : null;
      next.items[event.key] =
        itemStatus === 'open'
          ? { status: 'open', reason: null, value: null, actor: null, at: null }
          : { status: itemStatus, reason, value: null, actor, at };
      continue;
    }
    if (event.type === 'run_completed' || event.type === 'run_aborted' || event.type === 'run_rolled_back') {
      next.status =
        event.type === 'run_completed'
          ? 'completed'
          : event.type === 'run_aborted'
            ? 'aborted'
            : 'rolled_back';
      next.endedAt = at;
      next.endedBy = actor;
      next.endReason = event.type === 'run_completed' ? null : event.reason;
    }
  }
  return next;
}

/** The state of a run that was just started: every item open, revision 1. */
export function initialState(command: StartCommand, actor: string, at: Date): RunState {
  const items: Record<string, ItemState> = {};
  for (const item of command.checklist.items) {
    items[item.key] = { status: 'open', reason: null, value: null, actor: null, at: null };
  }
  return {
    id: command.runId,
    checklist: command.checklist,
    version: command.version,
    environment: command.environment,
    platform: command.platform,
    channelId: command.channelId,
    status: 'active',
    revision: 1,
    startedBy: actor,
    startedAt: at,
    endedAt: null,
    endedBy: null,
    endReason: null,
    assignments: {},
    items,
  };
}

export function isResolved(status: ItemStatus): boolean {
  return status === 'done' || status === 'skipped' || status === 'na';
}

export function itemState(state: RunState, key: string): ItemState {
  return state.items[key] ?? { status: 'open', reason: null, value: null, actor: null, at: null };
}

type Found =
  | { ok: true; item: ChecklistItem }
  | { ok: false; rejection: { code: ErrorCode; message: string } };

export function findItem(state: RunState, reference: string): Found {
  const wanted = reference.trim().replace(/[.,;]+$/, '');
  const item = state.checklist.items.find(
    (candidate) => candidate.ref === wanted || candidate.key === wanted,
  );
  if (item) return { ok: true, item };
  return reject(
    'unknown_item',
    `there is no item ${wanted || '(empty)'} in “${state.checklist.title}”; /deploy status lists the items.`,
  );
}

function descendantsOf(state: RunState, item: ChecklistItem): ChecklistItem[] {
  const byKey = itemIndex(state);
  const result: ChecklistItem[] = [];
  const visit = (parent: ChecklistItem) => {
    for (const childKey of parent.childKeys) {
      const child = byKey.get(childKey);
      if (!child) continue;
      result.push(child);
      visit(child);
    }
  };
  visit(item);
  return result;
}

const indexCache = new WeakMap<object, Map<string, ChecklistItem>>();

function itemIndex(state: RunState): Map<string, ChecklistItem> {
  let index = indexCache.get(state.checklist);
  if (!index) {
    index = new Map(state.checklist.items.map((item) => [item.key, item]));
    indexCache.set(state.checklist, index);
  }
  return index;
}

function startedEvent(command: StartCommand): RunEvent {
  return {
    type: 'run_started',
    checklistName: command.checklist.name,
    checklistHash: command.checklist.hash,
    version: command.version,
    environment: command.environment,
  };
}

function finishedSentence(state: RunState): string {
  const how =
    state.status === 'completed' ? 'completed' : state.status === 'aborted' ? 'aborted' : 'rolled back';
  const who = state.endedBy ? ` by ${state.endedBy}` : '';
  const when = state.endedAt ? ` at ${formatClock(state.endedAt)}` : '';
  return `run ${state.id} was ${how}${who}${when}; it cannot change now. /deploy start begins a new one.`;
}

function byWhom(item: ItemState): string {
  const who = item.actor ? ` by ${item.actor}` : '';
  const when = item.at ? ` at ${formatClock(item.at)}` : '';
  return `${who}${when}`;
}

function describeStatus(status: ItemStatus): string {
  return { open: 'open', done: 'done', skipped: 'skipped', failed: 'failed', na: 'marked N/A' }[status];
}

/** `14:02 UTC`: chat readers span time zones, so times say which one they are in. */
export function formatClock(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`;
}

function listRefs(refs: string[]): string {
  const shown = refs.slice(0, LIST_LIMIT).join(', ');
  return refs.length > LIST_LIMIT ? `${shown}, … (${refs.length - LIST_LIMIT} more)` : shown;
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function accept(events: RunEvent[]): Decision {
  return { ok: true, events };
}

function reject(
  code: ErrorCode,
  message: string,
): { ok: false; rejection: { code: ErrorCode; message: string } } {
  return { ok: false, rejection: { code, message } };
}

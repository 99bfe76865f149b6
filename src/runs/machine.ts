import type { Checklist, ChecklistItem } from '../checklist/types.js';
import type { ErrorCode } from '../errors.js';
import { formatMoment } from '../time/moment.js';
import {
  automaticEscalation,
  decideAck,
  decideEscalate,
  decidePage,
  decideResolveEscalation,
  evolveEscalation,
  resolveOnEnd,
} from './escalationRules.js';
import { echo, tooLong } from './limits.js';
import { cleanRef, nameOf, unknownItem } from './refs.js';
import { hasRollbackSteps, isRequiredNow } from './required.js';
import type {
  Actor,
  CheckOutcome,
  Command,
  Decision,
  ItemState,
  ItemStatus,
  RunCommand,
  RunEvent,
  RunState,
  StartCommand,
} from './types.js';
import { readInput } from './values.js';

/**
 * The run machine: one pure function from (state, command, now) to the events the command causes, or a
 * rejection with a code and a sentence for the person who asked. No I/O, no clock: `now` is given.
 */
export function decide(state: RunState | null, command: Command, now: Date, actor: Actor = NOBODY): Decision {
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
  if (state.status !== 'active') return reject('run_finished', finishedSentence(state, sayFor(state, now)));
  const decision = decideOnActiveRun(state, command, now, actor);
  if (!decision.ok) return decision;
  const events = [...decision.events, ...rollbackConsequences(state, decision.events, now)];
  const consequences = [automaticEscalation(state, events, itemIndex(state)), resolveOnEnd(state, events)];
  return accept([...events, ...consequences.filter((event): event is RunEvent => event !== null)]);
}

/**
 * Rolling back is a stretch of the run, not its end: a decision answered "Rollback" starts it (where the
 * checklist has rollback steps), and the run ends as rolled back once its rollback steps are resolved.
 */
function rollbackConsequences(state: RunState, events: RunEvent[], now: Date): RunEvent[] {
  if (!hasRollbackSteps(state) || events.some(endsRun)) return [];
  const added: RunEvent[] = [];
  let starting = events.find((event) => event.type === 'rollback_started');
  if (!state.rollingBack && !starting) {
    const chosen = events.find(
      (event): event is Extract<RunEvent, { type: 'item_decided' }> =>
        event.type === 'item_decided' && isRollbackOption(event.option),
    );
    if (chosen) {
      const item = itemIndex(state).get(chosen.key);
      starting = {
        type: 'rollback_started',
        reason: `decision ${item?.ref ?? chosen.key}: ${chosen.option}`,
        trigger: 'decision',
        decisionKey: chosen.key,
      };
      added.push(starting);
    }
  }
  if (!state.rollingBack && !starting) return added;
  const after = applyEvents(state, [...events, ...added], '', now);
  const done = state.checklist.items.every(
    (item) => !isRequiredNow(after, item) || isResolved(itemState(after, item.key).status),
  );
  if (done) added.push({ type: 'run_rolled_back', reason: after.rollingBack?.reason ?? 'rolled back' });
  return added;
}

function endsRun(event: RunEvent): boolean {
  return event.type === 'run_completed' || event.type === 'run_aborted' || event.type === 'run_rolled_back';
}

/** "Rollback", "❌ Rollback Required", "Roll back": the answer that turns the run to its rollback steps. */
export function isRollbackOption(option: string): boolean {
  return /^\W*roll\s?-?back\b/i.test(option.trim());
}

const NOBODY: Actor = { name: '', roles: null };

/** The free text a command carries, named as the refusal names it. */
function textOf(command: RunCommand): [string, string] | null {
  switch (command.type) {
    case 'skip':
    case 'abort':
    case 'rollback':
    case 'escalate':
      return ['the reason', command.reason];
    case 'fail':
      return ['what failed', command.detail];
    case 'note':
      return ['the note', command.text];
    case 'set':
      return ['the value', command.value];
    case 'decide':
      return ['the option', command.option];
    default:
      return null;
  }
}

function decideOnActiveRun(state: RunState, command: RunCommand, now: Date, actor: Actor): Decision {
  const text = textOf(command);
  const long = text ? tooLong(...text) : null;
  if (long) return reject('too_long', long);
  return decideBounded(state, command, now, actor);
}

function decideBounded(state: RunState, command: RunCommand, now: Date, actor: Actor): Decision {
  const say = sayFor(state, now);
  switch (command.type) {
    case 'check':
      return decideCheck(state, command.refs, actor, say, command.confirmed === true);
    case 'set':
      return decideSet(state, command.ref, command.value, actor);
    case 'decide':
      return decideOption(state, command.ref, command.option, actor, say);
    case 'signoff':
      return decideSignoff(state, command.ref, actor, say);
    case 'assign':
      return decideAssign(state, command, actor);
    case 'record_checks':
      return decideCheckResults(state, command.results);
    case 'escalate':
      return decideEscalate(state, command.reason, command.severity, command.trigger ?? 'manual');
    case 'ack':
      return decideAck(state, actor, say);
    case 'resolve':
      return decideResolveEscalation(state);
    case 'page':
      return decidePage(
        state,
        command.escalationId,
        command.step,
        command.round,
        command.targets,
        command.next,
      );
    case 'uncheck': {
      const found = findItem(state, command.ref);
      if (!found.ok) return found;
      const current = itemState(state, found.item.key);
      if (current.status === 'open') {
        return reject('not_resolved', `item ${found.item.ref} is open; there is nothing to undo.`);
      }
      const guarded = refuseProtected(state, actor, found.item, 'reopen');
      if (guarded) return guarded;
      const events: RunEvent[] = [{ type: 'item_reopened', key: found.item.key, previous: current.status }];
      return accept(withDerivedParents(state, events, actor));
    }
    case 'skip':
      return decideResolve(state, command.ref, 'skipped', command.reason, 'a reason', actor, say);
    case 'na':
      return decideResolve(state, command.ref, 'na', null, null, actor, say);
    case 'fail':
      return decideResolve(state, command.ref, 'failed', command.detail, 'what failed', actor, say);
    case 'note': {
      const text = command.text.trim();
      if (!text) return reject('reason_required', 'a note needs some text: /deploy note <text>.');
      if (command.ref === undefined) return accept([{ type: 'note_added', text, key: null }]);
      const found = findItem(state, command.ref);
      if (!found.ok) return found;
      return accept([{ type: 'note_added', text, key: found.item.key }]);
    }
    case 'complete': {
      const refused = refuseWithoutRole(state, actor, 'complete', 'complete');
      return refused ?? decideComplete(state);
    }
    case 'abort':
    case 'rollback': {
      const refused = refuseWithoutRole(
        state,
        actor,
        command.type,
        command.type === 'abort' ? 'abort' : 'roll back',
      );
      if (refused) return refused;
      const reason = command.reason.trim();
      if (!reason) {
        return reject('reason_required', `say why: /deploy ${command.type} <reason>.`);
      }
      if (command.type === 'abort') return accept([{ type: 'run_aborted', reason }]);
      if (state.rollingBack) {
        return reject(
          'already_done',
          `run ${state.id} is already rolling back (since ${say(state.rollingBack.since)}, ${state.rollingBack.reason}); it ends as rolled back when ${openRollbackText(state)} are resolved.`,
        );
      }
      // Without rollback steps there is nothing to record: the run ends here, as it always did.
      if (!hasRollbackSteps(state)) return accept([{ type: 'run_rolled_back', reason }]);
      return accept([{ type: 'rollback_started', reason, trigger: 'command' }]);
    }
  }
}

function decideCheck(state: RunState, refs: string[], actor: Actor, say: Say, confirmed = false): Decision {
  if (refs.length === 0) return reject('bad_command', 'name the items to check, e.g. /deploy check 1.1 1.2.');
  const items: ChecklistItem[] = [];
  const add = (item: ChecklistItem) => {
    if (!items.includes(item)) items.push(item);
  };
  for (const ref of refs) {
    const named = nameOf(state, ref);
    if ('code' in named) return { ok: false, rejection: named };
    if (named.kind === 'item') {
      add(named.item);
      continue;
    }
    // A range or a phase ticks what in it a plain tick can: open boxes this person may tick.
    const tickable = named.items.filter(
      (item) =>
        guidanceFor(item) === null &&
        mayAct(state, actor, item) &&
        itemState(state, item.key).status === 'open' &&
        !failedDescendant(state, item),
    );
    if (named.kind === 'phase') {
      const label = `phase ${named.phase.ref} “${named.phase.title}”`;
      if (tickable.length === 0)
        return reject(
          'already_done',
          `${label} has no open item you can tick (values, decisions and sign-offs are recorded one by one).`,
        );
      if (!confirmed) {
        return reject(
          'needs_confirmation',
          `this ticks ${countOf(tickable.length, 'open item')} of ${label}: ${listRefs(tickable.map((item) => item.ref))}. Values, decisions, sign-offs and failed items are left as they are. To go ahead: /deploy check ${named.phase.ref} --yes`,
        );
      }
    } else if (tickable.length === 0) {
      return reject('already_done', `${named.text} holds no open item you can tick.`);
    }
    for (const item of tickable) add(item);
  }
  const needsMore = items.find((item) => guidanceFor(item) !== null);
  if (needsMore) return reject('wrong_kind', guidanceFor(needsMore) as string);
  for (const item of items) {
    const guarded = refuseProtected(state, actor, item, 'tick');
    if (guarded) return guarded;
  }
  const open = items.filter((item) => itemState(state, item.key).status !== 'done');
  if (open.length === 0) {
    const first = items[0] as ChecklistItem;
    const current = itemState(state, first.key);
    const also = items.length > 1 ? ` (and the other ${items.length - 1} too)` : '';
    return reject(
      'already_done',
      `item ${first.ref} is already done${byWhom(current, say)}${also}; /deploy undo ${first.ref} reopens it.`,
    );
  }
  const events: RunEvent[] = [];
  const planned = new Set<string>();
  for (const item of open) {
    // Ticking a group ticks what in it is open: a failure stays until someone resolves it, and a value,
    // a choice, a signature or another role's step is never ticked on someone's behalf.
    const children: RunEvent[] = [];
    for (const descendant of descendantsOf(state, item)) {
      if (planned.has(descendant.key) || guidanceFor(descendant) !== null) continue;
      if (!mayAct(state, actor, descendant) || failedDescendant(state, descendant)) continue;
      if (itemState(state, descendant.key).status === 'open') {
        children.push({ type: 'item_checked', key: descendant.key, auto: true });
        planned.add(descendant.key);
      }
    }
    const blocker = failedDescendant(state, item);
    if (blocker && children.length === 0 && open.length === 1) {
      return reject(
        'incomplete',
        `item ${item.ref} cannot be done while ${blocker.ref} is failed${detailOf(itemState(state, blocker.key))}: fix it (/deploy undo ${blocker.ref}, then redo it) or skip it with a reason first.`,
      );
    }
    if (!blocker) {
      events.push({ type: 'item_checked', key: item.key });
      planned.add(item.key);
    }
    events.push(...children);
  }
  if (events.length === 0) {
    const first = open[0] as ChecklistItem;
    const blocker = failedDescendant(state, first) as ChecklistItem;
    return reject('incomplete', `item ${first.ref} cannot be done while ${blocker.ref} is failed.`);
  }
  return accept(withDerivedParents(state, events, actor));
}

/** The first item under `item` that is failed: what keeps a group from counting as done. */
export function failedDescendant(state: RunState, item: ChecklistItem): ChecklistItem | null {
  return descendantsOf(state, item).find((child) => itemState(state, child.key).status === 'failed') ?? null;
}

function detailOf(current: ItemState): string {
  return current.reason ? ` (“${current.reason}”)` : '';
}

/** The role an item answers to: a sign-off's signer, or the role the front matter gives the item. */
export function protectingRole(item: ChecklistItem): string | null {
  return item.signoff?.roleId ?? item.role ?? null;
}

function mayAct(state: RunState, actor: Actor, item: ChecklistItem): boolean {
  const role = protectingRole(item);
  return role === null || holdsRole(state, actor, role);
}

/** A protected item changes only by a holder of its role: signing, skipping, N/A, failing and reopening alike. */
function refuseProtected(state: RunState, actor: Actor, item: ChecklistItem, verb: string): Decision | null {
  if (mayAct(state, actor, item)) return null;
  const role = protectingRole(item) as string;
  const what = item.signoff ? `the ${item.signoff.role} sign-off` : `a step for the role ${role}`;
  return {
    ok: false,
    rejection: {
      code: 'forbidden',
      message: `item ${item.ref} is ${what}: only someone with the role ${role} may ${verb} it, and ${actor.name || 'you'} does not have it. ${howToGetRole(state, role)}`,
      role,
    },
  };
}

/** Who can give a role for this run: the checklist's assigners, or anyone holding the role already. */
export function howToGetRole(state: RunState, role: string): string {
  const assigners = state.checklist.permissions.assign ?? [];
  const holders = state.assignments[role] ?? [];
  const who =
    assigners.length > 0
      ? `someone with the role ${assigners.join(' or ')}`
      : holders.length > 0
        ? `someone who holds ${role} already`
        : `someone with the role ${role} in oncall.yaml`;
  return `${who[0]?.toUpperCase()}${who.slice(1)} can give it for this run: /deploy assign ${role} @person.`;
}

function decideResolve(
  state: RunState,
  ref: string,
  status: 'skipped' | 'failed' | 'na',
  reasonText: string | null,
  reasonName: string | null,
  actor: Actor,
  say: Say,
): Decision {
  const found = findItem(state, ref);
  if (!found.ok) return found;
  const item = found.item;
  const reason = reasonText?.trim() ?? '';
  const verb = status === 'na' ? 'na' : status === 'skipped' ? 'skip' : 'fail';
  if (reasonName && !reason) {
    return reject('reason_required', `say ${reasonName}: /deploy ${verb} ${item.ref} <${reasonName}>.`);
  }
  const guarded = refuseProtected(
    state,
    actor,
    item,
    status === 'na' ? 'mark N/A' : status === 'skipped' ? 'skip' : 'fail',
  );
  if (guarded) return guarded;
  const current = itemState(state, item.key);
  if (current.status === status) {
    return reject(
      'already_resolved',
      `item ${item.ref} is already ${describeStatus(status)}${byWhom(current, say)}; /deploy undo ${item.ref} reopens it.`,
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
      if (!mayAct(state, actor, descendant)) continue;
      events.push(
        status === 'skipped'
          ? { type: 'item_skipped', key: descendant.key, reason, auto: true }
          : { type: 'item_na', key: descendant.key, auto: true },
      );
    }
  }
  return accept(withDerivedParents(state, events, actor));
}

/** What to type instead of `check` for an item that records something; null for a plain box. */
function guidanceFor(item: ChecklistItem): string | null {
  if (item.kind === 'input') {
    const fields = item.input?.fields ?? [];
    const example = fields.length > 1 ? fields.map((field) => `${field.name}=…`).join(' ') : '<value>';
    return `item ${item.ref} records a value: /deploy set ${item.ref} ${example}.`;
  }
  if (item.kind === 'decision') {
    return `item ${item.ref} is a decision: /deploy decide ${item.ref} <${(item.decision?.options ?? []).join('|')}>.`;
  }
  if (item.kind === 'signoff') return `item ${item.ref} is a sign-off: /deploy signoff ${item.ref}.`;
  return null;
}

function decideCheckResults(state: RunState, results: CheckOutcome[]): Decision {
  if (results.length === 0) return reject('bad_command', 'there are no check results to record.');
  const events: RunEvent[] = [];
  for (const result of results) {
    const found = findItem(state, result.ref);
    if (!found.ok) return found;
    if (!found.item.check) return reject('wrong_kind', `item ${found.item.ref} has no automated check.`);
    events.push({
      type: 'check_ran',
      key: found.item.key,
      ok: result.ok,
      value: result.value,
      latencyMs: result.latencyMs,
      detail: result.detail,
    });
  }
  return accept(withDerivedParents(state, events));
}

function decideSet(state: RunState, ref: string, raw: string, actor: Actor): Decision {
  const found = findItem(state, ref);
  if (!found.ok) return found;
  const item = found.item;
  const guarded = refuseProtected(state, actor, item, 'record');
  if (guarded) return guarded;
  if (item.kind !== 'input' || !item.input) {
    return reject(
      'wrong_kind',
      `item ${item.ref} has no blank to fill; ${guidanceFor(item) ?? `/deploy check ${item.ref} ticks it`}`,
    );
  }
  const reading = readInput(item.input, raw);
  if (!reading.ok) return reject('bad_value', `item ${item.ref}: ${reading.message}.`);
  return accept(
    withDerivedParents(
      state,
      [{ type: 'item_value_set', key: item.key, value: reading.value, flagged: reading.flagged }],
      actor,
    ),
  );
}

function decideOption(state: RunState, ref: string, typed: string, actor: Actor, say: Say): Decision {
  const found = findItem(state, ref);
  if (!found.ok) return found;
  const item = found.item;
  const guarded = refuseProtected(state, actor, item, 'decide');
  if (guarded) return guarded;
  if (item.kind !== 'decision' || !item.decision) {
    return reject(
      'wrong_kind',
      `item ${item.ref} is not a decision; ${guidanceFor(item) ?? `/deploy check ${item.ref} ticks it`}`,
    );
  }
  const options = item.decision.options;
  const match = matchOption(options, typed);
  if (match.ambiguous.length > 1) {
    return reject(
      'bad_value',
      `“${echo(typed.trim())}” could be ${match.ambiguous.join(' or ')}: type more of the one you mean (item ${item.ref} takes one of: ${options.join(', ')}).`,
    );
  }
  const option = match.option;
  if (!option) {
    return reject('bad_value', `item ${item.ref} takes one of: ${options.join(', ')}.`);
  }
  const current = itemState(state, item.key);
  if (current.status === 'done' && current.value === option) {
    return reject('already_done', `item ${item.ref} is already decided “${option}”${byWhom(current, say)}.`);
  }
  return accept(withDerivedParents(state, [{ type: 'item_decided', key: item.key, option }], actor));
}

/**
 * Case-insensitive, ignoring emoji and punctuation; a unique prefix is enough ("roll" for "Rollback").
 * A prefix that fits several options names them, so the person knows what to type.
 */
function matchOption(options: string[], typed: string): { option: string | null; ambiguous: string[] } {
  const plain = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9/]+/g, ' ')
      .trim();
  const wanted = plain(typed);
  if (!wanted) return { option: null, ambiguous: [] };
  const exact = options.find((option) => plain(option) === wanted);
  if (exact) return { option: exact, ambiguous: [] };
  const prefixed = options.filter((option) => plain(option).startsWith(wanted));
  return prefixed.length === 1
    ? { option: prefixed[0] as string, ambiguous: [] }
    : { option: null, ambiguous: prefixed };
}

function decideSignoff(state: RunState, ref: string, actor: Actor, say: Say): Decision {
  const found = findItem(state, ref);
  if (!found.ok) return found;
  const item = found.item;
  if (item.kind !== 'signoff' || !item.signoff) {
    return reject(
      'wrong_kind',
      `item ${item.ref} is not a sign-off; ${guidanceFor(item) ?? `/deploy check ${item.ref} ticks it`}`,
    );
  }
  const current = itemState(state, item.key);
  if (current.status === 'done')
    return reject('already_done', `item ${item.ref} is already signed${byWhom(current, say)}.`);
  const guarded = refuseProtected(state, actor, item, 'sign');
  if (guarded) return guarded;
  return accept(
    withDerivedParents(state, [{ type: 'item_signed', key: item.key, role: item.signoff.roleId }], actor),
  );
}

function decideAssign(
  state: RunState,
  {
    role,
    person,
    personId,
    unheld,
  }: { role: string; person: string; personId?: string | null; unheld?: boolean },
  actor: Actor,
): Decision {
  const roleId = role.trim().toLowerCase();
  const name = person.trim();
  // The role is held by the platform's user id; the name is only how they are shown.
  const holder = personId?.trim() || name;
  if (!roleId || !name)
    return reject('bad_command', 'name the role and the person: /deploy assign <role> <@person>.');
  const mayAssign = state.checklist.permissions.assign ?? [];
  // A role nobody holds, with no one named to give it, would lock its sign-offs forever: anyone may give
  // it for this run, and the audit says who did.
  const open = unheld === true && mayAssign.length === 0 && (state.assignments[roleId] ?? []).length === 0;
  if (
    !open &&
    !holdsRole(state, actor, roleId) &&
    !mayAssign.some((allowed) => holdsRole(state, actor, allowed))
  ) {
    return reject(
      'forbidden',
      `only someone with the role ${roleId}${mayAssign.length > 0 ? ` or ${mayAssign.join(', ')}` : ''} may give it to others.`,
    );
  }
  if ((state.assignments[roleId] ?? []).includes(holder)) {
    return reject('already_done', `${name} already has the role ${roleId} in this run.`);
  }
  return accept([
    personId
      ? { type: 'role_assigned', role: roleId, person: name, personId: holder }
      : { type: 'role_assigned', role: roleId, person: name },
  ]);
}

/** With no people directory, everyone may do everything: permissions start when oncall.yaml names people. */
export function holdsRole(state: RunState, actor: Actor, role: string): boolean {
  if (actor.roles === null) return true;
  return actor.roles.includes(role) || (state.assignments[role] ?? []).includes(identityOf(actor));
}

/** What an assignment is held by: the platform user id, or the name where a channel has no ids. */
export function identityOf(actor: Actor): string {
  return actor.id?.trim() || actor.name;
}

function refuseWithoutRole(
  state: RunState,
  actor: Actor,
  action: 'complete' | 'abort' | 'rollback',
  verb: string,
): Decision | null {
  const allowed = state.checklist.permissions[action];
  if (!allowed || allowed.length === 0) return null;
  if (allowed.some((role) => holdsRole(state, actor, role))) return null;
  return reject(
    'forbidden',
    `only ${allowed.join(' or ')} may ${verb} this run, and ${actor.name || 'you'} has neither role. (/deploy assign gives a role for this run.)`,
  );
}

const LIST_LIMIT = 10;

function openRollbackText(state: RunState): string {
  const open = state.checklist.items
    .filter((item) => isRequiredNow(state, item) && !isResolved(itemState(state, item.key).status))
    .map((item) => item.ref);
  return open.length > 0 ? `its rollback steps (${listRefs(open)})` : 'its rollback steps';
}

function decideComplete(state: RunState): Decision {
  if (state.rollingBack) {
    return reject(
      'incomplete',
      `run ${state.id} is rolling back: it ends as rolled back by itself once ${openRollbackText(state)} are resolved (check them, or skip them with a reason).`,
    );
  }
  const open: string[] = [];
  const failed: string[] = [];
  for (const item of state.checklist.items) {
    if (!isRequiredNow(state, item)) continue;
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
function withDerivedParents(state: RunState, events: RunEvent[], actor: Actor = NOBODY): RunEvent[] {
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
      // A step that answers to a role is ticked by its holder, not as a side effect of someone else's
      // click; reopening it when a child reopens keeps a done parent from hiding open work.
      if (childrenResolved && parentStatus === 'open' && mayAct(state, actor, parent)) {
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
    case 'item_value_set':
    case 'item_decided':
    case 'item_signed':
      return 'done';
    case 'item_skipped':
      return 'skipped';
    case 'item_failed':
      return 'failed';
    case 'item_na':
      return 'na';
    case 'item_reopened':
      return 'open';
    case 'check_ran':
      return event.ok ? 'done' : 'failed';
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
        event.type === 'item_skipped'
          ? event.reason
          : event.type === 'item_failed' || (event.type === 'check_ran' && !event.ok)
            ? event.detail
            : null;
      next.items[event.key] =
        itemStatus === 'open'
          ? { status: 'open', reason: null, value: null, actor: null, at: null }
          : { status: itemStatus, reason, value: recordedValue(event, actor), actor, at };
      continue;
    }
    if (event.type.startsWith('escalation_')) {
      next.escalation = evolveEscalation(next, event, actor, at);
      continue;
    }
    if (event.type === 'role_assigned') {
      next.assignments = {
        ...next.assignments,
        [event.role]: [...(next.assignments[event.role] ?? []), event.personId ?? event.person],
      };
      continue;
    }
    if (event.type === 'rollback_started') {
      next.rollingBack = { since: at, by: actor, reason: event.reason };
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

function recordedValue(event: RunEvent, actor: string): string | null {
  if (event.type === 'item_value_set') return event.value;
  if (event.type === 'item_decided') return event.option;
  if (event.type === 'item_signed') return actor;
  if (event.type === 'check_ran') return event.value;
  return null;
}

/** Who ticked an item the author ticked in the file (`- [x]`): the checklist, not a person. */
export const CHECKLIST_ACTOR = 'the checklist';

/** The state of a run that was just started: every item open but those ticked in the file, revision 1. */
export function initialState(command: StartCommand, actor: string, at: Date): RunState {
  const items: Record<string, ItemState> = {};
  for (const item of command.checklist.items) {
    items[item.key] = item.preTicked
      ? { status: 'done', reason: null, value: null, actor: CHECKLIST_ACTOR, at }
      : { status: 'open', reason: null, value: null, actor: null, at: null };
  }
  return {
    id: command.runId,
    checklist: command.checklist,
    version: command.version,
    environment: command.environment,
    platform: command.platform,
    channelId: command.channelId,
    workspaceId: command.workspaceId ?? null,
    channelPrivate: command.channelPrivate ?? null,
    status: 'active',
    revision: 1,
    startedBy: actor,
    startedAt: at,
    endedAt: null,
    endedBy: null,
    endReason: null,
    assignments: {},
    escalation: null,
    rollingBack: null,
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
  const wanted = cleanRef(reference);
  const item = state.checklist.items.find(
    (candidate) => candidate.ref === wanted || candidate.key === wanted,
  );
  if (item) return { ok: true, item };
  return { ok: false, rejection: unknownItem(state, wanted) };
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

/** The audit's record of the items a run starts with done because the file ticked them. */
export function preTickedEvents(checklist: Checklist): RunEvent[] {
  return checklist.items.flatMap((item) =>
    item.preTicked ? [{ type: 'item_checked' as const, key: item.key, auto: true }] : [],
  );
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

/** Says a time as the run's readers need it: the day too when it is not today, in the run's zone. */
type Say = (at: Date) => string;

function sayFor(state: RunState, now: Date): Say {
  const zone = state.checklist.timeZone ?? 'UTC';
  return (at) => formatClock(at, now, zone);
}

function finishedSentence(state: RunState, say: Say): string {
  const how =
    state.status === 'completed' ? 'completed' : state.status === 'aborted' ? 'aborted' : 'rolled back';
  const who = state.endedBy ? ` by ${state.endedBy}` : '';
  const when = state.endedAt ? ` at ${say(state.endedAt)}` : '';
  return `run ${state.id} was ${how}${who}${when}; it cannot change now. /deploy start begins a new one.`;
}

function byWhom(item: ItemState, say: Say): string {
  const who = item.actor ? ` by ${item.actor}` : '';
  const when = item.at ? ` at ${say(item.at)}` : '';
  return `${who}${when}`;
}

function describeStatus(status: ItemStatus): string {
  return { open: 'open', done: 'done', skipped: 'skipped', failed: 'failed', na: 'marked N/A' }[status];
}

/**
 * `14:02 UTC`, or `Tue 8 Dec 14:02 UTC` when `at` is not on the day of `now`: chat readers span time
 * zones, so times say which one they are in, and a time from another day says which day.
 */
export function formatClock(at: Date, now: Date = at, timeZone = 'UTC'): string {
  return formatMoment(at, now, timeZone);
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

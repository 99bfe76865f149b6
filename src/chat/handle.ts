import type { ChecklistLibrary } from '../checklist/library.js';
import { rolesNeeded } from '../checklist/roleCoverage.js';
import type { CheckSpec } from '../checklist/types.js';
import type { ErrorCode } from '../errors.js';
import { describeOnCall } from '../escalation/oncall.js';
import type { PeopleDirectory } from '../escalation/oncallFile.js';
import { type Metrics, observeInteraction } from '../metrics.js';
import { chatReport, historyText, type RunLinks, runToReport } from '../report/chat.js';
import type { RunHistory } from '../report/historyService.js';
import { noteRun, sinceReceipt } from '../requestContext.js';
import { echo } from '../runs/limits.js';
import { findItem } from '../runs/machine.js';
import { findPhase } from '../runs/refs.js';
import type { Outcome, RunService } from '../runs/service.js';
import type { Actor, RunCommand, RunEvent, RunState } from '../runs/types.js';
import { type ChatCommand, helpFor, parseDeployCommand } from './commands.js';
import { itemDetailsText, phaseDetailsText } from './render/itemDetails.js';
import { BOT_ACTOR, type CheckExecutor, itemsInScope, outcomesOf, summarizeOutcomes } from './runChecks.js';
import { type HomeRefusal, type Origin, type RunHome, refuseRead, refuseWrite } from './runHome.js';

/** Where a command came from and who typed it: the same shape from every platform. */
export interface ChatContext {
  platform: string;
  channelId: string;
  /** Slack team id / Discord guild id: a run answers only to its own channel, in its own workspace. */
  workspaceId?: string | null;
  /** Whether this channel is private (null: not known, treated as private). Recorded on a run it starts. */
  channelPrivate?: boolean | null;
  /** How the person is named in the audit trail and on the messages, e.g. `@ana`. */
  actor: string;
  /** The platform's id for the person (Slack U…, Discord snowflake, terminal login); defaults to the actor without @. */
  userId?: string;
  /** The platform's own roles the person holds (Discord role ids), for roles given by those in oncall.yaml. */
  groups?: readonly string[];
  /** The platform's unique id for this delivery: a retry carries the same one, so it is applied once. */
  idempotencyKey: string | null;
}

export interface Reply {
  /** Shown only to the person who typed the command (ephemeral), or null. */
  notice: string | null;
  /** The run to show after this command, or null. */
  run: RunState | null;
  /** The run as it was before the command, when the command changed it: the publisher shows the difference. */
  previous: RunState | null;
  /** Show the whole run (status, start) rather than only what changed. */
  showAll: boolean;
  /** The run's short report, shown after the run: posted when a command ends the run. */
  report?: string | null;
  /** What became of a command that acted on a run, for metrics. */
  outcome?: 'accepted' | 'rejected' | 'replayed';
  /** Why it was refused, when it was: kept from the decision to the reply and counted in /metrics. */
  code?: ErrorCode;
}

export interface ChatDeps {
  runs: RunService;
  /** Counters and latencies for /metrics; optional so tests and tools need none. */
  metrics?: Metrics;
  library: ChecklistLibrary;
  /** People and roles from oncall.yaml; without it nothing is restricted. */
  directory?: PeopleDirectory;
  /** Runs automated checks; without it `/deploy run-checks` says checks are not available. */
  checks?: CheckExecutor;
  /** Past runs for `/deploy history`; without it the command says history is not available. */
  history?: RunHistory;
  /** The web page of a run, when Shipcheck serves them. */
  links?: RunLinks;
}

/** The acting person with the roles the directory gives them on this platform. */
export function actorOf(deps: ChatDeps, context: ChatContext): Actor {
  const userId = context.userId ?? context.actor.replace(/^@/, '');
  return {
    name: context.actor,
    id: context.userId ?? null,
    roles: deps.directory?.rolesOf(context.platform, userId, context.groups ?? []) ?? null,
  };
}

const quiet = (notice: string): Reply => ({ notice, run: null, previous: null, showAll: false });
const refused = ({ code, message }: { code: ErrorCode; message: string }): Reply => ({
  ...quiet(message),
  outcome: 'rejected',
  code,
});

/** `/deploy …` text in, the reply out. Platform adapters render the reply; this decides it. */
export async function handleDeployText(deps: ChatDeps, context: ChatContext, text: string): Promise<Reply> {
  const parsed = parseDeployCommand(text);
  if (!parsed.ok) {
    deps.metrics?.commands.inc({ platform: context.platform, outcome: 'rejected' });
    deps.metrics?.rejections.inc({ platform: context.platform, code: 'bad_command' });
    return { ...quiet(parsed.message), outcome: 'rejected', code: 'bad_command' };
  }
  return handleCommand(deps, context, parsed.command);
}

/** A command built from typed options (Discord), or what is wrong with it, said with the command's help. */
export async function handleParsed(
  deps: ChatDeps,
  context: ChatContext,
  parsed: ChatCommand | string,
): Promise<Reply> {
  if (typeof parsed !== 'string') return handleCommand(deps, context, parsed);
  deps.metrics?.commands.inc({ platform: context.platform, outcome: 'rejected' });
  deps.metrics?.rejections.inc({ platform: context.platform, code: 'bad_command' });
  return { ...quiet(parsed), outcome: 'rejected', code: 'bad_command' };
}

/** A command, typed or clicked, counted by outcome and timed for /metrics. */
export async function handleCommand(
  deps: ChatDeps,
  context: ChatContext,
  command: ChatCommand,
): Promise<Reply> {
  const started = performance.now();
  try {
    const reply = await decideReply(deps, context, command);
    deps.metrics?.commands.inc({ platform: context.platform, outcome: reply.outcome ?? 'accepted' });
    if (reply.code) deps.metrics?.rejections.inc({ platform: context.platform, code: reply.code });
    deps.metrics?.commandSeconds.observe(
      { platform: context.platform },
      (performance.now() - started) / 1000,
    );
    return reply;
  } catch (error) {
    deps.metrics?.commands.inc({ platform: context.platform, outcome: 'error' });
    throw error;
  }
}

async function decideReply(deps: ChatDeps, context: ChatContext, command: ChatCommand): Promise<Reply> {
  switch (command.kind) {
    case 'help':
      return quiet(helpFor(command.topic));
    case 'list':
      return quiet(await listText(deps, context));
    case 'oncall':
      return quiet(oncallText(deps));
    case 'start': {
      const checklist = deps.library.find(command.checklist);
      if (!checklist) return quiet(unknownChecklistText(deps.library, command.checklist));
      const outcome = await deps.runs.start(
        {
          checklist,
          version: command.version,
          environment: command.environment,
          platform: context.platform,
          channelId: context.channelId,
          workspaceId: context.workspaceId ?? null,
          channelPrivate: context.channelPrivate ?? null,
        },
        actorOf(deps, context),
        context.idempotencyKey,
      );
      recorded(deps, context, outcome.state?.id);
      return replyTo(outcome, true);
    }
    case 'show': {
      const run = await resolveRun(deps, context, command.runId, refuseRead);
      if (!('id' in run)) return run;
      const found = findItem(run, command.ref);
      if (found.ok) return quiet(itemDetailsText(run, found.item));
      const phase = findPhase(run, command.ref);
      return quiet(phase ? phaseDetailsText(run, phase, new Date()) : found.rejection.message);
    }
    case 'status': {
      const run = await resolveRun(deps, context, command.runId, refuseRead);
      if (!('id' in run)) return run;
      return { notice: null, run, previous: null, showAll: true };
    }
    case 'report': {
      const away = command.runId ? await refusalAt(deps, context, command.runId, refuseRead) : null;
      if (away) return refused(away);
      const run = await runToReport(deps, context, command.runId);
      return typeof run === 'string' ? quiet(run) : quiet(await chatReport(deps, run));
    }
    case 'history':
      return quiet(await historyText(deps, context, command.checklist, command.limit));
    case 'run-checks': {
      const run = await resolveRun(deps, context, command.runId, refuseWrite);
      if (!('id' in run)) return run;
      return runChecksOn(deps, context, run, command.scope);
    }
    case 'run': {
      // The service reads the run under its lock; reading it here as well would double every click's reads.
      const runId = command.runId ?? (await deps.runs.activeRunId(context.platform, context.channelId));
      if (!runId) return quiet(NO_ACTIVE_RUN);
      noteRun(runId);
      // A run id from a button or `--id` is only a claim: the run must live in the channel it came from.
      const away = command.runId ? await refusalAt(deps, context, runId, refuseWrite) : null;
      if (away) return refused(away);
      const unnamed = unnamedPerson(context, command.command);
      if (unnamed) return refused(unnamed);
      const assignment =
        command.command.type === 'assign' ? await vetAssignment(deps, context, runId, command.command) : null;
      if (assignment && 'code' in assignment) return refused(assignment);
      const outcome = await deps.runs.apply(
        runId,
        assignment ?? command.command,
        actorOf(deps, context),
        context.idempotencyKey,
      );
      recorded(deps, context, runId);
      const reply = replyTo(withHolders(deps, outcome), false);
      // The end of a run posts its report (a replay posted it the first time).
      if (outcome.accepted && !outcome.replayed && outcome.state && outcome.state.status !== 'active')
        return { ...reply, report: await chatReport(deps, outcome.state) };
      // Notes and role assignments change no item, so nothing on the run's messages shows them: say so.
      if (outcome.accepted && !outcome.replayed) {
        if (command.command.type === 'note')
          return { ...reply, notice: `Note added to run ${runId}.`, run: null };
        if (command.command.type === 'assign') {
          const { role, person } = command.command;
          return {
            ...reply,
            notice: `${person} has the role ${role.toLowerCase()} for run ${runId}.`,
            run: null,
          };
        }
        const said = [
          withdrawnSignatures(outcome.previous, outcome.events),
          escalationNotice(outcome.events),
        ].filter(Boolean);
        if (said.length > 0) return { ...reply, notice: said.join('\n') };
      }
      return reply;
    }
  }
}

/** A signature that a change undid is said out loud: nobody should believe a sign-off that is gone. */
export function withdrawnSignatures(previous: RunState | null, events: readonly RunEvent[]): string | null {
  if (!previous) return null;
  const lines: string[] = [];
  for (const event of events) {
    if (!event.type.startsWith('item_') || !('key' in event) || !event.key || event.type === 'item_signed')
      continue;
    const key = event.key;
    const item = previous.checklist.items.find((candidate) => candidate.key === key);
    const before = previous.items[key];
    if (!item?.signoff || before?.status !== 'done') continue;
    lines.push(
      `The ${item.signoff.role} sign-off (${item.ref}) by ${before.actor ?? 'someone'} is withdrawn: it no longer counts, and must be signed again.`,
    );
  }
  return lines.length > 0 ? lines.join('\n') : null;
}

/**
 * What became of a trigger while an escalation was open. A raise shows on the run's banner too; a trigger
 * that was only recorded changes nothing anyone sees, so without this the person would get no answer.
 */
export function escalationNotice(events: readonly RunEvent[]): string | null {
  for (const event of events) {
    if (event.type === 'escalation_raised')
      return `The open escalation is raised from ${event.from} to ${event.severity}: the ${event.severity} on-call path is paged from its first step.`;
    if (event.type === 'escalation_noted') {
      const asked = event.severity ? ` (${event.severity})` : '';
      return `Recorded on the open escalation${asked}: “${event.reason}”. It is no worse than what is already being paged, so nobody is paged again; /deploy escalate P0 <reason> raises it.`;
    }
  }
  return null;
}

async function runChecksOn(
  deps: ChatDeps,
  context: ChatContext,
  run: RunState,
  scope: string | null,
): Promise<Reply> {
  if (run.status !== 'active') return quiet(`run ${run.id} has ended; its checks no longer run.`);
  if (!deps.checks) return quiet('automated checks are not available in this Shipcheck.');
  const items = itemsInScope(run, scope);
  if (typeof items === 'string') return quiet(items);
  const results = await deps.checks.run(
    items.map((item) => ({ key: item.key, spec: item.check?.spec as CheckSpec })),
    run.checklist.variables,
  );
  const outcomes = outcomesOf(items, results);
  // The delivery's key makes a retried "Run checks" record its results once.
  const key = context.idempotencyKey ? `${context.idempotencyKey}:checks` : null;
  const outcome = await deps.runs.apply(run.id, { type: 'record_checks', results: outcomes }, BOT_ACTOR, key);
  recorded(deps, context, run.id);
  const reply = replyTo(outcome, false);
  return outcome.accepted && !outcome.replayed ? { ...reply, notice: summarizeOutcomes(outcomes) } : reply;
}

/** The command's outcome is committed: the request now names its run, and receipt → commit is measured. */
function recorded(deps: ChatDeps, context: ChatContext, runId: string | undefined): void {
  noteRun(runId);
  const elapsed = sinceReceipt();
  if (elapsed !== null) observeInteraction(deps.metrics, context.platform, 'commit', elapsed);
}

function replyTo(outcome: Outcome, showAll: boolean): Reply {
  if (outcome.rejection) return refused(outcome.rejection);
  // A replay already showed its effect the first time; showing nothing new is the truthful answer.
  if (outcome.replayed)
    return { notice: null, run: null, previous: null, showAll: false, outcome: 'replayed' };
  return { notice: null, run: outcome.state, previous: outcome.previous, showAll, outcome: 'accepted' };
}

/** The run a command is about: the one named by --id, else this channel's active one; or why there is none. */
const NO_ACTIVE_RUN =
  'no run is active in this channel. /deploy start <checklist> begins one; /deploy list shows them.';

type HomeRule = (run: RunHome, origin: Origin) => HomeRefusal | null;

async function resolveRun(
  deps: ChatDeps,
  context: ChatContext,
  runId: string | null,
  rule: HomeRule,
): Promise<RunState | Reply> {
  if (runId) {
    const run = await deps.runs.get(runId);
    if (!run) return quiet(`there is no run ${runId}.`);
    const refusal = rule(run, context);
    return refusal ? refused(refusal) : run;
  }
  const active = await deps.runs.activeRun(context.platform, context.channelId);
  return active ?? quiet(NO_ACTIVE_RUN);
}

/** Why this context may not act on the run named, or null (also when there is no such run: that is said later). */
async function refusalAt(
  deps: ChatDeps,
  context: ChatContext,
  runId: string,
  rule: HomeRule,
): Promise<HomeRefusal | null> {
  const home = await deps.runs.home(runId);
  return home ? rule(home, context) : null;
}

/**
 * Where the platform names people by id, a role is given to an id: a bare `@bo` could be anyone calling
 * themselves bo, so it is refused with what to type instead.
 */
function unnamedPerson(context: ChatContext, command: RunCommand): HomeRefusal | null {
  if (command.type !== 'assign' || command.personId || !context.userId) return null;
  return {
    code: 'bad_command',
    message: `name the person with a mention (type @ and pick them from the list), so the role goes to them and not to a name: /deploy assign ${command.role} @person.`,
  };
}

/** A refusal for want of a role says who holds it in oncall.yaml, so the person knows whom to ask. */
function withHolders(deps: ChatDeps, outcome: Outcome): Outcome {
  const role = outcome.rejection?.role;
  if (!role || !outcome.rejection || !deps.directory) return outcome;
  const holders = (deps.directory.roles[role] ?? []).flatMap((key) => {
    const person = deps.directory?.people.find((candidate) => candidate.key === key);
    return person ? [person.name ?? person.key] : [];
  });
  const said =
    holders.length > 0
      ? ` In oncall.yaml, ${holders.slice(0, 5).join(', ')} ${holders.length === 1 ? 'holds' : 'hold'} it.`
      : ` oncall.yaml gives ${role} to nobody.`;
  return { ...outcome, rejection: { ...outcome.rejection, message: `${outcome.rejection.message}${said}` } };
}

type AssignCommand = Extract<RunCommand, { type: 'assign' }>;

/**
 * An assignment names a role the checklist or oncall.yaml knows and, where oncall.yaml lists people, a
 * person in it; the command that reaches the run says whether the file gives the role to anyone.
 */
async function vetAssignment(
  deps: ChatDeps,
  context: ChatContext,
  runId: string,
  command: AssignCommand,
): Promise<AssignCommand | HomeRefusal> {
  const run = await deps.runs.get(runId);
  if (!run) return command;
  const role = command.role.trim().toLowerCase();
  const directory = deps.directory;
  const known = new Set([
    ...Object.keys(directory?.roles ?? {}),
    ...rolesNeeded(run.checklist).map((need) => need.role),
  ]);
  if (!known.has(role)) {
    const list = [...known].sort();
    return {
      code: 'bad_value',
      message:
        list.length > 0
          ? `there is no role “${echo(role)}” in this run. Known roles: ${list.join(', ')}.`
          : `there is no role “${echo(role)}”: this checklist names no roles and oncall.yaml defines none.`,
    };
  }
  if (directory && directory.people.length > 0) {
    const who = (command.personId ?? command.person).replace(/^@/, '');
    if (!directory.personOf(context.platform, who)) {
      const people = directory.people.map((person) => person.name ?? person.key);
      const shown = people.slice(0, 10).join(', ');
      return {
        code: 'bad_value',
        message: `${echo(command.person)} is not in oncall.yaml, so Shipcheck cannot tell who they are. People there: ${shown}${people.length > 10 ? `, … (${people.length - 10} more)` : ''}.`,
      };
    }
  }
  const unheld = !directory || (directory.roles[role] ?? []).length === 0;
  return unheld ? { ...command, unheld: true } : command;
}

function oncallText(deps: ChatDeps): string {
  const directory = deps.directory;
  if (!directory || directory.people.length === 0) {
    return 'nobody is on call here yet: list people, roles and rotations in checklists/oncall.yaml.';
  }
  return describeOnCall(directory, new Date());
}

function unknownChecklistText(library: ChecklistLibrary, name: string): string {
  const broken = library.findBroken(name);
  if (broken) return `checklist “${name}” cannot run until its file is fixed:\n${broken.message}`;
  const names = library.checklists.map((checklist) => checklist.name);
  return names.length > 0
    ? `there is no checklist “${name}”. You can start: ${names.join(', ')}.`
    : `there is no checklist “${name}”, and none is installed: add Markdown files to the checklists folder.`;
}

async function listText(deps: ChatDeps, context: ChatContext): Promise<string> {
  const lines = ['Checklists:'];
  for (const checklist of deps.library.checklists) {
    const aliases = checklist.aliases.length > 0 ? ` (also: ${checklist.aliases.join(', ')})` : '';
    lines.push(`  ${checklist.name}${aliases} · ${checklist.title} · ${checklist.items.length} items`);
  }
  if (deps.library.checklists.length === 0) lines.push('  (none installed)');
  for (const broken of deps.library.broken) lines.push(`  cannot be used: ${broken.message.split('\n')[0]}`);
  const recent = await deps.runs.recentRuns(context.platform, context.channelId, 5);
  if (recent.length > 0) {
    lines.push('Recent runs here:');
    for (const run of recent) {
      const version = run.version ? ` ${run.version}` : '';
      lines.push(`  ${run.id} · ${run.checklistName}${version} · ${run.status.replace('_', ' ')}`);
    }
  }
  return lines.join('\n');
}

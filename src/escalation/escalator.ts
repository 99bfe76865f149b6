import type { CheckExecutor } from '../chat/runChecks.js';
import { phaseDueAt } from '../checklist/deadline.js';
import type { Metrics } from '../metrics.js';
import { formatClock, isResolved, itemState } from '../runs/machine.js';
import type { RunService } from '../runs/service.js';
import type { PageTarget, RunState, Severity } from '../runs/types.js';
import { type ClaimedTimer, SEND_KIND } from '../timers/store.js';
import type { TimerHandler, TimerOutcome } from '../timers/worker.js';
import { backoff } from '../timers/worker.js';
import type { Notice, Notifier } from './notify.js';
import { resolveTargets } from './oncall.js';
import type { PeopleDirectory } from './oncallFile.js';
import { nextStep, type Policy, policyForSeverity } from './policy.js';
import { recheckJob } from './schedule.js';

/** Shipcheck itself, in the audit trail, for what its timers do. */
const BOT = { name: '@shipcheck', roles: null };

export interface EscalatorOptions {
  runs: RunService;
  directory: PeopleDirectory;
  /** Where notices go: the run's own chat platform, and any configured paging services. */
  notifiers: Notifier[];
  metrics?: Metrics;
  /** Runs the checks that repeat on a schedule; without it those timers do nothing. */
  checks?: CheckExecutor;
  /**
   * A timer changed a run (an escalation opened, a page recorded, a scheduled check's result): nobody
   * clicked, so nothing else will redraw the run's messages.
   */
  onChanged?: (run: RunState) => void;
}

/**
 * The handlers of the escalation timers. Every effect on a run is a run command keyed by the timer's
 * key: if a worker dies after the command committed and the job runs again, the command replays and
 * nothing is paged twice.
 */
export function escalationHandlers(options: EscalatorOptions): Record<string, TimerHandler> {
  return {
    escalate: (job, now) => page(options, job, now),
    deadline: (job, now) => deadline(options, job, now),
    nudge: (job, now) => remind(options, job, 'nudge', now),
    remind: (job, now) => remind(options, job, 'remind', now),
    deliver: (job) => deliver(options, job),
    send: (job) => sendOne(options, job),
    stall: (job, now) => stall(options, job, now),
    recheck: (job) => recheck(options, job),
  };
}

const DONE: TimerOutcome = { done: true };

/** A timer that fires this long after it was due did not fire on time: Shipcheck was down or stalled. */
const LATE_AFTER_MS = 2 * 60_000;

async function applyAndShow(
  options: EscalatorOptions,
  ...[runId, command, actor, key]: Parameters<RunService['apply']>
): Promise<void> {
  const outcome = await options.runs.apply(runId, command, actor, key);
  if (outcome.accepted && !outcome.replayed && outcome.state) options.onChanged?.(outcome.state);
}

/**
 * The policy an escalation follows: the checklist's own when oncall.yaml has it, else the severity's.
 * A raised escalation follows its new severity's path first: that is what raising it is for.
 */
export function policyFor(directory: PeopleDirectory, run: RunState): Policy {
  const named = run.escalation?.policy ?? run.checklist.escalation.policy;
  const own = named && Object.hasOwn(directory.policies, named) ? directory.policies[named] : undefined;
  const severity = run.escalation?.severity as Severity | undefined;
  const raised = (run.escalation?.raises ?? 0) > 0;
  const policy = raised
    ? (policyForSeverity(directory, severity, null) ?? own)
    : (own ?? policyForSeverity(directory, severity, null));
  // With no policy configured, the run's channel is paged, once.
  return (
    policy ?? {
      name: 'channel-only',
      repeat: 1,
      steps: [{ targets: [{ kind: 'channel', channel: 'here' }], waitMinutes: 0 }],
    }
  );
}

async function page(options: EscalatorOptions, job: ClaimedTimer, now: Date): Promise<TimerOutcome> {
  if (!job.runId) return DONE;
  const run = await options.runs.get(job.runId);
  const escalationId = String(job.payload.escalationId);
  const step = Number(job.payload.step);
  const round = Number(job.payload.round);
  if (!run || run.escalation?.id !== escalationId || run.escalation.status !== 'open') return DONE;
  const policy = policyFor(options.directory, run);
  const current = policy.steps[step];
  if (!current) return DONE;
  const targets: PageTarget[] = resolveTargets(current, options.directory, now).map((target) =>
    'channel' in target
      ? { channel: target.channel === 'here' ? run.channelId : target.channel, via: 'channel' }
      : {
          person: target.key,
          name: target.name,
          via: target.via,
          ...(target.slack ? { slack: target.slack } : {}),
          ...(target.discord ? { discord: target.discord } : {}),
          terminal: target.terminal,
        },
  );
  const after = nextStep(policy, step, round);
  const next = after
    ? { ...after, dueAt: new Date(now.getTime() + current.waitMinutes * 60_000).toISOString() }
    : null;
  // Refused (stale) when an acknowledgement or an earlier delivery of this job committed first.
  await applyAndShow(
    options,
    run.id,
    { type: 'page', escalationId, step, round, targets, next },
    BOT,
    `timer:${job.key}`,
  );
  return DONE;
}

async function deadline(options: EscalatorOptions, job: ClaimedTimer, now: Date): Promise<TimerOutcome> {
  if (!job.runId) return DONE;
  const run = await options.runs.get(job.runId);
  if (run?.status !== 'active') return DONE;
  const phase = run.checklist.phases.find((candidate) => candidate.key === job.payload.phaseKey);
  if (!phase) return DONE;
  const open = openRequiredRefs(run, phase.key);
  if (open.length === 0) return DONE;
  const late =
    now.getTime() - job.dueAt.getTime() > LATE_AFTER_MS
      ? `; it was due at ${formatClock(job.dueAt, now, run.checklist.timeZone ?? 'UTC')}, while Shipcheck was down`
      : '';
  const reason = `phase ${phase.ref} “${phase.title}” is past its deadline (${phase.window?.text ?? 'time window'}) with ${open.length} required item${open.length === 1 ? '' : 's'} open: ${open.slice(0, 8).join(', ')}${open.length > 8 ? ', …' : ''}${late}`;
  await applyAndShow(
    options,
    run.id,
    { type: 'escalate', reason, trigger: 'phase_overdue' },
    BOT,
    `timer:${job.key}`,
  );
  return DONE;
}

/**
 * A check that repeats by itself; an item someone skipped or marked N/A is left as they decided (its
 * later repetitions still come, in case they change their mind). Each run leaves the next one behind.
 */
async function recheck(options: EscalatorOptions, job: ClaimedTimer): Promise<TimerOutcome> {
  if (!job.runId || !options.checks) return DONE;
  const run = await options.runs.get(job.runId);
  if (run?.status !== 'active') return DONE;
  const item = run.checklist.items.find((candidate) => candidate.key === job.payload.itemKey);
  if (!item?.check) return DONE;
  const next = recheckJob(run, item.key, Number(job.payload.n ?? 0) + 1);
  const done: TimerOutcome = { done: true, followUps: next ? [next] : [] };
  const status = itemState(run, item.key).status;
  if (status === 'skipped' || status === 'na') return done;
  const results = await options.checks.run(
    [{ key: item.key, spec: item.check.spec }],
    run.checklist.variables,
  );
  const result = results.get(item.key);
  if (!result) return done;
  await applyAndShow(
    options,
    run.id,
    { type: 'record_checks', results: [{ ref: item.ref, ...result }] },
    BOT,
    `timer:${job.key}`,
  );
  return done;
}

/** No item has changed since the watch was set: the run is stuck, and somebody should know. */
async function stall(options: EscalatorOptions, job: ClaimedTimer, now: Date): Promise<TimerOutcome> {
  if (!job.runId) return DONE;
  const run = await options.runs.get(job.runId);
  if (run?.status !== 'active') return DONE;
  const since = new Date(String(job.payload.progressAt));
  const lastChange = Object.values(run.items).reduce(
    (latest, item) => (item.at && item.at > latest ? item.at : latest),
    run.startedAt,
  );
  if (lastChange > since) return DONE;
  const minutes = Math.round((now.getTime() - since.getTime()) / 60_000);
  const reason = `no progress for ${minutes} minutes (last change at ${formatClock(lastChange, now, run.checklist.timeZone ?? 'UTC')})`;
  await applyAndShow(
    options,
    run.id,
    { type: 'escalate', reason, trigger: 'stalled' },
    BOT,
    `timer:${job.key}`,
  );
  return DONE;
}

async function remind(
  options: EscalatorOptions,
  job: ClaimedTimer,
  kind: 'nudge' | 'remind',
  now: Date,
): Promise<TimerOutcome> {
  if (!job.runId) return DONE;
  const run = await options.runs.get(job.runId);
  if (run?.status !== 'active') return DONE;
  const phase =
    kind === 'nudge'
      ? run.checklist.phases.find((candidate) => candidate.key === job.payload.phaseKey)
      : run.checklist.phases.find((candidate) => candidate.ref === job.payload.phaseRef);
  const open = phase ? openRequiredRefs(run, phase.key) : [];
  if (phase && open.length === 0) return DONE;
  const zone = run.checklist.timeZone ?? 'UTC';
  const say = (at: Date) => formatClock(at, now, zone);
  const dueAt = phase ? phaseDueAt(run.startedAt, phase.window) : null;
  // A reminder that comes late came while Shipcheck was down: it says so, in the tense that is true now.
  const late = now.getTime() - job.dueAt.getTime() > LATE_AFTER_MS;
  const down = late ? ` (this reminder was due at ${say(job.dueAt)}, while Shipcheck was down)` : '';
  const deadline = dueAt
    ? dueAt.getTime() < now.getTime()
      ? `was due at ${say(dueAt)}`
      : `is due at ${say(dueAt)}`
    : 'is due soon';
  const text =
    kind === 'nudge' && phase
      ? `⏰ phase ${phase.ref} “${phase.title}” ${deadline} and has ${open.length} required item${open.length === 1 ? '' : 's'} open: ${open.slice(0, 8).join(', ')}${down}`
      : `⏰ reminder (${String(job.payload.text ?? 'scheduled')})${phase ? `: phase ${phase.ref} “${phase.title}” has ${open.length} required items open` : ''}${down}`;
  return fanOut(
    options,
    { kind: 'reminder', run, text, targets: [], escalationId: null, severity: null },
    job,
  );
}

async function deliver(options: EscalatorOptions, job: ClaimedTimer): Promise<TimerOutcome> {
  if (!job.runId) return DONE;
  const run = await options.runs.get(job.runId);
  if (!run) return DONE;
  if (job.payload.outcome === 'acknowledged' || job.payload.outcome === 'resolved') {
    const kind = job.payload.outcome;
    const text = `Escalation ${String(job.payload.escalationId)} of “${run.checklist.title}” ${kind}.`;
    return fanOut(
      options,
      { kind, run, text, targets: [], escalationId: String(job.payload.escalationId), severity: null },
      job,
    );
  }
  // The escalation this page was for, not whichever one the run has open now. Acknowledged or resolved
  // (no longer the open one) before this page went out: paging now would wake someone for nothing.
  const escalation = run.escalation?.id === job.payload.escalationId ? run.escalation : null;
  if (escalation?.status !== 'open') return DONE;
  const targets = (job.payload.targets ?? []) as PageTarget[];
  const step = Number(job.payload.step) + 1;
  const round = Number(job.payload.round) + 1;
  const severity = typeof job.payload.severity === 'string' ? job.payload.severity : escalation?.severity;
  const reason =
    typeof job.payload.reason === 'string' ? job.payload.reason : (escalation?.reason ?? 'escalation');
  const text = `🚨 ${severity ?? ''} page (step ${step}${round > 1 ? `, round ${round}` : ''}) for “${run.checklist.title}”${run.version ? ` ${run.version}` : ''}: ${reason}. Acknowledge with /deploy ack.`;
  return fanOut(
    options,
    {
      kind: 'page',
      run,
      text,
      targets,
      escalationId: String(job.payload.escalationId),
      severity: severity ?? null,
    },
    job,
  );
}

/** A notifier call that has not answered in this long is given up and retried (by its own job). */
export const NOTIFIER_TIMEOUT_MS = 15_000;

/**
 * One delivery per notifier that takes the notice, each its own durable job (`send:<this job>:<notifier>`)
 * with its own retries and outcome: a PagerDuty outage retries PagerDuty alone, a Slack 429 retries Slack
 * alone, and neither holds up the other or counts as the page not having gone out.
 */
function fanOut(options: EscalatorOptions, notice: Notice, job: ClaimedTimer): Promise<TimerOutcome> {
  const followUps = options.notifiers
    .filter((notifier) => notifier.accepts(notice))
    .map((notifier) => ({
      key: `${SEND_KIND}:${job.key}:${notifier.name}`,
      runId: notice.run.id,
      kind: SEND_KIND,
      payload: {
        notifier: notifier.name,
        notice: notice.kind,
        text: notice.text,
        targets: notice.targets,
        escalationId: notice.escalationId,
        severity: notice.severity,
      },
      dueAt: job.dueAt,
    }));
  return Promise.resolve({ done: true, followUps });
}

/** One notifier, one notice; its key is the delivery's idempotency key at the notifier. */
async function sendOne(options: EscalatorOptions, job: ClaimedTimer): Promise<TimerOutcome> {
  if (!job.runId) return DONE;
  const notifier = options.notifiers.find((candidate) => candidate.name === job.payload.notifier);
  if (!notifier) return { failed: `no notifier ${String(job.payload.notifier)} is configured any more` };
  const run = await options.runs.get(job.runId);
  if (!run) return DONE;
  const kind = job.payload.notice as Notice['kind'];
  const escalationId = typeof job.payload.escalationId === 'string' ? job.payload.escalationId : null;
  // The claim already dropped a page whose escalation was acknowledged; this catches one acknowledged
  // while the job waited for a retry on a worker that read the run since.
  if (kind === 'page' && (run.escalation?.id !== escalationId || run.escalation.status !== 'open'))
    return DONE;
  const notice: Notice = {
    kind,
    run,
    text: String(job.payload.text ?? ''),
    targets: (job.payload.targets ?? []) as PageTarget[],
    escalationId,
    severity: typeof job.payload.severity === 'string' ? job.payload.severity : null,
  };
  const signal = AbortSignal.timeout(NOTIFIER_TIMEOUT_MS);
  const result = await Promise.race([
    notifier.send(notice, job.key, signal).catch(() => 'retry' as const),
    new Promise<'timeout'>((resolve) =>
      signal.addEventListener('abort', () => resolve('timeout'), { once: true }),
    ),
  ]);
  const outcome = result === 'timeout' ? 'retry' : result;
  options.metrics?.deliveries.inc({ notifier: notifier.name, result: outcome });
  return outcome === 'retry'
    ? {
        retryInMs: backoff(job.attempts),
        error:
          result === 'timeout'
            ? `no answer from ${notifier.name} within ${NOTIFIER_TIMEOUT_MS} ms`
            : `delivery failed: ${notifier.name}`,
      }
    : DONE;
}

function openRequiredRefs(run: RunState, phaseKey: string): string[] {
  return run.checklist.items
    .filter(
      (item) => item.phaseKey === phaseKey && item.required && !isResolved(itemState(run, item.key).status),
    )
    .map((item) => item.ref);
}

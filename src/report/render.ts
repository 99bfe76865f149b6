import { formatDuration, formatTime, formatTimestamp, OUTCOME_WORD, phaseLabel } from './format.js';
import type { EscalationChange, EscalationEntry, PhaseReport, Report } from './types.js';

/** The report as Markdown (a wiki page, a pull request, a post-mortem), JSON, and a short text for chat. */

export type ReportFormat = 'md' | 'json';

export function renderReport(report: Report, format: ReportFormat): string {
  return format === 'json' ? renderReportJson(report) : renderReportMarkdown(report);
}

/** Versioned, so a consumer can tell when the shape changes. Dates become ISO strings. */
export function renderReportJson(report: Report): string {
  return `${JSON.stringify({ schema: 'shipcheck.report.v2', ...report }, null, 2)}\n`;
}

export function renderReportMarkdown(report: Report): string {
  const out: string[] = [];
  const heading = [report.title, report.version, report.environment ? `(${report.environment})` : null]
    .filter(Boolean)
    .join(' ');
  out.push(`# Deployment report: ${md(heading)}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| Outcome | **${OUTCOME_WORD[report.outcome]}** |`);
  out.push(`| Run | ${code(report.runId)} · checklist ${code(report.checklistName)} |`);
  out.push(`| Started | ${formatTimestamp(report.startedAt)}${by(report.startedBy)} |`);
  if (report.endedAt) {
    const reason = report.endReason ? `: ${md(report.endReason)}` : '';
    out.push(`| Ended | ${formatTimestamp(report.endedAt)}${by(report.endedBy)}${reason} |`);
  }
  const running = report.outcome === 'active' ? ' so far' : '';
  out.push(`| Duration | ${formatDuration(report.durationMs)}${running} |`);
  out.push(`| Items | ${countsText(report)} |`, '');

  out.push('## Phases', '');
  out.push(
    '| Phase | Window | Duration | First → last resolution | Deadline | Items |',
    '|---|---|---|---|---|---|',
  );
  for (const phase of report.phases) {
    const span = phase.firstAt
      ? `${formatTime(phase.firstAt, report.asOf)} → ${formatTime(phase.lastAt, report.asOf)}`
      : '—';
    const items = `${phase.counts.total - phase.counts.open - phase.counts.failed}/${phase.counts.total}`;
    out.push(
      `| ${md(phaseLabel(phase))} | ${md(phase.window?.text ?? '—')} | ${formatDuration(phase.durationMs)} | ${span} | ${deadlineText(phase, report.asOf)} | ${items} |`,
    );
  }
  out.push('');

  section(out, 'Failures', report.failures, (failure) => {
    const now = failure.endStatus === 'failed' ? 'still failed' : `later ${failure.endStatus}`;
    const source = failure.source === 'check' ? 'check failed' : 'failed';
    return `**${md(failure.ref)}** ${md(failure.text)}: ${source}${attemptsText(failure.attempts)}: ${md(failure.detail)} · ${who(failure.actor)} ${formatTimestamp(failure.at)} · ${now}`;
  });
  section(
    out,
    'Skipped',
    report.skipped,
    (item) =>
      `**${md(item.ref)}** ${md(item.text)}: ${md(item.detail ?? '')} · ${who(item.actor)} ${formatTimestamp(item.at)}`,
  );
  section(
    out,
    'Not applicable',
    report.notApplicable,
    (item) => `**${md(item.ref)}** ${md(item.text)} · ${who(item.actor)} ${formatTimestamp(item.at)}`,
  );
  section(out, 'Values recorded', report.values, (value) => {
    const flag = value.flagged.length > 0 ? ` · ⚠ past target: ${md(value.flagged.join('; '))}` : '';
    return `**${md(value.ref)}** ${md(value.text)} = **${md(value.value)}**${flag} · ${who(value.actor)} ${formatTimestamp(value.at)}`;
  });
  section(
    out,
    'Decisions',
    report.decisions,
    (decision) =>
      `**${md(decision.ref)}** ${md(decision.text)}: **${md(decision.detail ?? '')}** · ${who(decision.actor)} ${formatTimestamp(decision.at)}`,
  );
  section(
    out,
    'Sign-offs',
    report.signoffs,
    (signoff) =>
      `**${md(signoff.ref)}** ${md(signoff.text)} · signed by ${who(signoff.actor)} (${md(signoff.role)}) ${formatTimestamp(signoff.at)}`,
  );
  if (report.checks.length > 0) {
    out.push('## Checks', '');
    out.push(`${checksSummary(report)}.`, '');
    out.push(
      '| Item | Last result | Runs | Value | Latency | Detail | When |',
      '|---|---|---|---|---|---|---|',
    );
    for (const check of report.checks) {
      out.push(
        `| ${md(check.ref)} ${md(check.text)} | ${check.ok ? 'pass' : '**FAIL**'} | ${runsText(check)} | ${md(check.value ?? '—')} | ${check.latencyMs} ms | ${md(check.detail)} | ${formatTimestamp(check.at)} |`,
      );
    }
    out.push('');
  }
  section(out, 'Rollback criteria', report.criteria, (criterion) => {
    const when = criterion.at ? ` ${formatTimestamp(criterion.at)} by ${who(criterion.actor ?? '')}` : '';
    return `${criterion.ref ? `**${md(criterion.ref)}** ` : ''}${md(criterion.text)} · ${criterion.status === 'triggered' ? '**triggered**' : 'not triggered'}${when}`;
  });
  section(out, 'Escalations', report.escalations, escalationText);
  if (report.rollback) {
    out.push('## Rollback', '');
    const rollback = report.rollback;
    out.push(`Rolled back ${formatTimestamp(rollback.at)} by ${who(rollback.by)}: ${md(rollback.reason)}.`);
    if (rollback.triggeredAt && rollback.trigger) {
      out.push(
        `It took ${formatDuration(rollback.durationMs)} from the ${md(rollback.trigger)} (${formatTimestamp(rollback.triggeredAt)}).`,
      );
    }
    if (rollback.startedAt && rollback.stepsMs !== null) {
      out.push(
        `The rollback steps took ${formatDuration(rollback.stepsMs)}, from ${formatTimestamp(rollback.startedAt)}.`,
      );
    }
    out.push('');
  }
  section(out, 'Notes', report.notes, (note) => {
    const about = note.item ? `**${md(note.item.ref)}**: ` : '';
    return `${about}${md(note.text)} · ${who(note.actor)} ${formatTimestamp(note.at)}`;
  });
  section(
    out,
    'Roles',
    report.roles,
    (role) => `${md(role.role)}: ${who(role.person)} (given by ${who(role.by)} ${formatTimestamp(role.at)})`,
  );
  out.push('## Follow-ups', '');
  if (report.followUps.length === 0) out.push('None: every item was resolved.');
  for (const item of report.followUps) {
    const required = item.required ? ' (required)' : '';
    const state = item.status === 'failed' ? `failed: ${md(item.detail ?? '')}` : 'open';
    out.push(`- [ ] **${md(item.ref)}** ${md(item.text)}${required} · ${state}`);
  }
  out.push('');
  const otherEvents =
    report.otherEvents.length > 0
      ? `; not shown above: ${report.otherEvents.map((other) => `${other.count} × ${md(other.type)}`).join(', ')}`
      : '';
  out.push(
    `---`,
    `Built from ${report.eventCount} events of the audit trail, as of ${formatTimestamp(report.asOf)}${otherEvents}.`,
    '',
  );
  return out.join('\n');
}

/** A few lines for the thread where the run happened: the headline numbers and what needs attention. */
export function renderReportShort(report: Report, options: { link?: string | null } = {}): string {
  const heading = [report.title, report.version, report.environment].filter(Boolean).join(' · ');
  const lines = [
    `Report · ${heading} · ${OUTCOME_WORD[report.outcome].toUpperCase()} in ${formatDuration(report.durationMs)} · run ${report.runId}`,
  ];
  const ended = report.endedAt
    ? ` · ended ${formatTime(report.endedAt, report.asOf)} by ${report.endedBy ?? '?'}`
    : '';
  const reason = report.endReason ? `: ${report.endReason}` : '';
  lines.push(
    `Started ${formatTime(report.startedAt, report.asOf)} by ${report.startedBy ?? '?'}${ended}${reason}`,
  );
  lines.push(`Items: ${countsText(report)}`);
  lines.push(`Phases: ${report.phases.map(shortPhase).join(' · ')}`);
  listLine(lines, 'Failed', report.failures, (failure) => {
    const fixed = failure.endStatus === 'failed' ? '' : `, then ${failure.endStatus}`;
    return `${failure.ref}${attemptsText(failure.attempts)} ${failure.detail} (${failure.actor}${fixed})`;
  });
  listLine(lines, 'Skipped', report.skipped, (item) => `${item.ref} ${item.detail ?? ''} (${item.actor})`);
  listLine(lines, 'N/A', report.notApplicable, (item) => `${item.ref} (${item.actor})`);
  listLine(lines, 'Values', report.values, (value) => {
    const flag = value.flagged.length > 0 ? ` ⚠ past target: ${value.flagged.join('; ')}` : '';
    return `${value.ref} ${value.value}${flag}`;
  });
  listLine(
    lines,
    'Decisions',
    report.decisions,
    (item) => `${item.ref} ${item.detail ?? ''} (${item.actor})`,
  );
  listLine(
    lines,
    'Sign-offs',
    report.signoffs,
    (signoff) => `${signoff.ref} ${signoff.actor} ${formatTime(signoff.at, report.asOf)}`,
  );
  if (report.checks.length > 0) {
    const failing = report.checks.filter((check) => !check.ok);
    const which =
      failing.length > 0 ? `: ${failing.map((check) => `${check.ref} (${runsText(check)})`).join(', ')}` : '';
    lines.push(`Checks: ${checksSummary(report)}${which}`);
  }
  listLine(lines, 'Escalations', report.escalations, shortEscalation);
  if (report.rollback?.durationMs != null && report.rollback.trigger) {
    lines.push(
      `Rollback took ${formatDuration(report.rollback.durationMs)} from the ${report.rollback.trigger}`,
    );
  }
  if (report.followUps.length > 0) {
    listLine(lines, 'Follow-ups', report.followUps, (item) => `${item.ref} ${item.status}`);
  } else {
    lines.push('Follow-ups: none');
  }
  const link = options.link ? ` · ${options.link}` : '';
  lines.push(`Full report: /deploy report ${report.runId}${link}`);
  return lines.join('\n');
}

const SHORT_LIST = 5;
const SHORT_ENTRY = 120;

/** One line per kind: the first few entries, then how many more, so a bad run cannot flood the thread. */
function listLine<T>(
  lines: string[],
  label: string,
  entries: readonly T[],
  format: (entry: T) => string,
): void {
  if (entries.length === 0) return;
  const shown = entries.slice(0, SHORT_LIST).map((entry) => clip(format(entry).trim(), SHORT_ENTRY));
  const more = entries.length > SHORT_LIST ? `; +${entries.length - SHORT_LIST} more` : '';
  lines.push(`${label}: ${shown.join('; ')}${more}`);
}

function shortPhase(phase: PhaseReport): string {
  const late = phase.late ? ` (${formatDuration(phase.lateByMs)} late)` : '';
  return `${phase.ref}: ${formatDuration(phase.durationMs)}${late}`;
}

/** `3 items checked, 5 runs: 2 passing, 1 failing`: the last result of each item is what counts. */
function checksSummary(report: Report): string {
  const runs = report.checks.reduce((sum, check) => sum + check.runs, 0);
  const failing = report.checks.filter((check) => !check.ok).length;
  const items = `${report.checks.length} item${report.checks.length === 1 ? '' : 's'} checked`;
  return `${items}, ${runs} run${runs === 1 ? '' : 's'}: ${report.checks.length - failing} passing, ${failing} failing`;
}

function runsText(check: { runs: number; failedRuns: number }): string {
  return check.runs === 1 ? '1 run' : `${check.runs} runs, ${check.failedRuns} failed`;
}

function attemptsText(attempts: number): string {
  return attempts > 1 ? ` (${attempts} times)` : '';
}

/** One line per raise or further reason, the same on every surface that shows an escalation. */
export function escalationChangeText(change: EscalationChange, at: (date: Date) => string): string {
  return change.kind === 'raised'
    ? `raised ${change.from ?? '?'} → ${change.severity ?? '?'} ${at(change.at)} by ${change.by}: ${change.reason}`
    : `also ${at(change.at)}${change.severity ? ` (${change.severity})` : ''} by ${change.by}: ${change.reason}`;
}

function shortEscalation(escalation: EscalationEntry): string {
  const severity = escalation.severity ? `${escalation.severity} ` : '';
  const ack = escalation.acknowledgedAt
    ? `acknowledged by ${escalation.acknowledgedBy} after ${formatDuration(escalation.timeToAcknowledgeMs)}`
    : 'never acknowledged';
  const raise = escalation.changes.filter((change) => change.kind === 'raised').at(-1);
  const raised = raise ? ` · raised from ${raise.from ?? '?'} by ${raise.by}: ${raise.reason}` : '';
  return `${severity}${escalation.reason ?? escalation.id}: ${escalation.pages} page${escalation.pages === 1 ? '' : 's'}, ${ack}${raised}`;
}

function escalationText(escalation: EscalationEntry): string {
  const severity = escalation.severity ? `**${md(escalation.severity)}** ` : '';
  const opened = `opened ${formatTimestamp(escalation.openedAt)} by ${who(escalation.openedBy)}`;
  const paged = escalation.paged.length > 0 ? `; paged ${escalation.paged.map(md).join(', ')}` : '';
  const ack = escalation.acknowledgedAt
    ? `; acknowledged by ${who(escalation.acknowledgedBy ?? '')} after ${formatDuration(escalation.timeToAcknowledgeMs)}`
    : '; never acknowledged';
  const resolved = escalation.resolvedAt ? `; resolved ${formatTimestamp(escalation.resolvedAt)}` : '';
  const changes = escalation.changes.map(
    (change) => `\n  - ${md(escalationChangeText(change, formatTimestamp))}`,
  );
  return `${severity}${md(escalation.reason ?? escalation.id)}: ${opened}, ${escalation.pages} page${escalation.pages === 1 ? '' : 's'}${paged}${ack}${resolved}${changes.join('')}`;
}

function deadlineText(phase: PhaseReport, today: Date): string {
  if (!phase.dueAt) return '—';
  const verdict =
    phase.late === true
      ? ` · **late by ${formatDuration(phase.lateByMs)}**`
      : phase.late === false
        ? ' · on time'
        : '';
  return `${formatTime(phase.dueAt, today)}${verdict}`;
}

function countsText(report: Report): string {
  const counts = report.counts;
  const resolved = counts.done + counts.skipped + counts.na;
  return `${resolved}/${counts.total} resolved: ${counts.done} done, ${counts.skipped} skipped, ${counts.na} N/A, ${counts.failed} failed, ${counts.open} open`;
}

function section<T>(out: string[], title: string, entries: readonly T[], format: (entry: T) => string): void {
  if (entries.length === 0) return;
  out.push(`## ${title}`, '');
  for (const entry of entries) out.push(`- ${format(entry)}`);
  out.push('');
}

function by(actor: string | null): string {
  return actor ? ` by ${who(actor)}` : '';
}

/** Names in code spans: `@ana` in a pull request would otherwise mention whoever owns that handle there. */
function who(actor: string): string {
  return code(actor);
}

function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\n/g, ' ')}${pad}${fence}`;
}

/** User text inline in Markdown: no HTML, no links, no table breaks, no headings, one line. */
function md(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/([\\`*_[\]<>|#!~])/g, '\\$1')
    .replace(/@/g, '@\u200b');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

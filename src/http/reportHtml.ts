import { formatDuration, formatTime, formatTimestamp, OUTCOME_WORD, phaseLabel } from '../report/format.js';
import { escalationChangeText } from '../report/render.js';
import type { PhaseReport, Report } from '../report/types.js';
import { type Html, html } from './html.js';

/** The report as an HTML fragment for the run page: the same sections as the Markdown report. */
export function reportHtml(report: Report): Html {
  const counts = report.counts;
  const running = report.outcome === 'active' ? ' so far' : '';
  return html`
<div id="outcome">
  <p><strong>${capitalize(OUTCOME_WORD[report.outcome])}</strong> · ${formatDuration(report.durationMs)}${running}
  · ${counts.done + counts.skipped + counts.na}/${counts.total} resolved: ${counts.done} done, ${counts.skipped} skipped,
  ${counts.na} N/A, ${counts.failed} failed, ${counts.open} open</p>
  ${report.endReason ? html`<p>Reason: ${report.endReason}</p>` : ''}
</div>
<h3>Phases</h3>
<div class="table"><table>
<thead><tr><th>Phase</th><th>Window</th><th>Duration</th><th>Deadline</th></tr></thead>
<tbody>${report.phases.map((phase) => phaseRow(phase, report.asOf))}</tbody>
</table></div>
${list(
  'Failures',
  report.failures.map(
    (failure) =>
      html`<strong>${failure.ref}</strong> ${failure.text}: ${failure.source === 'check' ? 'check failed' : 'failed'}${failure.attempts > 1 ? ` (${failure.attempts} times)` : ''}: ${failure.detail}
      <span class="who">${failure.actor} · ${formatTimestamp(failure.at)} · ${failure.endStatus === 'failed' ? 'still failed' : `later ${failure.endStatus}`}</span>`,
  ),
)}
${list(
  'Skipped',
  report.skipped.map(
    (item) =>
      html`<strong>${item.ref}</strong> ${item.text}: ${item.detail} <span class="who">${item.actor} · ${formatTimestamp(item.at)}</span>`,
  ),
)}
${list(
  'Not applicable',
  report.notApplicable.map(
    (item) =>
      html`<strong>${item.ref}</strong> ${item.text} <span class="who">${item.actor} · ${formatTimestamp(item.at)}</span>`,
  ),
)}
${list(
  'Values recorded',
  report.values.map(
    (value) =>
      html`<strong>${value.ref}</strong> ${value.text} = <strong>${value.value}</strong>
      ${value.flagged.length > 0 ? html`<span class="flag">⚠ past target: ${value.flagged.join('; ')}</span>` : ''}
      <span class="who">${value.actor} · ${formatTimestamp(value.at)}</span>`,
  ),
)}
${list(
  'Decisions',
  report.decisions.map(
    (decision) =>
      html`<strong>${decision.ref}</strong> ${decision.text}: <strong>${decision.detail}</strong> <span class="who">${decision.actor} · ${formatTimestamp(decision.at)}</span>`,
  ),
)}
${list(
  'Sign-offs',
  report.signoffs.map(
    (signoff) =>
      html`<strong>${signoff.ref}</strong> ${signoff.text}: signed by ${signoff.actor} (${signoff.role}) <span class="who">${formatTimestamp(signoff.at)}</span>`,
  ),
)}
${list(
  'Checks',
  report.checks.map(
    (check) =>
      html`<strong>${check.ref}</strong> ${check.ok ? 'passed' : html`<span class="late">FAILED</span>`}${check.value ? ` = ${check.value}` : ''} in ${check.latencyMs} ms: ${check.detail} <span class="who">${formatTimestamp(check.at)}${check.runs > 1 ? ` · ${check.runs} runs, ${check.failedRuns} failed` : ''}</span>`,
  ),
)}
${list(
  'Rollback criteria',
  report.criteria.map(
    (criterion) =>
      html`${criterion.ref ? html`<strong>${criterion.ref}</strong> ` : ''}${criterion.text} · ${criterion.status === 'triggered' ? html`<span class="late">triggered</span> <span class="who">${criterion.actor ?? ''} · ${criterion.at ? formatTimestamp(criterion.at) : ''}</span>` : 'not triggered'}`,
  ),
)}
${list(
  'Escalations',
  report.escalations.map(
    (escalation) =>
      html`${escalation.severity ? html`<strong>${escalation.severity}</strong> ` : ''}${escalation.reason ?? escalation.id}:
      opened ${formatTimestamp(escalation.openedAt)} by ${escalation.openedBy}, ${escalation.pages} page(s)${escalation.paged.length > 0 ? ` to ${escalation.paged.join(', ')}` : ''};
      ${escalation.acknowledgedAt ? `acknowledged by ${escalation.acknowledgedBy} after ${formatDuration(escalation.timeToAcknowledgeMs)}` : 'not acknowledged'}${escalation.resolvedAt ? `; resolved ${formatTimestamp(escalation.resolvedAt)}` : ''}${escalation.changes.map((change) => html`<br><span class="who">${escalationChangeText(change, formatTimestamp)}</span>`)}`,
  ),
)}
${
  report.rollback
    ? html`<h3>Rollback</h3><p>Rolled back ${formatTimestamp(report.rollback.at)} by ${report.rollback.by}: ${report.rollback.reason}.
      ${report.rollback.trigger ? `It took ${formatDuration(report.rollback.durationMs)} from the ${report.rollback.trigger}.` : ''}
      ${report.rollback.startedAt && report.rollback.stepsMs !== null ? `The rollback steps took ${formatDuration(report.rollback.stepsMs)}.` : ''}</p>`
    : ''
}
${list(
  'Notes',
  report.notes.map(
    (note) =>
      html`${note.item ? html`<strong>${note.item.ref}</strong>: ` : ''}${note.text} <span class="who">${note.actor} · ${formatTimestamp(note.at)}</span>`,
  ),
)}
${list(
  'Roles',
  report.roles.map(
    (role) =>
      html`${role.role}: ${role.person} <span class="who">given by ${role.by} · ${formatTimestamp(role.at)}</span>`,
  ),
)}
<h3>Follow-ups</h3>
${
  report.followUps.length === 0
    ? html`<p>None: every item is resolved.</p>`
    : html`<ul class="plain">${report.followUps.map(
        (item) =>
          html`<li><strong>${item.ref}</strong> ${item.text}${item.required ? ' (required)' : ''} · ${item.status === 'failed' ? `failed: ${item.detail ?? ''}` : 'open'}</li>`,
      )}</ul>`
}`;
}

function phaseRow(phase: PhaseReport, today: Date): Html {
  const deadline = phase.dueAt
    ? html`${formatTime(phase.dueAt, today)}${phase.late === true ? html` <span class="late">late by ${formatDuration(phase.lateByMs)}</span>` : phase.late === false ? ' · on time' : ''}`
    : '—';
  return html`<tr><td>${phaseLabel(phase)}</td><td>${phase.window?.text ?? '—'}</td><td>${formatDuration(phase.durationMs)}</td><td>${deadline}</td></tr>`;
}

function list(title: string, entries: Html[]): Html | '' {
  if (entries.length === 0) return '';
  return html`<h3>${title}</h3><ul class="plain">${entries.map((entry) => html`<li>${entry}</li>`)}</ul>`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import type { ReportEvent } from '../report/build.js';
import { formatTime, formatTimestamp, OUTCOME_WORD, phaseLabel } from '../report/format.js';
import { describeEvents } from '../report/timeline.js';
import type { Report } from '../report/types.js';
import type { ItemStatus, RunState } from '../runs/types.js';
import { type ItemView, viewRun } from '../runs/view.js';
import { html, page } from './html.js';
import { reportHtml } from './reportHtml.js';

/** The read-only page of one run, pure: live state, the report, and the timeline of every event. */

export const REFRESH_SECONDS = 10;

export interface RunPageInput {
  state: RunState;
  events: readonly ReportEvent[];
  report: Report;
  now: Date;
  /** While the run is active the page reloads itself this often. */
  refreshSeconds?: number;
}

const MARK: Record<ItemStatus, string> = { open: '○', done: '✓', skipped: '–', failed: '✗', na: '~' };
const STATUS_LABEL: Record<ItemStatus, string> = {
  open: 'open',
  done: 'done',
  skipped: 'skipped',
  failed: 'failed',
  na: 'N/A',
};

export function renderRunPage(input: RunPageInput): string {
  const { state, now } = input;
  const view = viewRun(state, now);
  const summary = view.summary;
  const active = state.status === 'active';
  const heading = [summary.title, summary.version, summary.environment].filter(Boolean).join(' · ');
  const timeline = describeEvents(state.checklist, input.events);
  const body = html`
<header>
  <h1>${heading}</h1>
  <p><span class="chip status-${state.status}" id="status">${OUTCOME_WORD[state.status]}</span>
    <span id="progress">${summary.progress.resolved}/${summary.progress.total} resolved</span>
    <span class="muted">· run ${summary.runId}</span></p>
  <p class="muted">Started by ${summary.startedBy} · ${formatTimestamp(summary.startedAt)}
  ${summary.endedAt ? html`<br>Ended by ${summary.endedBy ?? 'unknown'} · ${formatTimestamp(summary.endedAt)}${summary.endReason ? `: ${summary.endReason}` : ''}` : ''}</p>
  ${active ? html`<p class="muted">Live: this page refreshes every ${input.refreshSeconds ?? REFRESH_SECONDS} s.</p>` : ''}
</header>
<section id="checklist">
<h2>Checklist</h2>
${summary.phases.map((phase) => {
  const sections = view.sections.filter((section) => section.phaseRef === phase.ref);
  return html`
  <h3>${phaseLabel(phase)} <span class="chip">${phase.progress.resolved}/${phase.progress.total}</span>
  ${phase.window && !phase.title.includes(phase.window) ? html`<span class="muted"> · ${phase.window}</span>` : ''}
  ${phase.overdue && phase.dueAt ? html` <span class="late">overdue since ${formatTime(phase.dueAt, now)}</span>` : ''}</h3>
  ${sections.map(
    (section) => html`
    ${section.title ? html`<h4>${section.title}</h4>` : ''}
    <ul class="items">${section.items.map((item) => itemLine(item, now))}</ul>`,
  )}`;
})}
</section>
<section id="report">
<h2>Report</h2>
${reportHtml(input.report)}
</section>
<section id="timeline">
<h2>Timeline</h2>
<ol class="timeline">${timeline.map(
    (entry) =>
      html`<li data-type="${entry.type}"><time datetime="${entry.at.toISOString()}">${formatTimestamp(entry.at)}</time> <strong>${entry.actor}</strong> ${entry.text}</li>`,
  )}</ol>
</section>
<footer>Shipcheck · read-only page · as of ${formatTimestamp(now)}</footer>`;
  return page({
    title: `${heading} · ${OUTCOME_WORD[state.status]} · Shipcheck`,
    body,
    refreshSeconds: active ? (input.refreshSeconds ?? REFRESH_SECONDS) : null,
  });
}

function itemLine(item: ItemView, now: Date) {
  const depth = Math.min(item.depth, 2);
  const who = item.status !== 'open' && item.actor ? `${item.actor} · ${formatTime(item.at, now)}` : '';
  const value = item.value && item.status === 'done' && item.kind !== 'signoff' ? ` = ${item.value}` : '';
  const signed = item.kind === 'signoff' && item.status === 'done' ? ' signed' : '';
  return html`<li class="item st-${item.status} depth-${depth}" data-ref="${item.ref}" data-status="${item.status}">
  <span class="mark" title="${STATUS_LABEL[item.status]}">${MARK[item.status]}</span><span class="ref">${item.ref}</span>
  <span class="text">${item.text}</span>${optionalMark(item)}
  ${value || signed ? html`<strong>${signed}${value}</strong>` : ''}
  ${item.flagged.length > 0 ? html` <span class="flag">⚠ past target: ${item.flagged.join('; ')}</span>` : ''}
  ${who ? html` <span class="who">${STATUS_LABEL[item.status]} · ${who}</span>` : ''}
  ${item.reason ? html`<span class="detail reason">${item.reason}</span>` : ''}
</li>`;
}

/** Like the chat: inputs are optional by nature, and an item that says "(optional)" need not say it twice. */
function optionalMark(item: ItemView) {
  if (item.required || item.kind === 'input' || /\(optional\)/i.test(item.text)) return '';
  return html` <span class="muted">(optional)</span>`;
}

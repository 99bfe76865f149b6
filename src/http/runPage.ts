import type { ReportEvent } from '../report/build.js';
import { formatTime, formatTimestamp, OUTCOME_WORD, phaseLabel } from '../report/format.js';
import { describeEvents } from '../report/timeline.js';
import type { Report } from '../report/types.js';
import type { ItemStatus, RunState } from '../runs/types.js';
import { type ItemView, type SummaryView, viewRun } from '../runs/view.js';
import { Html, html, page } from './html.js';
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

/** The whole page: the live body, and while the run is active the script that keeps it current. */
export function renderRunPage(input: RunPageInput & { nonce?: string }): string {
  const { state } = input;
  const active = state.status === 'active';
  const heading = [state.checklist.title, state.version, state.environment].filter(Boolean).join(' · ');
  return page({
    title: `${heading} · ${OUTCOME_WORD[state.status]} · Shipcheck`,
    body: new Html(renderRunBody(input)),
    refreshSeconds: active ? (input.refreshSeconds ?? REFRESH_SECONDS) : null,
    live: active && input.nonce ? { nonce: input.nonce, revision: state.revision } : null,
  });
}

/** What is inside <main>: sent again over the page's event stream each time the run changes. */
export function renderRunBody(input: RunPageInput): string {
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
  ${alertsOf(state, summary, now)}
  ${active ? html`<p class="muted">Live: this page follows the run as it changes.</p>` : ''}
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
  return body.value;
}

/**
 * What someone opening the page at 2 a.m. must see first: an open escalation (and whether anyone owns
 * it), phases past their deadline, a rollback under way. Each is one line at the top, never buried.
 */
function alertsOf(state: RunState, summary: SummaryView, now: Date): Html | '' {
  const lines: Html[] = [];
  const escalation = state.escalation;
  if (escalation && escalation.status !== 'resolved') {
    const owner =
      escalation.status === 'acknowledged'
        ? `acknowledged by ${escalation.ackedBy ?? 'someone'}${escalation.ackedAt ? ` at ${formatTime(escalation.ackedAt, now)}` : ''}`
        : `NOT acknowledged · ${escalation.pages} page${escalation.pages === 1 ? '' : 's'} sent`;
    lines.push(
      html`<p class="alert" id="escalation" data-severity="${escalation.severity}" data-status="${escalation.status}">🚨 <strong>${escalation.severity}</strong> escalation since ${formatTime(escalation.openedAt, now)}: ${escalation.reason} · ${owner}</p>`,
    );
  }
  const overdue = summary.phases.filter((phase) => phase.overdue && phase.dueAt);
  if (overdue.length > 0) {
    lines.push(
      html`<p class="alert" id="overdue">⏰ Overdue: ${overdue
        .map((phase) => `${phaseLabel(phase)} (since ${formatTime(phase.dueAt, now)})`)
        .join('; ')}</p>`,
    );
  }
  if (summary.rollingBack) {
    lines.push(
      html`<p class="alert" id="rolling-back">⏪ Rolling back since ${formatTime(summary.rollingBack.since, now)} (${summary.rollingBack.by}: ${summary.rollingBack.reason}) · ${summary.blocking} rollback step${summary.blocking === 1 ? '' : 's'} left</p>`,
    );
  }
  return lines.length > 0 ? html`${lines}` : '';
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

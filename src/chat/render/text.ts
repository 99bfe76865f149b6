import type { ItemStatus } from '../../runs/types.js';
import {
  type ItemView,
  type Progress,
  type RunView,
  rollbackLine,
  type SectionView,
  type SummaryView,
} from '../../runs/view.js';
import { formatMoment } from '../../time/moment.js';
import type { RenderedPart } from '../publisher.js';
import { progressBar, progressPercent } from './common.js';

/** Plain text, for the terminal channel and for notifications that carry no formatting. */

const MARK: Record<ItemStatus, string> = {
  open: '[ ]',
  done: '[x]',
  skipped: '[-]',
  failed: '[!]',
  na: '[~]',
};

const STATUS_WORD = {
  active: 'in progress',
  completed: 'COMPLETED',
  aborted: 'ABORTED',
  rolled_back: 'ROLLED BACK',
} as const;

/** `link`, when Shipcheck serves web pages, is the run's page: printed under the summary. */
export function renderRunText(view: RunView, options: { link?: string | null } = {}): RenderedPart<string>[] {
  const say = sayFor(view.summary);
  return [
    { partId: view.summary.partId, payload: renderSummaryText(view.summary, options.link ?? null) },
    ...view.sections.map((section) => ({ partId: section.partId, payload: renderSectionText(section, say) })),
  ];
}

type Say = (at: Date) => string;

/** Times as the run's readers need them: with the day when it is not the day the view was made. */
function sayFor(summary: SummaryView): Say {
  return (at) => formatMoment(at, summary.asOf, summary.timeZone);
}

export function renderSummaryText(summary: SummaryView, link: string | null = null): string {
  const formatClock = sayFor(summary);
  const heading = [summary.title, summary.version, summary.environment].filter(Boolean).join(' · ');
  const lines = [
    `━━ ${heading} ━━ run ${summary.runId}`,
    `Started by ${summary.startedBy} at ${formatClock(summary.startedAt)} · ${STATUS_WORD[summary.status]} · ${progressText(summary.progress)}`,
  ];
  const rolling = rollbackLine(summary, formatClock, (text) => text);
  if (summary.endedAt) {
    const reason = summary.endReason ? `: ${summary.endReason}` : '';
    lines.push(`Ended by ${summary.endedBy ?? 'unknown'} at ${formatClock(summary.endedAt)}${reason}`);
  } else if (rolling) {
    lines.push(rolling);
  } else if (summary.blocking > 0) {
    lines.push(
      `${summary.blocking} required item${summary.blocking === 1 ? '' : 's'} left before /deploy complete`,
    );
  } else {
    lines.push('Every required item is resolved: /deploy complete finishes the run');
  }
  const escalation = summary.escalation;
  if (escalation) {
    const owner =
      escalation.status === 'acknowledged'
        ? `acknowledged by ${escalation.ackedBy ?? 'someone'}`
        : escalation.nextPageAt
          ? `${escalation.pages} page${escalation.pages === 1 ? '' : 's'} sent, next at ${formatClock(escalation.nextPageAt)} · /deploy ack to own it`
          : `${escalation.pages} pages sent, path exhausted · /deploy ack to own it`;
    lines.push(`🚨 ${escalation.severity} escalation: ${escalation.reason} · ${owner}`);
  }
  for (const phase of summary.phases) {
    const bar = progressBar(phase.progress);
    const failed = phase.progress.failed > 0 ? ` · ${phase.progress.failed} failed` : '';
    const due =
      phase.overdue && phase.dueAt
        ? ` · OVERDUE since ${formatClock(phase.dueAt)}`
        : phase.upcoming && phase.dueAt
          ? ` · due ${formatClock(phase.dueAt)}`
          : '';
    lines.push(
      `  ${phase.ref.padStart(2)}  ${bar} ${phase.progress.resolved}/${phase.progress.total}  ${phase.title}${failed}${due}`,
    );
  }
  if (link) lines.push(`Web page: ${link}`);
  return lines.join('\n');
}

export function renderSectionText(section: SectionView, say: Say): string {
  const title = section.title ? `${section.phaseTitle} › ${section.title}` : section.phaseTitle;
  const box = section.boxed ? `${section.complete ? '[x]' : '[ ]'} ` : '';
  return [`── ${box}${title}`, ...section.items.map((item) => renderItemLine(item, say))].join('\n');
}

function renderItemLine(item: ItemView, say: Say): string {
  const indent = '  '.repeat(item.depth + 1);
  const optional =
    item.required || item.kind === 'input' || /\(optional\)/i.test(item.text) ? '' : ' (optional)';
  const hint = item.hint ? `  → /deploy ${item.hint}` : '';
  return `${indent}${MARK[item.status]} ${item.ref} ${item.text}${optional}${itemOutcome(item, say)}${hint}`;
}

function itemOutcome(item: ItemView, say: Say): string {
  if (item.status === 'open') return '';
  const who = item.actor ? ` ${item.actor}` : '';
  const when = item.at ? ` ${say(item.at)}` : '';
  switch (item.status) {
    case 'done': {
      const value = item.value && item.kind !== 'signoff' ? ` = ${item.value}` : '';
      const signed = item.kind === 'signoff' ? ' signed' : '';
      const flagged = item.flagged.length > 0 ? `  ⚠ past target: ${item.flagged.join('; ')}` : '';
      return `  ✓${signed}${value}${who}${when}${flagged}`;
    }
    case 'skipped':
      return `  skipped by${who}${when}: ${item.reason ?? ''}`;
    case 'failed':
      return `  FAILED${who}${when}: ${item.reason ?? ''}`;
    case 'na':
      return `  N/A${who}${when}`;
  }
}

function progressText(progress: Progress): string {
  return `${progress.resolved}/${progress.total} resolved (${progressPercent(progress)}%)`;
}

import {
  type ItemView,
  type RunView,
  rollbackLine,
  type SectionView,
  type SummaryView,
} from '../../runs/view.js';
import {
  countOf,
  ITEM_MARK,
  pageCountLine,
  progressBar,
  progressText,
  STATUS_ICON,
  STATUS_WORD,
} from '../render/common.js';
import { ACTION, encodeItemChoice, type ItemVerb } from './actions.js';
import {
  type ButtonElement,
  type MessageBlock,
  mrkdwn,
  type OptionObject,
  type OverflowElement,
  plain,
  type SectionBlock,
  type SlackMessage,
} from './blocks.js';
import { SLACK_LIMITS } from './limits.js';
import { clip, escapeMrkdwn, escapeTyped, escapeWithin, slackTime } from './mrkdwn.js';

/**
 * RunView → Slack messages, pure. A run is a summary message in the channel and, in its thread, one
 * message per section, cut into pages of at most PAGE_ITEMS items. Each page is its own part, so a click
 * re-renders one page and the summary, not the whole run.
 *
 * Every piece of user text has a length cap (after escaping), which is what keeps each message inside
 * Slack's limits whatever the checklist says: a page holds at most PAGE_ITEMS × ITEM_LINE_MAX characters
 * of item text plus a capped heading, well below the ~12,000 Slack accepts.
 */

/** Items per thread message. Pages depend only on the frozen checklist, so a run's messages never reshuffle. */
export const PAGE_ITEMS = 20;
const TITLE_MAX = 200;
const WORD_MAX = 60;
const ITEM_TEXT_MAX = 200;
const REASON_MAX = 100;
const ACTOR_MAX = 40;
const VALUE_MAX = 80;
const PHASE_LINES_MAX = 2_800;

export interface SlackPart {
  /** `summary` or `section:<key>`, as in the RunView. */
  partId: string;
  page: number;
  message: SlackMessage;
}

export function renderSlackRun(view: RunView): SlackPart[] {
  return [
    { partId: view.summary.partId, page: 0, message: renderSummary(view.summary) },
    ...view.sections.flatMap((section) =>
      renderSectionPages(section, view.summary.runId).map((message, page) => ({
        partId: section.partId,
        page,
        message,
      })),
    ),
  ];
}

export function renderSummary(summary: SummaryView): SlackMessage {
  const heading = [
    `*${escapeWithin(summary.title, TITLE_MAX)}*`,
    summary.version ? escapeTyped(summary.version, WORD_MAX) : null,
    summary.environment ? escapeTyped(summary.environment, WORD_MAX) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const status = `${STATUS_ICON[summary.status]} *${STATUS_WORD[summary.status]}* · ${progressText(summary.progress)}`;
  const lines = [
    `${heading}`,
    `${status}`,
    `Started by ${escapeTyped(summary.startedBy, ACTOR_MAX)} ${slackTime(summary.startedAt, '{date_short_pretty} at {time}')} · run \`${escapeMrkdwn(summary.runId)}\``,
  ];
  if (summary.endedAt) {
    const who = escapeTyped(summary.endedBy ?? 'someone', ACTOR_MAX);
    const reason = summary.endReason ? `: ${escapeTyped(summary.endReason, 500)}` : '';
    lines.push(`Ended by ${who} ${slackTime(summary.endedAt, '{date_short_pretty} at {time}')}${reason}`);
  } else if (summary.rollingBack) {
    lines.push(
      rollbackLine(
        summary,
        (at) => slackTime(at),
        (text) => escapeTyped(text, 300),
      ) as string,
    );
  } else if (summary.blocking > 0) {
    lines.push(`${countOf(summary.blocking, 'required item')} left before the run can be completed.`);
  } else {
    lines.push('Every required item is resolved: *Complete* finishes the run.');
  }
  const escalation = summary.escalation;
  if (escalation) lines.push(escalationLine(escalation));
  const blocks: MessageBlock[] = [{ type: 'section', block_id: 'summary', text: mrkdwn(lines.join('\n')) }];
  if (summary.phases.length > 0) {
    blocks.push({ type: 'section', block_id: 'phases', text: mrkdwn(phaseLines(summary)) });
  }
  if (summary.status === 'active') {
    const buttons = runButtons(summary.runId);
    // An open escalation is owned with one click; until then it keeps paging.
    if (escalation?.status === 'open') {
      buttons.unshift({
        type: 'button',
        action_id: ACTION.ack,
        text: plain('🙋 Acknowledge'),
        value: summary.runId,
        style: 'primary',
      });
    }
    blocks.push({ type: 'actions', block_id: 'run', elements: buttons });
    blocks.push({
      type: 'context',
      elements: [mrkdwn('Every section is in the thread of this message, with a menu (⋮) on each item.')],
    });
  }
  const version = summary.version ? ` ${summary.version}` : '';
  return {
    text: escapeTyped(
      `${summary.title}${version}: ${STATUS_WORD[summary.status].toLowerCase()}, ${summary.progress.resolved}/${summary.progress.total} resolved`,
      300,
    ),
    blocks,
  };
}

function escalationLine(escalation: NonNullable<SummaryView['escalation']>): string {
  const head = `🚨 *${escapeMrkdwn(escalation.severity)} escalation*: ${escapeTyped(escalation.reason, 300)}`;
  if (escalation.status === 'acknowledged') {
    return `${head} · acknowledged by ${escapeTyped(escalation.ackedBy ?? 'someone', ACTOR_MAX)}`;
  }
  const pages = countOf(escalation.pages, 'page');
  return escalation.nextPageAt
    ? `${head} · ${pages} sent, next ${slackTime(escalation.nextPageAt)}`
    : `${head} · ${pages} sent, the paging path is exhausted`;
}

function phaseLines(summary: SummaryView): string {
  const lines: string[] = [];
  let length = 0;
  for (const [index, phase] of summary.phases.entries()) {
    const failed = phase.progress.failed > 0 ? ` · ❌ ${phase.progress.failed} failed` : '';
    const overdue =
      phase.overdue && phase.dueAt
        ? ` · ⏰ *overdue* since ${slackTime(phase.dueAt)}`
        : phase.upcoming && phase.dueAt
          ? ` · due ${slackTime(phase.dueAt)}`
          : '';
    const line = `\`${progressBar(phase.progress)}\` ${phase.progress.resolved}/${phase.progress.total}  ${escapeWithin(phase.title, TITLE_MAX)}${failed}${overdue}`;
    const rest = summary.phases.length - index;
    if (length + line.length + 40 > PHASE_LINES_MAX) {
      lines.push(`… and ${countOf(rest, 'more phase')}: the thread has them all.`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}

function runButtons(runId: string): ButtonElement[] {
  return [
    { type: 'button', action_id: ACTION.runChecks, text: plain('▶️ Run checks'), value: runId },
    { type: 'button', action_id: ACTION.escalate, text: plain('🚨 Escalate'), value: runId },
    {
      type: 'button',
      action_id: ACTION.complete,
      text: plain('✅ Complete'),
      value: runId,
      style: 'primary',
    },
    {
      type: 'button',
      action_id: ACTION.end,
      text: plain('⛔ Abort / Roll back'),
      value: runId,
      style: 'danger',
    },
  ];
}

/**
 * One message per page of a section; an empty section is one page that says so. A section looks the same
 * whether its run is active or ended, so ending a run edits the summary and none of the thread (a control
 * clicked after the end is answered that the run has ended).
 */
export function renderSectionPages(section: SectionView, runId: string): SlackMessage[] {
  const pageCount = Math.max(1, Math.ceil(section.items.length / PAGE_ITEMS));
  const messages: SlackMessage[] = [];
  for (let page = 0; page < pageCount; page++) {
    const items = section.items.slice(page * PAGE_ITEMS, (page + 1) * PAGE_ITEMS);
    messages.push(renderSectionPage(section, items, page, pageCount, runId));
  }
  return messages;
}

function renderSectionPage(
  section: SectionView,
  items: ItemView[],
  page: number,
  pageCount: number,
  runId: string,
): SlackMessage {
  const title = sectionTitle(section);
  const box = section.boxed ? `${section.complete ? '☑️' : '🔲'} ` : '';
  const heading = `${box}*${escapeWithin(title, 2 * TITLE_MAX)}*\n${pageCountLine(items, page, pageCount)}`;
  const blocks: MessageBlock[] = [{ type: 'section', block_id: 'heading', text: mrkdwn(heading) }];
  for (const item of items) blocks.push(renderItem(item, runId));
  if (items.length === 0) {
    blocks.push({ type: 'context', elements: [mrkdwn('No items in this section.')] });
  }
  const part = pageCount > 1 ? ` (part ${page + 1} of ${pageCount})` : '';
  return { text: escapeWithin(`${title}${part}`, 300), blocks };
}

function sectionTitle(section: SectionView): string {
  return section.title ? `${section.phaseTitle} › ${section.title}` : section.phaseTitle;
}

function renderItem(item: ItemView, runId: string): SectionBlock {
  const block: SectionBlock = {
    type: 'section',
    // Keys are unique within a checklist, so block ids are unique within a message.
    block_id: `item:${item.key}`.slice(0, SLACK_LIMITS.blockId),
    text: mrkdwn(itemLine(item)),
  };
  const control = itemControl(item, runId);
  if (control) block.accessory = control;
  return block;
}

export function itemLine(item: ItemView): string {
  const indent = item.depth > 0 ? `${'\u2003'.repeat(item.depth)}↳ ` : '';
  const optional = item.required || /\(optional\)/i.test(item.text) ? '' : ' _(optional)_';
  const text = escapeWithin(item.text, ITEM_TEXT_MAX);
  return `${indent}${ITEM_MARK[item.status]} *${escapeMrkdwn(item.ref)}* ${text}${optional}${itemOutcome(item)}`;
}

function itemOutcome(item: ItemView): string {
  if (item.status === 'open') return '';
  const who = item.actor ? ` ${escapeTyped(item.actor, ACTOR_MAX)}` : '';
  const when = item.at ? ` ${slackTime(item.at)}` : '';
  const reason = escapeTyped(item.reason ?? '', REASON_MAX);
  switch (item.status) {
    case 'done':
      return ` — ${doneWhat(item)} by${who}${when}${flaggedText(item)}`;
    case 'skipped':
      return ` — _skipped_ by${who}${when}: ${reason}`;
    case 'failed':
      return ` — *FAILED* by${who}${when}: ${reason}`;
    case 'na':
      return ` — N/A by${who}${when}`;
  }
}

function doneWhat(item: ItemView): string {
  const value = item.value ? escapeTyped(item.value, VALUE_MAX) : null;
  if (item.kind === 'signoff') return 'signed';
  if (item.kind === 'decision' && value) return `decided *${value}*`;
  if (item.kind === 'input' && value) return `recorded *${value}*`;
  return 'done';
}

function flaggedText(item: ItemView): string {
  if (item.flagged.length === 0) return '';
  return ` · ⚠️ past target: ${escapeTyped(item.flagged.join('; '), VALUE_MAX)}`;
}

interface Choice {
  label: string;
  value: string;
}

/**
 * What an item offers from where it is: reopen it, its own move (tick, record, decide, sign), and the
 * ways around it (skip, N/A, failed). One choice is a button; more are a menu of at most five.
 */
function itemControl(item: ItemView, runId: string): OverflowElement | ButtonElement | null {
  const choices = itemChoices(item, runId).slice(0, SLACK_LIMITS.overflowOptions);
  if (choices.length === 0) return null;
  if (choices.length === 1) {
    const [only] = choices as [Choice];
    return { type: 'button', action_id: ACTION.itemButton, text: plain(only.label), value: only.value };
  }
  const options: OptionObject[] = choices.map((choice) => ({
    text: plain(choice.label),
    value: choice.value,
  }));
  return { type: 'overflow', action_id: ACTION.item, options };
}

function itemChoices(item: ItemView, runId: string): Choice[] {
  const choices: Choice[] = [];
  const add = (verb: ItemVerb, label: string, option?: string) => {
    const value = encodeItemChoice(verb, runId, item, option);
    if (value) choices.push({ label: clip(label, SLACK_LIMITS.optionText), value });
  };
  if (item.status !== 'open') add('uncheck', '↩️ Reopen');
  switch (item.kind) {
    case 'input':
      add('set', item.status === 'done' ? '✏️ Change the value…' : '✏️ Record a value…');
      break;
    case 'decision':
      for (const option of item.options) {
        if (item.status !== 'done' || option !== item.value) add('decide', `🗳️ ${option}`, option);
      }
      break;
    case 'signoff':
      if (item.status !== 'done') add('signoff', '✍️ Sign off');
      break;
    default:
      if (item.status !== 'done') add('check', '✅ Done');
  }
  if (item.status !== 'skipped') add('skip', '⏭️ Skip…');
  if (item.status !== 'na') add('na', '➖ Not applicable');
  if (item.status !== 'failed' && item.kind !== 'decision' && item.kind !== 'signoff')
    add('fail', '❌ Failed…');
  // Last, so a menu already full of choices drops it first: /deploy show still tells.
  if (item.hasDetails) add('show', 'ℹ️ Details');
  return choices;
}

/** A notice for one person (help, a refusal), as one or more sections within the limits. */
export function renderNotice(notice: string): SlackMessage {
  const [first = '', ...rest] = notice.split('\n');
  const chunks: string[] = [escapeTyped(first, SLACK_LIMITS.sectionText - 10)];
  // The rest is help or a list laid out with spaces: preformatted keeps its columns.
  let current: string[] = [];
  let length = 0;
  const flush = () => {
    if (current.length > 0) chunks.push(`\`\`\`${current.join('\n')}\`\`\``);
    current = [];
    length = 0;
  };
  for (const line of rest) {
    const escaped = escapeTyped(line, 500);
    if (length + escaped.length + 1 > SLACK_LIMITS.sectionText - 10) flush();
    current.push(escaped);
    length += escaped.length + 1;
  }
  flush();
  const shown = chunks.slice(0, 3);
  return {
    text: escapeWithin(first, 300),
    blocks: shown.map((chunk) => ({ type: 'section', text: mrkdwn(chunk) })),
  };
}

/** The run's report when it ends, for the channel: its heading, then the rest as preformatted text. */
export function renderReport(report: string): SlackMessage {
  // The run page's link goes below the preformatted text, where Slack makes it clickable.
  const lines = report.split('\n');
  const linkAt = lines.findIndex((line) => REPORT_LINK.test(line));
  const link = linkAt >= 0 ? REPORT_LINK.exec(lines[linkAt] as string)?.[1] : undefined;
  if (link) lines[linkAt] = (lines[linkAt] as string).replace(` · ${link}`, '');
  const notice = renderNotice(lines.join('\n'));
  return {
    text: notice.text,
    blocks: [
      { type: 'context', elements: [mrkdwn('📋 Run report')] },
      ...notice.blocks,
      ...(link ? [{ type: 'section' as const, text: mrkdwn(`<${link}|Open the full report>`) }] : []),
    ],
  };
}

/** Shipcheck's own signed run-page address, as the short report names it; nothing Slack could misread. */
const REPORT_LINK = /^Full report: .* · (https?:\/\/[A-Za-z0-9._~:/?#[\]@!$&'()*+,;=%-]+)$/;

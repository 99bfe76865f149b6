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
import {
  type ActionRow,
  type Button,
  ButtonStyle,
  button,
  type DiscordMessage,
  NO_MENTIONS,
  rowsOf,
  type SelectOption,
} from './components.js';
import { type ItemVerb, itemControlId, itemName, pickId, runControlId, tickId } from './ids.js';
import { DISCORD_LIMITS } from './limits.js';
import { clip, discordTime, escapeWithin } from './text.js';

/**
 * RunView → Discord messages, pure. A run is a summary message in the channel and, in its thread (or
 * under it when the channel has no threads), one message per page of a section. A page holds at most
 * PAGE_ITEMS items, its lines in the content and two selects under it: one ticks several items at once,
 * one opens an item's own buttons (skip, fail, record, decide, sign off, reopen).
 *
 * Every piece of user text is escaped and capped; when a page's lines still add up to more than the
 * 2,000 characters Discord takes, they are drawn again with tighter caps, so a message always fits.
 */

/** Items per section message. Pages depend only on the frozen checklist: a run's messages never reshuffle. */
export const PAGE_ITEMS = 10;
const TITLE_MAX = 150;
const WORD_MAX = 40;
const ACTOR_MAX = 24;
const CONTENT_BUDGET = DISCORD_LIMITS.content - 40;

/** Caps on an item line's user text, from roomy to tight: the first that fits the page is used. */
const LINE_CAPS = [
  { text: 160, reason: 100, value: 60 },
  { text: 90, reason: 60, value: 40 },
  { text: 50, reason: 30, value: 24 },
  { text: 24, reason: 16, value: 12 },
] as const;
type LineCaps = (typeof LINE_CAPS)[number];

export interface DiscordPart {
  /** `summary` or `section:<key>`, as in the RunView. */
  partId: string;
  page: number;
  message: DiscordMessage;
}

export function renderDiscordRun(view: RunView): DiscordPart[] {
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

export function renderSummary(summary: SummaryView): DiscordMessage {
  const heading = [
    `${STATUS_ICON[summary.status]} **${escapeWithin(summary.title, TITLE_MAX)}**`,
    summary.version ? escapeWithin(summary.version, WORD_MAX) : null,
    summary.environment ? escapeWithin(summary.environment, WORD_MAX) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [
    heading,
    `**${STATUS_WORD[summary.status]}** · ${progressText(summary.progress)}`,
    `Started by ${escapeWithin(summary.startedBy, ACTOR_MAX)} ${discordTime(summary.startedAt, 'f')} · run \`${summary.runId}\``,
  ];
  if (summary.endedAt) {
    const who = escapeWithin(summary.endedBy ?? 'someone', ACTOR_MAX);
    const reason = summary.endReason ? `: ${escapeWithin(summary.endReason, 300)}` : '';
    lines.push(`Ended by ${who} ${discordTime(summary.endedAt, 'f')}${reason}`);
  } else if (summary.rollingBack) {
    lines.push(
      rollbackLine(
        summary,
        (at) => discordTime(at),
        (text) => escapeWithin(text, 300),
      ) as string,
    );
  } else if (summary.blocking > 0) {
    lines.push(`${countOf(summary.blocking, 'required item')} left before the run can be completed.`);
  } else {
    lines.push('Every required item is resolved: **Complete** finishes the run.');
  }
  const escalation = summary.escalation;
  if (escalation) lines.push(escalationLine(escalation));
  const fixed = lines.join('\n');
  const phases = phaseLines(summary, CONTENT_BUDGET - fixed.length - 80);
  const footer = summary.status === 'active' ? '\n-# Every section is in the thread of this message.' : '';
  const content = `${fixed}${phases ? `\n\n${phases}` : ''}${footer}`;
  return { content: fitContent(content), components: summaryRows(summary), allowed_mentions: NO_MENTIONS };
}

function escalationLine(escalation: NonNullable<SummaryView['escalation']>): string {
  const owner =
    escalation.status === 'acknowledged'
      ? `acknowledged by ${escapeWithin(escalation.ackedBy ?? 'someone', ACTOR_MAX)}`
      : escalation.nextPageAt
        ? `${countOf(escalation.pages, 'page')} sent, next ${discordTime(escalation.nextPageAt, 'R')}`
        : `${countOf(escalation.pages, 'page')} sent, the paging path is exhausted`;
  return `🚨 **${escalation.severity} escalation**: ${escapeWithin(escalation.reason, 200)} · ${owner}`;
}

function phaseLines(summary: SummaryView, budget: number): string {
  const lines: string[] = [];
  let length = 0;
  for (const [index, phase] of summary.phases.entries()) {
    const window = phase.window ? ` · ${escapeWithin(phase.window, WORD_MAX)}` : '';
    const failed = phase.progress.failed > 0 ? ` · ❌ ${phase.progress.failed} failed` : '';
    const overdue =
      phase.overdue && phase.dueAt
        ? ` · ⏰ **overdue** since ${discordTime(phase.dueAt)}`
        : phase.upcoming && phase.dueAt
          ? ` · due ${discordTime(phase.dueAt, 'R')}`
          : '';
    const line = `\`${progressBar(phase.progress)}\` ${phase.progress.resolved}/${phase.progress.total} ${escapeWithin(phase.title, 100)}${window}${failed}${overdue}`;
    if (length + line.length + 60 > budget) {
      lines.push(`… and ${countOf(summary.phases.length - index, 'more phase')}: the thread has them all.`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}

function summaryRows(summary: SummaryView): ActionRow[] {
  if (summary.status !== 'active') return [];
  const id = summary.runId;
  const rows: ActionRow[] = [
    {
      type: 1,
      components: [
        button('▶️ Run checks', runControlId('checks', id), ButtonStyle.primary),
        button('🚨 Escalate', runControlId('escalate', id)),
        button('✅ Complete', runControlId('complete', id), ButtonStyle.success),
        button('⛔ Abort', runControlId('abort', id), ButtonStyle.danger),
        button('⏪ Roll back', runControlId('rollback', id), ButtonStyle.danger),
      ],
    },
  ];
  if (summary.escalation) {
    const buttons: Button[] = [button('🙋 Resolve escalation', runControlId('resolve', id))];
    if (summary.escalation.status === 'open')
      buttons.unshift(button('🙋 Acknowledge', runControlId('ack', id), ButtonStyle.primary));
    rows.push({ type: 1, components: buttons });
  }
  return rows;
}

/**
 * One message per page of a section; an empty section is one page that says so. A section looks the same
 * whether its run is active or ended, so ending a run edits the summary and none of the thread (a control
 * clicked after the end is answered that the run has ended).
 */
export function renderSectionPages(section: SectionView, runId: string): DiscordMessage[] {
  const pageCount = Math.max(1, Math.ceil(section.items.length / PAGE_ITEMS));
  const messages: DiscordMessage[] = [];
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
): DiscordMessage {
  const box = section.boxed ? `${section.complete ? '☑️' : '🔲'} ` : '';
  const heading = `${box}**${escapeWithin(sectionTitle(section), 2 * TITLE_MAX)}**\n-# ${pageCountLine(items, page, pageCount)}`;
  let body = items.length === 0 ? '*No items in this section.*' : '';
  for (const caps of LINE_CAPS) {
    if (items.length === 0) break;
    body = items.map((item) => itemLine(item, caps)).join('\n');
    if (heading.length + body.length + 1 <= CONTENT_BUDGET) break;
  }
  return {
    content: fitContent(`${heading}\n${body}`),
    components: sectionRows(items, runId),
    allowed_mentions: NO_MENTIONS,
  };
}

function sectionTitle(section: SectionView): string {
  return section.title ? `${section.phaseTitle} › ${section.title}` : section.phaseTitle;
}

export function itemLine(item: ItemView, caps: LineCaps = LINE_CAPS[0]): string {
  const indent = item.depth > 0 ? `${'\u2003'.repeat(Math.min(item.depth, 3))}↳ ` : '';
  const optional = item.required || /\(optional\)/i.test(item.text) ? '' : ' *(optional)*';
  return `${indent}${ITEM_MARK[item.status]} **${escapeWithin(item.ref, 20)}** ${escapeWithin(item.text, caps.text)}${optional}${itemOutcome(item, caps)}`;
}

function itemOutcome(item: ItemView, caps: LineCaps): string {
  if (item.status === 'open') return '';
  const who = item.actor ? ` ${escapeWithin(item.actor, ACTOR_MAX)}` : '';
  const when = item.at ? ` ${discordTime(item.at)}` : '';
  const reason = escapeWithin(item.reason ?? '', caps.reason);
  switch (item.status) {
    case 'done':
      return ` — ${doneWhat(item, caps)} by${who}${when}${flaggedText(item, caps)}`;
    case 'skipped':
      return ` — *skipped* by${who}${when}: ${reason}`;
    case 'failed':
      return ` — **FAILED** by${who}${when}: ${reason}`;
    case 'na':
      return ` — N/A by${who}${when}`;
  }
}

function doneWhat(item: ItemView, caps: LineCaps): string {
  const value = item.value ? escapeWithin(item.value, caps.value) : null;
  if (item.kind === 'signoff') return 'signed';
  if (item.kind === 'decision' && value) return `decided **${value}**`;
  if (item.kind === 'input' && value) return `recorded **${value}**`;
  return 'done';
}

function flaggedText(item: ItemView, caps: LineCaps): string {
  if (item.flagged.length === 0) return '';
  return ` · ⚠️ past target: ${escapeWithin(item.flagged.join('; '), caps.value)}`;
}

/** Tickable: a plain task or check that is open. Inputs, decisions and sign-offs need their own answer. */
function tickable(item: ItemView): boolean {
  return item.status === 'open' && (item.kind === 'task' || item.kind === 'check');
}

function sectionRows(items: ItemView[], runId: string): ActionRow[] {
  const rows: ActionRow[] = [];
  const tick = selectOptions(items.filter(tickable));
  if (tick.length > 0) {
    rows.push({
      type: 1,
      components: [
        {
          type: 3,
          custom_id: tickId(runId),
          placeholder: tick.length > 1 ? '✅ Tick items done…' : '✅ Tick this item done…',
          min_values: 1,
          max_values: tick.length,
          options: tick,
        },
      ],
    });
  }
  const pick = selectOptions(items);
  if (pick.length > 0) {
    rows.push({
      type: 1,
      components: [
        {
          type: 3,
          custom_id: pickId(runId),
          placeholder: '⋯ Skip, fail, record, decide, sign off or reopen an item…',
          min_values: 1,
          max_values: 1,
          options: pick,
        },
      ],
    });
  }
  return rows;
}

function selectOptions(items: ItemView[]): SelectOption[] {
  return items.slice(0, DISCORD_LIMITS.selectOptions).flatMap((item) => {
    const value = itemName(item, DISCORD_LIMITS.optionValue);
    if (!value) return [];
    return [
      {
        label: clip(`${ITEM_MARK[item.status]} ${item.ref} ${item.text}`, DISCORD_LIMITS.optionLabel),
        value,
      },
    ];
  });
}

/** The buttons for one item, shown to the person who picked it: every move it has from where it is. */
export function renderItemPanel(item: ItemView, runId: string): DiscordMessage {
  const buttons: Button[] = [];
  const add = (verb: ItemVerb, label: string, style: Button['style'], option?: string) => {
    const id = itemControlId(verb, runId, item, option);
    if (id) buttons.push(button(clip(label, DISCORD_LIMITS.buttonLabel), id, style));
  };
  switch (item.kind) {
    case 'input':
      add('set', item.status === 'done' ? '✏️ Change the value…' : '✏️ Record a value…', ButtonStyle.primary);
      break;
    case 'decision':
      for (const option of item.options) {
        if (item.status !== 'done' || option !== item.value)
          add('decide', `🗳️ ${option}`, ButtonStyle.primary, option);
      }
      break;
    case 'signoff':
      if (item.status !== 'done') add('signoff', '✍️ Sign off', ButtonStyle.primary);
      break;
    default:
      if (item.status !== 'done') add('check', '✅ Done', ButtonStyle.success);
  }
  if (item.status !== 'skipped') add('skip', '⏭️ Skip…', ButtonStyle.secondary);
  if (item.status !== 'na') add('na', '➖ Not applicable', ButtonStyle.secondary);
  if (item.status !== 'failed' && item.kind !== 'decision' && item.kind !== 'signoff')
    add('fail', '❌ Failed…', ButtonStyle.danger);
  if (item.status !== 'open') add('uncheck', '↩️ Reopen', ButtonStyle.secondary);
  return {
    content: fitContent(itemLine(item)),
    components: rowsOf(buttons, DISCORD_LIMITS.buttonsPerRow, DISCORD_LIMITS.actionRows),
    allowed_mentions: NO_MENTIONS,
  };
}

/**
 * A notice for one person (help, a refusal) as one or more messages of at most 2,000 characters: the
 * first line as prose, the rest (help, lists laid out with spaces) in code blocks that keep their columns.
 */
export function renderNotice(notice: string): string[] {
  const [first = '', ...rest] = notice.split('\n');
  const chunks: string[] = [];
  let current = escapeWithin(first, 1500);
  let block: string[] = [];
  const room = DISCORD_LIMITS.content - 20;
  const flush = () => {
    if (block.length > 0) {
      const code = `\`\`\`\n${block.join('\n')}\n\`\`\``;
      if (current.length + code.length + 1 > room) {
        chunks.push(current);
        current = code;
      } else current = current ? `${current}\n${code}` : code;
    }
    block = [];
  };
  let length = 0;
  for (const line of rest) {
    // Inside a code block nothing is formatted, and a ``` in user text could end it: remove backticks.
    // Measured as pushed (padding included), so a block never outgrows the message it goes in.
    const shown = line.trim() === '' ? '' : line.replace(/`/g, "'").slice(0, 300);
    if (length + shown.length + 1 > room - 20) {
      flush();
      length = 0;
    }
    block.push(shown);
    length += shown.length + 1;
  }
  flush();
  if (current) chunks.push(current);
  return chunks.slice(0, 5).map(fitContent);
}

function fitContent(content: string): string {
  return content.length <= DISCORD_LIMITS.content
    ? content
    : `${content.slice(0, DISCORD_LIMITS.content - 1)}…`;
}

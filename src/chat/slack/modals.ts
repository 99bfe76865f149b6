import { encodeModalContext, type ModalContext, VIEW } from './actions.js';
import { type ModalBlock, mrkdwn, plain, type SlackModal } from './blocks.js';
import { SLACK_LIMITS } from './limits.js';
import { escapeWithin } from './mrkdwn.js';

/**
 * The modals that ask for the words a click cannot carry: why an item is skipped, what failed, why the
 * run ends. Pure builders, and readers of what the person typed.
 */

const REASON_BLOCK = 'reason';
const REASON_ACTION = 'text';
const VALUE_BLOCK = 'value';
const VALUE_ACTION = 'text';
const VALUE_MAX_LENGTH = 200;
const SEVERITY_BLOCK = 'severity';
const SEVERITY_ACTION = 'choice';
const HOW_BLOCK = 'how';
const HOW_ACTION = 'choice';
/** Long enough for a real explanation, short enough to show in the item's line and the audit log. */
const REASON_MAX_LENGTH = 500;

/**
 * `itemLine` is the item as its message shows it (mrkdwn, already escaped): the modal opens from the
 * click's own payload, without a database read, well inside the three seconds a trigger id lives.
 */
export function skipModal(itemLine: string, context: ModalContext): SlackModal {
  return reasonModal(VIEW.skip, 'Skip an item', 'Skip', itemLine, 'Why is it skipped?', context);
}

export function failModal(itemLine: string, context: ModalContext): SlackModal {
  return reasonModal(VIEW.fail, 'Mark an item failed', 'Mark failed', itemLine, 'What failed?', context);
}

/** The value goes through the same reading as `/deploy set`, so a bad one is refused the same way. */
export function setModal(itemLine: string, context: ModalContext): SlackModal {
  return {
    type: 'modal',
    callback_id: VIEW.set,
    title: plain('Record a value'),
    submit: plain('Record'),
    close: plain('Cancel'),
    private_metadata: encodeModalContext(context),
    blocks: [
      { type: 'section', text: mrkdwn(clipLine(itemLine)) },
      {
        type: 'input',
        block_id: VALUE_BLOCK,
        label: plain('Value'),
        hint: plain('As in /deploy set: a number with its unit, or name=value pairs for several blanks.'),
        element: { type: 'plain_text_input', action_id: VALUE_ACTION, max_length: VALUE_MAX_LENGTH },
      },
    ],
  };
}

function reasonModal(
  callbackId: string,
  title: string,
  submit: string,
  itemLine: string,
  label: string,
  context: ModalContext,
): SlackModal {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title),
    submit: plain(submit),
    close: plain('Cancel'),
    private_metadata: encodeModalContext(context),
    blocks: [{ type: 'section', text: mrkdwn(clipLine(itemLine)) }, reasonInput(label)],
  };
}

export type EndHow = 'abort' | 'rollback';

export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type SeverityChoice = (typeof SEVERITIES)[number];

/** Paging needs a reason the on-call person reads first; the severity picks the policy (optional). */
export function escalateModal(context: ModalContext): SlackModal {
  const options = SEVERITIES.map((severity) => ({ text: plain(severity), value: severity }));
  return {
    type: 'modal',
    callback_id: VIEW.escalate,
    title: plain('Escalate'),
    submit: plain('Page now'),
    close: plain('Cancel'),
    private_metadata: encodeModalContext(context),
    blocks: [
      {
        type: 'section',
        text: mrkdwn('Pages the on-call path for this run now, step by step until someone acknowledges.'),
      },
      {
        type: 'input',
        block_id: SEVERITY_BLOCK,
        label: plain('Severity (optional: the checklist’s default otherwise)'),
        optional: true,
        element: { type: 'radio_buttons', action_id: SEVERITY_ACTION, options },
      },
      reasonInput('What is wrong?'),
    ],
  };
}

export function readSeverity(values: ViewValues): SeverityChoice | null {
  const value = values[SEVERITY_BLOCK]?.[SEVERITY_ACTION]?.selected_option?.value;
  return SEVERITIES.find((severity) => severity === value) ?? null;
}

function clipLine(line: string): string {
  const text = line.trim() || 'this item';
  return text.length <= SLACK_LIMITS.sectionText ? text : `${text.slice(0, SLACK_LIMITS.sectionText - 1)}…`;
}

export function endModal(runTitle: string, context: ModalContext): SlackModal {
  const options = [
    { text: plain('Abort: nothing was deployed'), value: 'abort' },
    { text: plain('Roll back: the deploy is undone'), value: 'rollback' },
  ];
  const blocks: ModalBlock[] = [
    { type: 'section', text: mrkdwn(`Ends *${escapeWithin(runTitle, 300)}* without completing it.`) },
    {
      type: 'input',
      block_id: HOW_BLOCK,
      label: plain('How does it end?'),
      element: { type: 'radio_buttons', action_id: HOW_ACTION, options },
    },
    reasonInput('Why?'),
  ];
  return {
    type: 'modal',
    callback_id: VIEW.end,
    title: plain('End the run'),
    submit: plain('End the run'),
    close: plain('Cancel'),
    private_metadata: encodeModalContext(context),
    blocks,
  };
}

function reasonInput(label: string): ModalBlock {
  return {
    type: 'input',
    block_id: REASON_BLOCK,
    label: plain(label),
    element: {
      type: 'plain_text_input',
      action_id: REASON_ACTION,
      multiline: true,
      max_length: REASON_MAX_LENGTH,
    },
  };
}

/** The shape of `view.state.values` in a view_submission. */
export type ViewValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

export function readReason(values: ViewValues): string {
  return (values[REASON_BLOCK]?.[REASON_ACTION]?.value ?? '').trim();
}

export function readValue(values: ViewValues): string {
  return (values[VALUE_BLOCK]?.[VALUE_ACTION]?.value ?? '').trim();
}

export function valueError(message: string): { response_action: 'errors'; errors: Record<string, string> } {
  return { response_action: 'errors', errors: { [VALUE_BLOCK]: message } };
}

export function readEndHow(values: ViewValues): EndHow | null {
  const value = values[HOW_BLOCK]?.[HOW_ACTION]?.selected_option?.value;
  return value === 'abort' || value === 'rollback' ? value : null;
}

/** The `response_action: errors` answer that keeps the modal open with a message under the field. */
export function reasonError(message: string): { response_action: 'errors'; errors: Record<string, string> } {
  return { response_action: 'errors', errors: { [REASON_BLOCK]: message } };
}

export function howError(message: string): { response_action: 'errors'; errors: Record<string, string> } {
  return { response_action: 'errors', errors: { [HOW_BLOCK]: message } };
}

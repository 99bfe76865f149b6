/**
 * The Block Kit shapes Shipcheck sends, and only those: a narrow type keeps every payload easy to check
 * against Slack's limits (limits.ts) and keeps @slack/types out of the pure rendering code.
 */

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

/** `verbatim: true` always: Slack then parses no URLs, channel names or mentions that we did not write. */
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}

export interface OptionObject {
  text: PlainText;
  value: string;
}

export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: PlainText;
  value?: string;
  style?: 'primary' | 'danger';
}

export interface OverflowElement {
  type: 'overflow';
  action_id: string;
  options: OptionObject[];
}

export interface SectionBlock {
  type: 'section';
  block_id?: string;
  text: Mrkdwn;
  accessory?: ButtonElement | OverflowElement;
}

export interface ContextBlock {
  type: 'context';
  block_id?: string;
  elements: Mrkdwn[];
}

export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: ButtonElement[];
}

export interface PlainTextInputElement {
  type: 'plain_text_input';
  action_id: string;
  multiline?: boolean;
  max_length?: number;
  placeholder?: PlainText;
}

export interface RadioButtonsElement {
  type: 'radio_buttons';
  action_id: string;
  options: OptionObject[];
  initial_option?: OptionObject;
}

export interface InputBlock {
  type: 'input';
  block_id: string;
  label: PlainText;
  element: PlainTextInputElement | RadioButtonsElement;
  hint?: PlainText;
  optional?: boolean;
}

export type MessageBlock = SectionBlock | ContextBlock | ActionsBlock;
export type ModalBlock = SectionBlock | ContextBlock | InputBlock;

/** A message: `text` is the notification and screen-reader fallback, the blocks are what people see. */
export interface SlackMessage {
  text: string;
  blocks: MessageBlock[];
}

export interface SlackModal {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  private_metadata: string;
  blocks: ModalBlock[];
}

export const plain = (text: string): PlainText => ({ type: 'plain_text', text, emoji: true });
export const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text, verbatim: true });

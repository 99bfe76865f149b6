import { SLACK_LIMITS } from './limits.js';

/**
 * The interactive controls on Shipcheck's messages and what a click on each one asks for. The run id
 * travels in the control itself, so a click on an old message acts on its own run, never on whichever
 * run is active in the channel now.
 */

export const ACTION = {
  /** The menu on every item. */
  item: 'shipcheck_item',
  /** The one button of an item that has a single move left (a signed sign-off: reopen it). */
  itemButton: 'shipcheck_item_button',
  runChecks: 'shipcheck_run_checks',
  escalate: 'shipcheck_escalate',
  ack: 'shipcheck_ack',
  complete: 'shipcheck_complete',
  end: 'shipcheck_end',
} as const;

export const VIEW = {
  escalate: 'shipcheck_escalate',
  set: 'shipcheck_set',
  skip: 'shipcheck_skip',
  fail: 'shipcheck_fail',
  end: 'shipcheck_end',
} as const;

export type ItemVerb = 'check' | 'uncheck' | 'skip' | 'na' | 'fail' | 'set' | 'decide' | 'signoff' | 'show';

const ITEM_VERBS: readonly ItemVerb[] = [
  'check',
  'uncheck',
  'skip',
  'na',
  'fail',
  'set',
  'decide',
  'signoff',
  'show',
];

export interface ItemChoice {
  verb: ItemVerb;
  runId: string;
  /** The item's key, or its ref when the key would not fit in an option value. */
  item: string;
  /** For `decide`: the option chosen, as the checklist writes it. */
  option?: string;
}

/**
 * `check:<run>:<item>`, or `decide:<run>:<item>:<option>`. Keys are letters, digits and dashes, so `:`
 * cannot be part of one. Null when even the short form (the ref) does not fit in an option value.
 */
export function encodeItemChoice(
  verb: ItemVerb,
  runId: string,
  item: { key: string; ref: string },
  option?: string,
): string | null {
  const tail = option === undefined ? '' : `:${option}`;
  for (const name of [item.key, item.ref]) {
    const value = `${verb}:${runId}:${name}${tail}`;
    if (value.length <= SLACK_LIMITS.optionValue) return value;
  }
  return null;
}

export function decodeItemChoice(value: string): ItemChoice | null {
  const match = /^([a-z]+):([^:]+):([^:]+)(?::(.+))?$/s.exec(value);
  if (!match) return null;
  const verb = match[1] as ItemVerb;
  if (!ITEM_VERBS.includes(verb)) return null;
  if ((verb === 'decide') !== (match[4] !== undefined)) return null;
  const choice: ItemChoice = { verb, runId: match[2] as string, item: match[3] as string };
  if (match[4] !== undefined) choice.option = match[4];
  return choice;
}

/** What a modal carries from the click that opened it to its submission. */
export interface ModalContext {
  runId: string;
  /** The item, for skip and fail; absent when ending the run. */
  item?: string;
  /** Where to answer the person if their submission is refused. */
  channelId: string;
}

export function encodeModalContext(context: ModalContext): string {
  return JSON.stringify(context);
}

export function decodeModalContext(metadata: string): ModalContext | null {
  try {
    const value = JSON.parse(metadata) as Partial<ModalContext>;
    if (typeof value.runId !== 'string' || typeof value.channelId !== 'string') return null;
    if (value.item !== undefined && typeof value.item !== 'string') return null;
    return { runId: value.runId, channelId: value.channelId, ...(value.item ? { item: value.item } : {}) };
  } catch {
    return null;
  }
}

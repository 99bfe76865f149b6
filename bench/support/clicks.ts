import type { FakeMessage, FakeSlack } from '../../test/fakes/slack/server.js';
import { controlsOf, type FakeUser, type SlackWorkspace } from '../../test/fakes/slack/workspace.js';

/**
 * The clicks of the interaction bench, built from what each channel shows (as a person would click),
 * prepared before the load so that sending one costs a string build and an HMAC, not a search.
 */

type Json = Record<string, unknown>;

/** An item a click can tick: a leaf item whose menu offers ✅ Done. */
export interface Tickable {
  channel: string;
  message: FakeMessage;
  ref: string;
}

const DONE = '✅ Done';
const ITEM_REF = /\*(\d+(?:\.\d+)*)\*\s/;

/** The tickable items of a channel's run, in the order the thread shows them. */
export function tickableItems(fake: FakeSlack, channel: string): Tickable[] {
  const summary = fake.messages(channel).at(-1);
  if (!summary) return [];
  const found: Tickable[] = [];
  for (const message of fake.thread(channel, summary.ts)) {
    for (const control of controlsOf(message)) {
      if (control.kind !== 'overflow' || control.text !== DONE) continue;
      const ref = refOfBlock(message, control.blockId);
      if (ref) found.push({ channel, message, ref });
    }
  }
  // A parent's tick ticks its open sub-items too: clicking those afterwards would be refused.
  return found.filter((item) => !found.some((other) => other.ref.startsWith(`${item.ref}.`)));
}

function refOfBlock(message: FakeMessage, blockId: string): string | null {
  const block = (message.blocks as Json[]).find((candidate) => candidate.block_id === blockId);
  const text = String((block?.text as Json | undefined)?.text ?? '');
  return ITEM_REF.exec(text)?.[1] ?? null;
}

/** One prepared click: the payload minus what differs per delivery (who, and Slack's action_ts). */
export interface PreparedClick {
  channel: string;
  /** channel:ts of the message the item is on, to count edits per message. */
  messageKey: string;
  template: Json;
}

/**
 * A run's clicks in order: tick every item, then, with nothing left to tick, untick and retick them in
 * turn. Each click is valid in the state the previous ones leave, so none is refused.
 */
export function clickSequence(
  workspace: SlackWorkspace,
  items: Tickable[],
  count: number,
  user: FakeUser,
): PreparedClick[] {
  const ticks = items.map((item) => ({
    item,
    check: workspace.chooseAction(user, item.message, item.ref, DONE),
  }));
  const clicks: PreparedClick[] = [];
  for (let step = 0; step < count && ticks.length > 0; step++) {
    const again = step - ticks.length;
    const tick = ticks[(again < 0 ? step : Math.floor(again / 2)) % ticks.length] as (typeof ticks)[number];
    const template = again < 0 || again % 2 === 1 ? tick.check : asUncheck(tick.check);
    clicks.push({
      channel: tick.item.channel,
      messageKey: `${tick.item.channel}:${tick.item.message.ts}`,
      template,
    });
  }
  return clicks;
}

/** The same menu's “reopen” choice: the value names the verb, the run and the item. */
function asUncheck(check: Json): Json {
  const [action] = check.actions as Json[];
  const option = (action as Json).selected_option as Json;
  return {
    ...check,
    actions: [
      {
        ...action,
        selected_option: {
          text: { type: 'plain_text', text: '↩️ Reopen', emoji: true },
          value: String(option.value).replace(/^check:/, 'uncheck:'),
        },
      },
    ],
  };
}

/** The form body Slack would POST for this click, by `user`, with a fresh action_ts. */
export function clickBody(click: PreparedClick, user: FakeUser, actionTs: string): string {
  const [action] = click.template.actions as Json[];
  const payload = {
    ...click.template,
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T1' },
    actions: [{ ...action, action_ts: actionTs }],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

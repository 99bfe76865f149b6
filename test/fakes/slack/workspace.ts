import { createHmac } from 'node:crypto';
import { Agent, fetch } from 'undici';
import type { FakeMessage, FakeSlack } from './server.js';

/**
 * The people side of the fake: what Slack sends to the app when someone types a slash command, picks a
 * choice from a message's menu, presses a button or submits a modal. Requests are built from what the
 * channel shows (a click names a control that is really on the message) and delivered as Slack does:
 * signed HTTP requests to the app's URL, or envelopes over Socket Mode.
 */

export interface FakeUser {
  id: string;
  name: string;
}

export type Delivery = { kind: 'http'; url: string; signingSecret: string } | { kind: 'socket' };

export interface Delivered {
  status: number;
  body: string;
}

export interface HttpOverrides {
  /** Seconds since the epoch to sign with (and send), e.g. one that is too old. */
  timestamp?: number;
  /** A signature to send instead of the right one. */
  signature?: string;
  /** X-Slack-Retry-Num: Slack's redelivery of a request it thinks was not answered. */
  retryNum?: number;
}

interface Control {
  blockId: string;
  actionId: string;
  kind: 'button' | 'overflow';
  text: string;
  value: string;
}

type Json = Record<string, unknown>;

/**
 * Slack's own connections to the app: an idle one is dropped after a second, well before the server's
 * keep-alive (5 s) ends it, so a request never races the server closing the socket it reuses (which a
 * loaded machine turned into an ECONNRESET now and then).
 */
const CONNECTIONS = new Agent({ keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 });

export class SlackWorkspace {
  readonly #fake: FakeSlack;
  readonly #delivery: Delivery;

  constructor(fake: FakeSlack, delivery: Delivery) {
    this.#fake = fake;
    this.#delivery = delivery;
  }

  /** `/deploy <text>` typed by `user` in `channel`. */
  slash(user: FakeUser, channel: string, text: string, overrides: HttpOverrides = {}): Promise<Delivered> {
    const fields = {
      token: 'legacy-verification-token',
      team_id: 'T1',
      team_domain: 'fake',
      channel_id: channel,
      channel_name: 'deploys',
      user_id: user.id,
      user_name: user.name,
      command: '/deploy',
      text,
      api_app_id: 'A1',
      response_url: this.#fake.responseUrl(channel, user.id),
      trigger_id: this.#fake.issueTrigger(),
    };
    if (this.#delivery.kind === 'socket') return this.#envelope('slash_commands', fields, overrides);
    return this.#post(new URLSearchParams(fields).toString(), overrides);
  }

  /** Picks the menu choice labelled `label` on the item whose reference is `ref`, in `message`. */
  choose(user: FakeUser, message: FakeMessage, ref: string, label: string, overrides?: HttpOverrides) {
    return this.deliver(this.chooseAction(user, message, ref, label), overrides);
  }

  /** The block_actions payload of that choice, to deliver (or redeliver) with `deliver`. */
  chooseAction(user: FakeUser, message: FakeMessage, ref: string, label: string): Json {
    const control = controlsOf(message).find(
      (candidate) =>
        candidate.kind === 'overflow' &&
        candidate.blockId === itemBlockId(message, ref) &&
        candidate.text === label,
    );
    if (!control) {
      const offered = controlsOf(message)
        .filter((candidate) => candidate.blockId === itemBlockId(message, ref))
        .map((candidate) => candidate.text);
      throw new Error(`item ${ref} offers no “${label}” (it offers: ${offered.join(', ') || 'nothing'})`);
    }
    return this.#blockAction(user, message, control);
  }

  /** Presses the button labelled `label` in `message`. */
  press(user: FakeUser, message: FakeMessage, label: string, overrides?: HttpOverrides): Promise<Delivered> {
    const control = controlsOf(message).find(
      (candidate) => candidate.kind === 'button' && candidate.text === label,
    );
    if (!control) throw new Error(`no button “${label}” on the message`);
    return this.deliver(this.#blockAction(user, message, control), overrides);
  }

  /** Fills a modal Shipcheck opened (answers by input block id) and submits it. */
  submit(user: FakeUser, viewId: string, answers: Record<string, string>, overrides?: HttpOverrides) {
    const opened = this.#fake.views.get(viewId);
    if (!opened) throw new Error(`no view ${viewId} was opened`);
    const values: Record<string, Record<string, Json>> = {};
    for (const block of (opened.view.blocks as Json[]) ?? []) {
      if (block.type !== 'input') continue;
      const element = block.element as Json;
      const answer = answers[String(block.block_id)];
      if (answer === undefined) continue;
      if (element.type === 'radio_buttons') {
        const option = (element.options as Json[]).find((candidate) => candidate.value === answer);
        if (!option) throw new Error(`the modal offers no option ${answer}`);
        values[String(block.block_id)] = {
          [String(element.action_id)]: { type: 'radio_buttons', selected_option: option },
        };
      } else {
        values[String(block.block_id)] = {
          [String(element.action_id)]: { type: 'plain_text_input', value: answer },
        };
      }
    }
    const payload = {
      type: 'view_submission',
      team: { id: 'T1', domain: 'fake' },
      user: { id: user.id, username: user.name, name: user.name, team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      trigger_id: this.#fake.issueTrigger(),
      view: {
        ...opened.view,
        id: viewId,
        team_id: 'T1',
        state: { values },
        hash: `${viewId}-hash`,
        app_id: 'A1',
        bot_id: 'BBOT',
      },
      response_urls: [],
    };
    return this.deliver(payload, overrides);
  }

  /** Where HTTP deliveries go. */
  get url(): string {
    if (this.#delivery.kind !== 'http') throw new Error('not an HTTP workspace');
    return this.#delivery.url;
  }

  /** A signed form body exactly as given: for bodies Slack itself would never send. */
  deliverRaw(body: string, overrides: HttpOverrides = {}): Promise<Delivered> {
    return this.#post(body, overrides);
  }

  /** Delivers an interaction payload (block_actions, view_submission) as Slack would. */
  deliver(payload: Json, overrides: HttpOverrides = {}): Promise<Delivered> {
    if (this.#delivery.kind === 'socket') return this.#envelope('interactive', payload, overrides);
    return this.#post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), overrides);
  }

  #blockAction(user: FakeUser, message: FakeMessage, control: Control): Json {
    const action: Json = {
      type: control.kind,
      action_id: control.actionId,
      block_id: control.blockId,
      action_ts: this.#fake.nextActionTs(),
    };
    if (control.kind === 'overflow') {
      action.selected_option = {
        text: { type: 'plain_text', text: control.text, emoji: true },
        value: control.value,
      };
    } else {
      action.text = { type: 'plain_text', text: control.text, emoji: true };
      action.value = control.value;
    }
    return {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: false,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      },
      trigger_id: this.#fake.issueTrigger(),
      team: { id: 'T1', domain: 'fake' },
      channel: { id: message.channel, name: 'deploys' },
      message: {
        type: 'message',
        user: 'UBOT',
        bot_id: 'BBOT',
        ts: message.ts,
        text: message.text,
        blocks: message.blocks,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      },
      response_url: this.#fake.responseUrl(message.channel, user.id, message.ts),
      actions: [action],
    };
  }

  async #post(body: string, overrides: HttpOverrides): Promise<Delivered> {
    if (this.#delivery.kind !== 'http') throw new Error('not an HTTP workspace');
    const timestamp = overrides.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = overrides.signature ?? signRequest(this.#delivery.signingSecret, timestamp, body);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    };
    if (overrides.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(overrides.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const response = await fetch(this.#delivery.url, {
      method: 'POST',
      headers,
      body,
      dispatcher: CONNECTIONS,
    });
    return { status: response.status, body: await response.text() };
  }

  async #envelope(type: string, payload: unknown, overrides: HttpOverrides): Promise<Delivered> {
    const ack = await this.#fake.sendEnvelope(type, payload, overrides.retryNum ?? 0);
    return { status: 200, body: JSON.stringify(ack ?? {}) };
  }
}

/** Slack's v0 request signature: HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing secret. */
export function signRequest(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Every button and menu choice on a message, as a person could click it. */
export function controlsOf(message: FakeMessage): Control[] {
  const controls: Control[] = [];
  for (const block of message.blocks as Json[]) {
    const blockId = String(block.block_id ?? '');
    const elements =
      block.type === 'actions'
        ? (block.elements as Json[])
        : block.accessory
          ? [block.accessory as Json]
          : [];
    for (const element of elements) {
      if (element.type === 'button') {
        const text = (element.text as Json).text as string;
        controls.push({
          blockId,
          actionId: String(element.action_id),
          kind: 'button',
          text,
          value: String(element.value ?? ''),
        });
      } else if (element.type === 'overflow') {
        for (const option of element.options as Json[]) {
          const text = (option.text as Json).text as string;
          controls.push({
            blockId,
            actionId: String(element.action_id),
            kind: 'overflow',
            text,
            value: String(option.value),
          });
        }
      }
    }
  }
  return controls;
}

/** The block of the item whose line starts with its reference in bold, e.g. `*2.3*`. */
function itemBlockId(message: FakeMessage, ref: string): string | null {
  const block = (message.blocks as Json[]).find((candidate) =>
    new RegExp(`(^|\\s)\\*${ref.replace(/\./g, '\\.')}\\*\\s`).test(
      String((candidate.text as Json | undefined)?.text ?? ''),
    ),
  );
  return block ? String(block.block_id) : null;
}

/** What a message shows, as text: every section and context, one per line. */
export function shownText(message: { blocks: unknown[] } | undefined): string {
  if (!message) return '';
  const lines: string[] = [];
  for (const block of message.blocks as Json[]) {
    if (block.text) lines.push(String((block.text as Json).text));
    for (const element of (block.type === 'context' ? (block.elements as Json[]) : []) ?? []) {
      lines.push(String(element.text));
    }
  }
  return lines.join('\n');
}

/** The line of item `ref` in a section message, or undefined. */
export function itemLineOf(message: FakeMessage | undefined, ref: string): string | undefined {
  return shownText(message)
    .split('\n')
    .find((line) => new RegExp(`\\*${ref.replace(/\./g, '\\.')}\\*\\s`).test(line));
}

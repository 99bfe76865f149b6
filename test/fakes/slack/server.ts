import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Refusal, validateMessage, validateView } from './validate.js';

/**
 * A local stand-in for Slack's Web API and Socket Mode, on 127.0.0.1 and a random port. It keeps each
 * channel's messages as Slack would show them (top level and threads), edits them in place, refuses
 * payloads Slack would refuse, meters each method by its tier and answers 429 with Retry-After when a
 * method goes over. Tests read what a channel shows from here, never from Shipcheck's own state.
 */

export interface Tier {
  perMinute: number;
  burst: number;
  /** Counted per channel, as chat.postMessage is. */
  perChannel?: boolean;
}

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  /** Tiers by method, replacing the defaults below. */
  tiers?: Record<string, Tier>;
  /** Channels the bot is not a member of: posting there fails with `not_in_channel`. */
  notInChannel?: string[];
  /** Every click's response_url answers `expired_url`, as Slack does after 30 minutes or five uses. */
  expiredResponseUrls?: boolean;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs: string | null;
  text: string;
  blocks: unknown[];
  /** How many times chat.update rewrote it. */
  edits: number;
  /** How many times a click's response_url replaced it (not counted against chat.update's limit). */
  replacements: number;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  via: 'chat.postEphemeral' | 'response_url';
}

export interface OpenedView {
  id: string;
  view: Record<string, unknown>;
  triggerId: string;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** Milliseconds since the fake started. */
  at: number;
  outcome: 'ok' | 'ratelimited' | string;
}

/** Slack's tiers, roughly: Tier 2 ≈ 20/min, Tier 3 ≈ 50/min, Tier 4 ≈ 100/min, each with some burst. */
const DEFAULT_TIERS: Record<string, Tier> = {
  'auth.test': { perMinute: 100, burst: 20 },
  'apps.connections.open': { perMinute: 100, burst: 20 },
  'chat.postMessage': { perMinute: 60, burst: 30, perChannel: true },
  'chat.update': { perMinute: 50, burst: 25 },
  'chat.postEphemeral': { perMinute: 100, burst: 30 },
  'views.open': { perMinute: 100, burst: 30 },
};
const FALLBACK_TIER: Tier = { perMinute: 20, burst: 10 };
/** A trigger id is good for one use within three seconds. */
const TRIGGER_LIFETIME_MS = 3_000;

type Args = Record<string, unknown>;
type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly calls: RecordedCall[] = [];
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views = new Map<string, OpenedView>();
  /** Every refusal, with Slack's error and reasons, so a test can show why. */
  readonly refusals: { method: string; refusal: Refusal }[] = [];
  readonly #tiers: Record<string, Tier>;
  readonly #notInChannel: Set<string>;
  readonly #expiredResponseUrls: boolean;
  readonly #messages = new Map<string, FakeMessage[]>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #triggers = new Map<string, { issuedAt: number; used: boolean }>();
  readonly #responseUrls = new Map<string, { channel: string; user: string; ts: string | null }>();
  /** Every rewrite of a clicked message through its response_url, with when (Date.now): the bench's freshness. */
  readonly replacements: { channel: string; ts: string; at: number }[] = [];
  readonly #started = Date.now();
  #server: Server | null = null;
  #sockets: WebSocketServer | null = null;
  #socket: WebSocket | null = null;
  #socketWaiters: (() => void)[] = [];
  #acks = new Map<string, (payload: unknown) => void>();
  #sequence = 0;

  constructor(options: FakeSlackOptions = {}) {
    this.botToken = options.botToken ?? 'xoxb-fake-bot-token';
    this.appToken = options.appToken ?? 'xapp-fake-app-token';
    this.#tiers = { ...DEFAULT_TIERS, ...options.tiers };
    this.#notInChannel = new Set(options.notInChannel ?? []);
    this.#expiredResponseUrls = options.expiredResponseUrls ?? false;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      void this.#handle(request, response).catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
    });
    const sockets = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) => {
      if (!request.url?.startsWith('/socket')) return socket.destroy();
      sockets.handleUpgrade(request, socket, head, (ws) => this.#onSocket(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#sockets = sockets;
  }

  get port(): number {
    if (!this.#server) throw new Error('the fake Slack is not started');
    return (this.#server.address() as AddressInfo).port;
  }

  /** What `clientOptions.slackApiUrl` should be. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** Drops every Socket Mode connection, as Slack does when it moves an app to another server. */
  dropSockets(): void {
    for (const client of this.#sockets?.clients ?? []) client.terminate();
  }

  async close(): Promise<void> {
    for (const client of this.#sockets?.clients ?? []) client.terminate();
    this.#sockets?.close();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  // ── what the channel shows ────────────────────────────────────────────────────────────────────────

  /** Top-level messages of a channel, oldest first. */
  messages(channel: string): FakeMessage[] {
    return (this.#messages.get(channel) ?? []).filter((message) => message.threadTs === null);
  }

  /** The replies in a message's thread, oldest first. */
  thread(channel: string, ts: string): FakeMessage[] {
    return (this.#messages.get(channel) ?? []).filter((message) => message.threadTs === ts);
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return (this.#messages.get(channel) ?? []).find((message) => message.ts === ts);
  }

  ephemeralsFor(user: string): FakeEphemeral[] {
    return this.ephemerals.filter((ephemeral) => ephemeral.user === user);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  // ── what the client side (test/fakes/slack/workspace.ts) needs ────────────────────────────────────

  issueTrigger(): string {
    const id = `${++this.#sequence}.${Date.now()}.${randomUUID().slice(0, 8)}`;
    this.#triggers.set(id, { issuedAt: Date.now(), used: false });
    return id;
  }

  /** A click's response_url: `ts` is the message clicked, which `replace_original` rewrites. */
  responseUrl(channel: string, user: string, ts: string | null = null): string {
    const id = randomUUID();
    this.#responseUrls.set(id, { channel, user, ts });
    return `http://127.0.0.1:${this.port}/respond/${id}`;
  }

  /** Slack stamps every click with its own action_ts; a redelivery of the click carries the same one. */
  nextActionTs(): string {
    return this.#newTs();
  }

  /** Resolves when Shipcheck has opened its Socket Mode connection and got `hello`. */
  socketConnected(): Promise<void> {
    if (this.#socket) return Promise.resolve();
    return new Promise((resolve) => this.#socketWaiters.push(resolve));
  }

  /** Sends an envelope over Socket Mode and resolves with the payload Shipcheck acknowledged it with. */
  sendEnvelope(type: string, payload: unknown, retryAttempt = 0): Promise<unknown> {
    const socket = this.#socket;
    if (!socket) throw new Error('no Socket Mode connection');
    const envelopeId = randomUUID();
    const acked = new Promise<unknown>((resolve, reject) => {
      // A bound, not a wait: an envelope nobody acknowledges fails the test instead of hanging it.
      const timer = setTimeout(() => reject(new Error(`envelope ${type} not acknowledged`)), 5_000);
      this.#acks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: retryAttempt,
        retry_reason: retryAttempt > 0 ? 'timeout' : '',
      }),
    );
    return acked;
  }

  // ── the server ────────────────────────────────────────────────────────────────────────────────────

  #onSocket(ws: WebSocket): void {
    this.#socket = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      const resolve = message.envelope_id ? this.#acks.get(message.envelope_id) : undefined;
      if (message.envelope_id) this.#acks.delete(message.envelope_id);
      resolve?.(message.payload ?? {});
    });
    ws.on('close', () => {
      if (this.#socket === ws) this.#socket = null;
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' } }));
    const waiters = this.#socketWaiters;
    this.#socketWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/respond/')) return this.#respondUrl(url.pathname.slice(9), body, response);
    if (!url.pathname.startsWith('/api/')) {
      response.writeHead(404);
      response.end();
      return;
    }
    const method = url.pathname.slice(5);
    const args = parseArgs(request.headers['content-type'] ?? '', body);
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '') || String(args.token ?? '');
    const answer = this.#call(method, args, token);
    const outcome = answer.status === 429 ? 'ratelimited' : answer.body.ok ? 'ok' : String(answer.body.error);
    this.calls.push({ method, args, at: Date.now() - this.#started, outcome });
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  }

  #call(method: string, args: Args, token: string): Answer {
    const wantsAppToken = method === 'apps.connections.open';
    if (token !== (wantsAppToken ? this.appToken : this.botToken)) return fail('invalid_auth');
    const retryAfter = this.#meter(method, typeof args.channel === 'string' ? args.channel : '');
    if (retryAfter !== null) {
      return {
        status: 429,
        headers: { 'retry-after': String(retryAfter) },
        body: { ok: false, error: 'ratelimited' },
      };
    }
    switch (method) {
      case 'auth.test':
        return ok({
          url: 'https://fake.slack.test/',
          team: 'Fake',
          user: 'shipcheck',
          team_id: 'T1',
          user_id: 'UBOT',
          bot_id: 'BBOT',
        });
      case 'apps.connections.open':
        return ok({ url: `ws://127.0.0.1:${this.port}/socket?ticket=${randomUUID()}` });
      case 'chat.postMessage':
        return this.#postMessage(args);
      case 'chat.update':
        return this.#update(args);
      case 'chat.postEphemeral':
        return this.#postEphemeral(args);
      case 'views.open':
        return this.#openView(args);
      default:
        return fail('unknown_method');
    }
  }

  /** Seconds to wait when `method` is over its tier, else null (and one call is counted). */
  #meter(method: string, channel: string): number | null {
    const tier = this.#tiers[method] ?? FALLBACK_TIER;
    const key = tier.perChannel ? `${method}:${channel}` : method;
    const now = Date.now();
    const bucket = this.#buckets.get(key) ?? { tokens: tier.burst, at: now };
    bucket.tokens = Math.min(tier.burst, bucket.tokens + ((now - bucket.at) * tier.perMinute) / 60_000);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / tier.perMinute));
  }

  #refuse(method: string, refusal: Refusal): Answer {
    this.refusals.push({ method, refusal });
    return fail(refusal.error, { errors: refusal.reasons, response_metadata: { messages: refusal.reasons } });
  }

  #postMessage(args: Args): Answer {
    const channel = String(args.channel ?? '');
    if (!channel) return fail('channel_not_found');
    if (this.#notInChannel.has(channel)) return fail('not_in_channel');
    const refusal = validateMessage(args.text, args.blocks);
    if (refusal) return this.#refuse('chat.postMessage', refusal);
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : null;
    if (threadTs && !this.message(channel, threadTs)) return fail('thread_not_found');
    const message: FakeMessage = {
      channel,
      ts: this.#newTs(),
      threadTs,
      text: String(args.text ?? ''),
      blocks: (args.blocks as unknown[]) ?? [],
      edits: 0,
      replacements: 0,
    };
    const list = this.#messages.get(channel) ?? [];
    list.push(message);
    this.#messages.set(channel, list);
    return ok({ channel, ts: message.ts, message: { text: message.text, blocks: message.blocks } });
  }

  #update(args: Args): Answer {
    const message = this.message(String(args.channel ?? ''), String(args.ts ?? ''));
    if (!message) return fail('message_not_found');
    const refusal = validateMessage(args.text, args.blocks);
    if (refusal) return this.#refuse('chat.update', refusal);
    message.text = String(args.text ?? '');
    message.blocks = (args.blocks as unknown[]) ?? [];
    message.edits += 1;
    return ok({ channel: message.channel, ts: message.ts, text: message.text });
  }

  #postEphemeral(args: Args): Answer {
    const channel = String(args.channel ?? '');
    if (this.#notInChannel.has(channel)) return fail('not_in_channel');
    const refusal = validateMessage(args.text, args.blocks);
    if (refusal) return this.#refuse('chat.postEphemeral', refusal);
    this.ephemerals.push({
      channel,
      user: String(args.user ?? ''),
      text: String(args.text ?? ''),
      blocks: (args.blocks as unknown[]) ?? [],
      via: 'chat.postEphemeral',
    });
    return ok({ message_ts: this.#newTs() });
  }

  #openView(args: Args): Answer {
    const triggerId = String(args.trigger_id ?? '');
    const trigger = this.#triggers.get(triggerId);
    if (!trigger || trigger.used) return fail('invalid_trigger_id');
    if (Date.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return fail('expired_trigger_id');
    const refusal = validateView(args.view);
    if (refusal) return this.#refuse('views.open', refusal);
    trigger.used = true;
    const id = `V${++this.#sequence}`;
    this.views.set(id, { id, view: args.view as Record<string, unknown>, triggerId });
    return ok({ view: { id, ...(args.view as Record<string, unknown>) } });
  }

  #respondUrl(id: string, body: string, response: ServerResponse): void {
    const target = this.#responseUrls.get(id);
    if (target && this.#expiredResponseUrls) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: false, error: 'expired_url' }));
      return;
    }
    const payload = JSON.parse(body || '{}') as {
      text?: string;
      blocks?: unknown[];
      replace_original?: boolean;
    };
    if (target && payload.replace_original) {
      // As Slack does: the clicked message is rewritten in place, with the same limits as any message.
      const message = target.ts ? this.message(target.channel, target.ts) : undefined;
      const refusal = message
        ? validateMessage(payload.text, payload.blocks)
        : { error: 'message_not_found' };
      if (message && !refusal) {
        message.text = payload.text ?? '';
        message.blocks = payload.blocks ?? [];
        message.replacements += 1;
        this.replacements.push({ channel: message.channel, ts: message.ts, at: Date.now() });
      }
      response.writeHead(refusal ? 400 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(refusal ? { ok: false, error: refusal.error } : { ok: true }));
      return;
    }
    if (target) {
      this.ephemerals.push({
        channel: target.channel,
        user: target.user,
        text: payload.text ?? '',
        blocks: payload.blocks ?? [],
        via: 'response_url',
      });
    }
    response.writeHead(target ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: Boolean(target) }));
  }

  #newTs(): string {
    const seconds = Math.floor(this.#started / 1000);
    return `${seconds}.${String(++this.#sequence).padStart(6, '0')}`;
  }
}

function ok(body: Record<string, unknown>): Answer {
  return { body: { ok: true, ...body } };
}

function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { body: { ok: false, error, ...extra } };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The Web API takes form fields, objects among them as JSON strings (that is what the SDK sends), or JSON. */
function parseArgs(contentType: string, body: string): Args {
  if (contentType.includes('application/json')) return JSON.parse(body || '{}') as Args;
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

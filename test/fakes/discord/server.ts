import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Refusal, validateMessage, validateModal } from './validate.js';

/**
 * A local stand-in for Discord: the REST API under `/api/v10` and the gateway over WebSocket, on
 * 127.0.0.1 and a random port. It keeps each channel's messages (and each thread's) as Discord would
 * show them, edits them in place, refuses payloads Discord would refuse (400, code 50035), meters
 * message routes per channel with X-RateLimit-* headers and answers 429 with retry_after when a bucket
 * is empty. Interactions go to the bot over the gateway (INTERACTION_CREATE) and its answers come back
 * on the interaction callback and webhook routes. Tests read what a channel shows from here.
 */

export type Json = Record<string, unknown>;

export interface FakeUser {
  id: string;
  username: string;
  /** The server roles the person holds, by id. */
  roles?: readonly string[];
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  components: Json[];
  allowed_mentions: Json | undefined;
  flags: number;
  /** Whom Discord would notify for this message, from its content and allowed_mentions. */
  pings: { everyone: boolean; users: string[]; roles: string[] };
  edits: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface Bucket {
  limit: number;
  windowMs: number;
  /**
   * Calls per window made by someone else with the same token (another replica): they count against
   * the bucket but not in the headers this client sees, so it meets 429s it could not foresee.
   */
  sharedWith?: number;
}

export interface FakeDiscordOptions {
  /** Message routes (post, edit) per channel: at most `limit` in `windowMs`. Generous by default. */
  messageBucket?: Bucket;
  /** Channels where threads cannot be started (Discord answers 50024). */
  noThreads?: string[];
}

/** What became of one interaction: the bot's answers to it. */
export interface InteractionRecord {
  id: string;
  token: string;
  payload: Json;
  callbacks: Json[];
  /** The reply (type 4/5) as edited since, or the message a deferred update (type 6) stands for. */
  original: FakeMessage | null;
  followups: FakeMessage[];
  modal: Json | null;
  choices: Json[] | null;
  /** The message whose component was used, for a component interaction. */
  source: FakeMessage | null;
}

const EPHEMERAL = 64;
const EPOCH = 1_420_070_400_000n;

export class FakeDiscord {
  /** Shaped like a real bot token: the bot id in base64, a timestamp part, an HMAC part. */
  readonly token =
    `${Buffer.from('1100000000000000001').toString('base64url')}.${randomBytes(5).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
  readonly applicationId = '1100000000000000001';
  readonly botId = '1100000000000000001';
  readonly guildId = '1200000000000000001';
  readonly calls: RecordedCall[] = [];
  /** Registered commands by scope: `global` or the guild id. */
  readonly commands = new Map<string, Json[]>();
  readonly identifies: Json[] = [];
  resumes = 0;
  readonly #messages = new Map<string, FakeMessage[]>();
  readonly #threads = new Map<string, string>();
  readonly #noThreads: Set<string>;
  readonly #bucket: Bucket;
  readonly #buckets = new Map<string, { remaining: number; resetAt: number }>();
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #byToken = new Map<string, InteractionRecord>();
  readonly #callbackWaiters = new Map<string, (() => void)[]>();
  #server: Server | null = null;
  #sockets: WebSocketServer | null = null;
  #socket: WebSocket | null = null;
  #sessionId = randomBytes(8).toString('hex');
  #sequence = 0;
  #events: { s: number; frame: string }[] = [];
  #readyWaiters: (() => void)[] = [];
  #snowflakes = 0n;

  constructor(options: FakeDiscordOptions = {}) {
    this.#bucket = options.messageBucket ?? { limit: 10_000, windowMs: 1_000 };
    this.#noThreads = new Set(options.noThreads ?? []);
  }

  get port(): number {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the fake is not started');
    return address.port;
  }

  /** What `rest.api` is set to: REST calls go to `${apiUrl}/v10/…`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.#route(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    const sockets = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) => {
      if (!request.url?.startsWith('/gateway')) return socket.destroy();
      sockets.handleUpgrade(request, socket, head, (ws) => this.#onSocket(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#sockets = sockets;
  }

  async close(): Promise<void> {
    for (const client of this.#sockets?.clients ?? []) client.terminate();
    this.#sockets?.close();
    await new Promise<void>((resolve) => {
      if (!this.#server) return resolve();
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  /** Resolves once a bot has identified (or resumed) on the gateway. */
  connected(): Promise<void> {
    if (this.#socket && this.identifies.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Drops the gateway connection as a network failure would; the bot should resume. */
  dropConnection(): void {
    this.#socket?.terminate();
    this.#socket = null;
  }

  /** The channel's messages as it shows them now, oldest first (ephemeral ones are not in a channel). */
  messages(channelId: string): FakeMessage[] {
    return [...(this.#messages.get(channelId) ?? [])];
  }

  /** The messages in the thread started on `messageId`. */
  thread(messageId: string): FakeMessage[] {
    const threadId = this.#threads.get(messageId);
    return threadId ? this.messages(threadId) : [];
  }

  interaction(id: string): InteractionRecord {
    const record = this.#interactions.get(id);
    if (!record) throw new Error(`no interaction ${id}`);
    return record;
  }

  /** Every reply and follow-up the bot sent to interactions: what people saw privately. */
  ephemerals(): FakeMessage[] {
    return [...this.#interactions.values()].flatMap((record) => [
      ...(record.original && record.original.flags & EPHEMERAL ? [record.original] : []),
      ...record.followups,
    ]);
  }

  // ── what a person does ────────────────────────────────────────────────────────────────────────

  /** Types `/deploy <subcommand>` with options; resolves once the bot has answered it (deferral). */
  slash(
    user: FakeUser,
    channelId: string,
    subcommand: string,
    options: Record<string, string | number | FakeUser> = {},
  ) {
    const users: Record<string, Json> = {};
    const typed = Object.entries(options).map(([name, value]) => {
      if (typeof value === 'object') {
        users[value.id] = userJson(value);
        return { name, type: 6, value: value.id };
      }
      return { name, type: typeof value === 'number' ? 4 : 3, value };
    });
    return this.deliver(user, channelId, 2, {
      id: '1300000000000000001',
      name: 'deploy',
      type: 1,
      options: [{ type: 1, name: subcommand, options: typed }],
      ...(Object.keys(users).length > 0 ? { resolved: { users } } : {}),
    });
  }

  /** Types into an option with autocomplete; resolves with the choices offered. */
  async autocomplete(user: FakeUser, channelId: string, subcommand: string, focused: string, typed: string) {
    const record = await this.deliver(user, channelId, 4, {
      id: '1300000000000000001',
      name: 'deploy',
      type: 1,
      options: [
        { type: 1, name: subcommand, options: [{ name: focused, type: 3, value: typed, focused: true }] },
      ],
    });
    return (record.choices ?? []) as { name: string; value: string }[];
  }

  /** Clicks the button labelled `label` (or whose label starts with it) on a message. */
  click(user: FakeUser, message: FakeMessage, label: string) {
    const button = componentsOf(message).find((c) => c.type === 2 && String(c.label).startsWith(label));
    if (!button)
      throw new Error(`no button “${label}” on message ${message.id}: ${labelsOf(message).join(', ')}`);
    return this.deliver(
      user,
      message.channel_id,
      3,
      { custom_id: button.custom_id, component_type: 2 },
      message,
    );
  }

  /** Chooses `values` in the select whose custom id starts with `prefix` (`sc:tick`, `sc:pick`). */
  select(user: FakeUser, message: FakeMessage, prefix: string, values: string[]) {
    const select = componentsOf(message).find((c) => c.type === 3 && String(c.custom_id).startsWith(prefix));
    if (!select) throw new Error(`no select ${prefix} on message ${message.id}`);
    const offered = new Set(((select.options as Json[]) ?? []).map((option) => option.value));
    for (const value of values)
      if (!offered.has(value)) throw new Error(`the select does not offer ${value}`);
    return this.deliver(
      user,
      message.channel_id,
      3,
      { custom_id: select.custom_id, component_type: 3, values },
      message,
    );
  }

  /** Fills in the modal the bot opened for `opened` and submits it. */
  submitModal(user: FakeUser, opened: InteractionRecord, answers: Record<string, string>) {
    const modal = opened.modal;
    if (!modal) throw new Error(`interaction ${opened.id} opened no modal`);
    const rows = (modal.components as Json[]).map((row) => {
      const input = (row.components as Json[])[0] as Json;
      return {
        type: 1,
        components: [{ type: 4, custom_id: input.custom_id, value: answers[String(input.custom_id)] ?? '' }],
      };
    });
    return this.deliver(
      user,
      String(opened.payload.channel_id),
      5,
      { custom_id: modal.custom_id, components: rows },
      opened.source ?? undefined,
    );
  }

  /** Sends an interaction over the gateway; resolves once the bot has made its initial response. */
  async deliver(
    user: FakeUser,
    channelId: string,
    type: number,
    data: Json,
    message?: FakeMessage,
    id?: string,
  ) {
    const record = this.#newInteraction(user, channelId, type, data, message, id);
    const answered = this.#waitForCallback(record.id);
    this.#dispatch('INTERACTION_CREATE', record.payload);
    await answered;
    return record;
  }

  /** Sends the very same interaction (same id and token) again, as a replayed delivery would. */
  redeliver(record: InteractionRecord): void {
    this.#dispatch('INTERACTION_CREATE', record.payload);
  }

  #newInteraction(
    user: FakeUser,
    channelId: string,
    type: number,
    data: Json,
    message?: FakeMessage,
    id?: string,
  ) {
    const interactionId = id ?? this.#snowflake();
    const token = `itoken-${randomBytes(16).toString('base64url')}`;
    const parent = [...this.#threads.entries()].find(([, thread]) => thread === channelId)?.[0];
    const parentChannel = parent ? this.#channelOf(parent) : null;
    const payload: Json = {
      id: interactionId,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      guild_id: this.guildId,
      channel_id: channelId,
      channel: {
        id: channelId,
        type: parentChannel ? 11 : 0,
        guild_id: this.guildId,
        ...(parentChannel ? { parent_id: parentChannel } : {}),
      },
      member: {
        user: userJson(user),
        roles: [...(user.roles ?? [])],
        permissions: '0',
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      },
      app_permissions: '0',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guildId },
      context: 0,
      data,
      ...(message ? { message: messageJson(message, this.botId) } : {}),
    };
    const record: InteractionRecord = {
      id: interactionId,
      token,
      payload,
      callbacks: [],
      original: null,
      followups: [],
      modal: null,
      choices: null,
      source: message ?? null,
    };
    this.#interactions.set(interactionId, record);
    this.#byToken.set(token, record);
    return record;
  }

  #channelOf(messageId: string): string | null {
    for (const [channel, messages] of this.#messages)
      if (messages.some((m) => m.id === messageId)) return channel;
    return null;
  }

  #waitForCallback(id: string): Promise<void> {
    return new Promise((resolve) => {
      this.#callbackWaiters.set(id, [...(this.#callbackWaiters.get(id) ?? []), resolve]);
    });
  }

  // ── REST ──────────────────────────────────────────────────────────────────────────────────────

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    const body = await readJson(request);
    const send: Send = (status, json, headers = {}) => {
      this.calls.push({ method, path, status, at: Date.now() });
      response.writeHead(
        status,
        status === 204 ? headers : { 'content-type': 'application/json', ...headers },
      );
      response.end(status === 204 ? undefined : JSON.stringify(json));
      return undefined;
    };
    const refuse = (refusal: Refusal): undefined => send(400, refusal);

    // Interaction callbacks and webhooks authenticate by the interaction token, not the bot token.
    let match = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (match && method === 'POST') {
      return this.#callback(match[1] as string, match[2] as string, body, send, refuse);
    }
    match = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(path);
    if (match) {
      return this.#webhook(method, match[2] as string, match[3] ?? null, body, send, refuse);
    }
    if (request.headers.authorization !== `Bot ${this.token}`) {
      return send(401, { message: '401: Unauthorized', code: 0 });
    }
    if (path === '/gateway/bot' && method === 'GET') {
      return send(200, {
        url: `ws://127.0.0.1:${this.port}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      });
    }
    match = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path);
    if (match && method === 'PUT') {
      const appId = match[1];
      const commands = (body as unknown as Json[]).map((command, index) => ({
        ...command,
        id: `13000000000000000${index + 10}`,
        application_id: appId,
      }));
      this.commands.set(match[2] ?? 'global', commands);
      return send(200, commands);
    }
    if (path === '/users/@me/channels' && method === 'POST') {
      return send(200, {
        id: `dm-${String(body.recipient_id)}`,
        type: 1,
        recipients: [{ id: body.recipient_id }],
      });
    }
    match = /^\/channels\/([^/]+)\/messages\/(\d+)\/threads$/.exec(path);
    if (match && method === 'POST') {
      const [, channel, messageId] = match as unknown as [string, string, string];
      if (this.#noThreads.has(channel))
        return send(400, { code: 50024, message: 'Cannot execute action on this channel type' });
      if (this.#threads.has(messageId))
        return send(400, { code: 160004, message: 'A thread has already been created for this message' });
      this.#threads.set(messageId, messageId);
      return send(201, { id: messageId, type: 11, parent_id: channel, name: body.name });
    }
    match = /^\/channels\/([^/]+)\/messages(?:\/(\d+))?$/.exec(path);
    if (match) {
      const [, channel, messageId] = match as unknown as [string, string, string | undefined];
      const limited = this.#meter(`${method}:${channel}`);
      if (limited.retryAfter !== null) {
        return send(
          429,
          { message: 'You are being rate limited.', retry_after: limited.retryAfter, global: false },
          {
            ...limited.headers,
            // Seconds, as Discord sends them; fractional so a test's short windows stay short.
            'retry-after': limited.retryAfter.toFixed(3),
            'x-ratelimit-scope': 'user',
          },
        );
      }
      const refusal = validateMessage(body);
      if (refusal) return send(400, refusal, limited.headers);
      if (method === 'POST' && !messageId) {
        const message = this.#store(channel, body, 0);
        return send(200, messageJson(message, this.botId), limited.headers);
      }
      if (method === 'PATCH' && messageId) {
        const message = this.#messages.get(channel)?.find((m) => m.id === messageId);
        if (!message) return send(404, { code: 10008, message: 'Unknown Message' }, limited.headers);
        this.#edit(message, body);
        return send(200, messageJson(message, this.botId), limited.headers);
      }
    }
    send(404, { code: 0, message: `404: Not Found (${method} ${path})` });
  }

  #callback(
    id: string,
    token: string,
    body: Json,
    send: Send,
    refuse: (refusal: Refusal) => undefined,
  ): undefined {
    const record = this.#interactions.get(id);
    if (!record || record.token !== token) return send(404, { code: 10062, message: 'Unknown interaction' });
    if (record.callbacks.length > 0)
      return send(400, { code: 40060, message: 'Interaction has already been acknowledged.' });
    const type = body.type as number;
    const data = (body.data as Json | undefined) ?? {};
    if (type === 9) {
      const refusal = validateModal(data);
      if (refusal) return refuse(refusal);
      record.modal = data;
    } else if (type === 4 || type === 5) {
      if (type === 4) {
        const refusal = validateMessage(data);
        if (refusal) return refuse(refusal);
      }
      record.original = this.#loose(
        String(record.payload.channel_id),
        type === 4 ? data : { content: '', flags: data.flags },
      );
    } else if (type === 6 || type === 7) {
      const source = record.payload.message as Json | undefined;
      record.original = source ? (this.#find(String(source.id)) ?? this.#ephemeral(String(source.id))) : null;
      if (type === 7 && record.original) this.#edit(record.original, data);
    } else if (type === 8) {
      const choices = (data.choices as Json[] | undefined) ?? [];
      if (choices.length > 25)
        return refuse({
          code: 50035,
          message: 'Invalid Form Body',
          errors: { choices: 'Must be 25 or fewer in length.' },
        });
      record.choices = choices;
    } else {
      return send(400, {
        code: 50035,
        message: 'Invalid Form Body',
        errors: { type: 'unknown callback type' },
      });
    }
    record.callbacks.push(body);
    send(204, null);
    for (const resolve of this.#callbackWaiters.get(id) ?? []) resolve();
    this.#callbackWaiters.delete(id);
    return undefined;
  }

  #webhook(
    method: string,
    token: string,
    which: string | null,
    body: Json,
    send: Send,
    refuse: (refusal: Refusal) => undefined,
  ): undefined {
    const record = this.#byToken.get(token);
    if (!record) return send(404, { code: 10015, message: 'Unknown Webhook' });
    if (record.callbacks.length === 0) return send(404, { code: 10015, message: 'Unknown Webhook' });
    const refusal = method === 'DELETE' ? null : validateMessage(body);
    if (refusal) return refuse(refusal);
    if (method === 'POST' && which === null) {
      const message = this.#loose(String(record.payload.channel_id), body);
      record.followups.push(message);
      if (!(message.flags & EPHEMERAL)) this.#append(message);
      return send(200, messageJson(message, this.botId));
    }
    const target =
      which === '@original' ? record.original : (record.followups.find((m) => m.id === which) ?? null);
    if (!target) return send(404, { code: 10008, message: 'Unknown Message' });
    if (method === 'PATCH') {
      this.#edit(target, body);
      return send(200, messageJson(target, this.botId));
    }
    if (method === 'DELETE') {
      target.content = '';
      target.components = [];
      return send(204, null);
    }
    return send(405, { code: 0, message: '405: Method Not Allowed' });
  }

  /** A message bucket per route and channel, reset every window, reported in X-RateLimit-* headers. */
  #meter(key: string): { retryAfter: number | null; headers: Record<string, string> } {
    const now = Date.now();
    let bucket = this.#buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = {
        remaining: this.#bucket.limit - (this.#bucket.sharedWith ?? 0),
        resetAt: now + this.#bucket.windowMs,
      };
      this.#buckets.set(key, bucket);
    }
    const resetAfter = Math.max(0, bucket.resetAt - now) / 1000;
    const headers = (remaining: number) => ({
      'x-ratelimit-limit': String(this.#bucket.limit),
      'x-ratelimit-remaining': String(remaining + (this.#bucket.sharedWith ?? 0)),
      'x-ratelimit-reset': String(bucket.resetAt / 1000),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': createBucketHash(key),
    });
    if (bucket.remaining <= 0) return { retryAfter: Math.max(resetAfter, 0.001), headers: headers(0) };
    bucket.remaining -= 1;
    return { retryAfter: null, headers: headers(bucket.remaining) };
  }

  #store(channelId: string, body: Json, flags: number): FakeMessage {
    const message = this.#loose(channelId, { ...body, flags });
    this.#append(message);
    return message;
  }

  #append(message: FakeMessage): void {
    this.#messages.set(message.channel_id, [...(this.#messages.get(message.channel_id) ?? []), message]);
  }

  /** A message that is not (yet) in a channel: an interaction's reply or follow-up. */
  #loose(channelId: string, body: Json): FakeMessage {
    const message: FakeMessage = {
      id: this.#snowflake(),
      channel_id: channelId,
      content: '',
      components: [],
      allowed_mentions: undefined,
      flags: Number(body.flags ?? 0),
      pings: { everyone: false, users: [], roles: [] },
      edits: 0,
    };
    this.#apply(message, body);
    return message;
  }

  #edit(message: FakeMessage, body: Json): void {
    this.#apply(message, body);
    message.edits += 1;
  }

  #apply(message: FakeMessage, body: Json): void {
    if (typeof body.content === 'string') message.content = body.content;
    if (Array.isArray(body.components)) message.components = body.components as Json[];
    if (body.allowed_mentions !== undefined) message.allowed_mentions = body.allowed_mentions as Json;
    message.pings = pingsOf(message.content, message.allowed_mentions);
  }

  #find(id: string): FakeMessage | null {
    for (const messages of this.#messages.values()) {
      const found = messages.find((message) => message.id === id);
      if (found) return found;
    }
    return null;
  }

  #ephemeral(id: string): FakeMessage | null {
    return this.ephemerals().find((message) => message.id === id) ?? null;
  }

  #snowflake(): string {
    this.#snowflakes += 1n;
    return String(((BigInt(Date.now()) - EPOCH) << 22n) | (this.#snowflakes & 0x3fffffn));
  }

  // ── gateway ───────────────────────────────────────────────────────────────────────────────────

  #onSocket(ws: WebSocket): void {
    this.#socket = ws;
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { op: number; d: Json | number | null };
      switch (frame.op) {
        case 1:
          ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2:
          this.identifies.push(frame.d as Json);
          this.#sessionId = randomBytes(8).toString('hex');
          this.#dispatch('READY', {
            v: 10,
            user: { ...userJson({ id: this.botId, username: 'Shipcheck' }), bot: true },
            guilds: [],
            session_id: this.#sessionId,
            resume_gateway_url: `ws://127.0.0.1:${this.port}/gateway`,
            shard: [0, 1],
            application: { id: this.applicationId, flags: 0 },
          });
          this.#ready();
          break;
        case 6: {
          const resume = frame.d as { session_id: string; seq: number };
          if (resume.session_id !== this.#sessionId) {
            ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
            break;
          }
          this.resumes += 1;
          // Replay what the bot missed while it was away, then say it is resumed.
          for (const event of this.#events.filter((event) => event.s > resume.seq)) ws.send(event.frame);
          this.#dispatch('RESUMED', {});
          this.#ready();
          break;
        }
      }
    });
    ws.on('close', () => {
      if (this.#socket === ws) this.#socket = null;
    });
  }

  #ready(): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Sends a dispatch now, or keeps it for the bot's resume when it is disconnected. */
  #dispatch(type: string, data: Json): void {
    this.#sequence += 1;
    const frame = JSON.stringify({ op: 0, t: type, s: this.#sequence, d: data });
    this.#events.push({ s: this.#sequence, frame });
    if (this.#events.length > 1000) this.#events.shift();
    if (this.#socket && this.#socket.readyState === 1) this.#socket.send(frame);
  }
}

type Send = (status: number, json: unknown, headers?: Record<string, string>) => undefined;

async function readJson(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if ((request.headers['content-type'] ?? '').includes('multipart/form-data')) {
    const json = /name="payload_json"\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--/.exec(text)?.[1];
    return json ? (JSON.parse(json) as Json) : {};
  }
  return JSON.parse(text) as Json;
}

function userJson(user: FakeUser): Json {
  return { id: user.id, username: user.username, discriminator: '0', global_name: null, avatar: null };
}

export function messageJson(message: FakeMessage, botId: string): Json {
  return {
    id: message.id,
    channel_id: message.channel_id,
    type: 0,
    content: message.content,
    components: message.components,
    author: {
      id: botId,
      username: 'Shipcheck',
      discriminator: '0',
      global_name: null,
      avatar: null,
      bot: true,
    },
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: message.flags,
    embeds: [],
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: message.pings.everyone,
    pinned: false,
    tts: false,
  };
}

/**
 * Whom Discord would notify: without allowed_mentions it parses everything the content names; with it,
 * only what `parse` lists plus the users and roles named explicitly.
 */
function pingsOf(content: string, allowed: Json | undefined): FakeMessage['pings'] {
  const parse = allowed ? ((allowed.parse as string[] | undefined) ?? []) : ['everyone', 'users', 'roles'];
  const users = [...content.matchAll(/<@!?(\d+)>/g)].map((match) => match[1] as string);
  const roles = [...content.matchAll(/<@&(\d+)>/g)].map((match) => match[1] as string);
  const allowedUsers = new Set((allowed?.users as string[] | undefined) ?? []);
  const allowedRoles = new Set((allowed?.roles as string[] | undefined) ?? []);
  return {
    everyone: parse.includes('everyone') && /@(everyone|here)/.test(content),
    users: users.filter((id) => parse.includes('users') || allowedUsers.has(id)),
    roles: roles.filter((id) => parse.includes('roles') || allowedRoles.has(id)),
  };
}

function createBucketHash(key: string): string {
  return Buffer.from(key.replace(/\d+/g, 'x')).toString('hex').slice(0, 16);
}

/** Every component on a message, rows flattened. */
export function componentsOf(message: FakeMessage): Json[] {
  return message.components.flatMap((row) => (row.components as Json[] | undefined) ?? []);
}

export function labelsOf(message: FakeMessage): string[] {
  return componentsOf(message).map((component) =>
    String(component.label ?? component.placeholder ?? component.custom_id),
  );
}

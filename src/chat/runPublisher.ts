import { createHash } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { RunState } from '../runs/types.js';
import { type RunView, viewRun } from '../runs/view.js';
import { type Clock, systemClock } from './clock.js';
import { InProcessCoordinator, type MessageCoordinator } from './coordination.js';
import * as messageStore from './messageStore.js';
import { Outbox, SUPERSEDED } from './outbox.js';

/**
 * Keeps a run's chat messages equal to the run, on any platform: posts the parts that have no message
 * yet (the summary first, the rest in its thread), and edits the ones whose rendering changed, through
 * the outbox so bursts are coalesced. Where each part is shown lives in Postgres (chat_messages), so a
 * restart edits the same messages.
 *
 * Correctness under concurrency rests on one rule: a rendering carries its run revision, and nothing of
 * an older revision replaces something of a newer one (here, in the outbox, and in chat_messages).
 *
 * With several replicas (a shared coordinator), what this process remembers about the messages may be
 * stale, so chat_messages decides: missing parts are posted under the run's posting lease after
 * re-reading it, and each edit is made under the message's edit lease after checking what it shows.
 */

export interface RenderedMessage<Message> {
  partId: string;
  page: number;
  message: Message;
}

export interface MessageRef {
  channelId: string;
  messageId: string;
  threadId: string | null;
}

/** What a platform adapter provides: how a run looks there, and how to post and edit one message. */
export interface MessagePort<Message> {
  platform: string;
  render(view: RunView): RenderedMessage<Message>[];
  /** Posts `message` in `channelId`; a part other than the summary goes in the summary's thread. */
  post(channelId: string, message: Message, summary: MessageRef | null): Promise<MessageRef>;
  update(ref: MessageRef, message: Message): Promise<void>;
}

export interface PublishResult {
  /** Messages posted by this call (a new run, or parts missing after a failure). */
  posted: number;
  /** Why posting stopped, e.g. the app is not in the channel; null when every part has its message. */
  problem: unknown;
}

export interface RunPublisherOptions<Message> {
  db: Database;
  port: MessagePort<Message>;
  logger: Logger;
  clock?: Clock;
  /** Minimum time from the end of one edit of a message to the start of the next. */
  intervalMs?: number;
  /** The wall-clock time a rendering is made at (phases past their deadline show as overdue). */
  now?: () => Date;
  /** Other replicas posting and editing the same messages; by default this process is alone. */
  coordinator?: MessageCoordinator;
}

interface Rendered<Message> {
  revision: number;
  parts: { key: string; part: RenderedMessage<Message>; hash: string }[];
}

interface Publication<Message> {
  runId: string;
  latest: RunState;
  rendered: Rendered<Message> | null;
  messages: Map<string, messageStore.StoredMessage> | null;
  loading: Promise<void> | null;
  posting: Promise<PublishResult> | null;
  /** Per part: the newest rendering handed to the outbox (or posted), by revision. */
  offered: Map<string, { revision: number; hash: string }>;
  /** Every part has its message: a change only needs rendering and offering, which can wait a moment. */
  posted: boolean;
  /** When this run was last rendered for the outbox, on the publisher's clock. */
  offeredAt: number;
  /** A render for the outbox waiting for its turn; it renders whatever `latest` is by then. */
  pendingOffer: Promise<void> | null;
}

interface Edit<Message> {
  runId: string;
  partId: string;
  page: number;
  ref: MessageRef;
  message: Message;
  hash: string;
}

const SUMMARY_KEY = 'summary#0';
/** As the outbox's own default interval between two edits of one message. */
const DEFAULT_RENDER_GAP_MS = 1_000;
/** Posting a run is one message per part; this only bounds the loop if something keeps failing silently. */
const MAX_POSTS_PER_CALL = 10_000;

export class RunPublisher<Message> {
  readonly #db: Database;
  readonly #port: MessagePort<Message>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #now: () => Date;
  readonly #coordinator: MessageCoordinator;
  readonly #outbox: Outbox<Edit<Message>>;
  readonly #runs = new Map<string, Publication<Message>>();
  readonly #cleanups = new Set<Promise<void>>();
  readonly #renderGapMs: number;
  /**
   * The revision last sent to each message (`runId/part key`) by either path, the edit queue or a click's
   * own answer. Both send under the message's lock, so what a message shows never goes backwards.
   */
  readonly #lastSent = new Map<string, number>();
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(options: RunPublisherOptions<Message>) {
    this.#db = options.db;
    this.#port = options.port;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => new Date());
    const coordinator = options.coordinator ?? new InProcessCoordinator();
    this.#coordinator = coordinator;
    this.#renderGapMs = options.intervalMs ?? DEFAULT_RENDER_GAP_MS;
    const platform = this.#port.platform;
    this.#outbox = new Outbox<Edit<Message>>({
      clock: this.#clock,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      send: (_key, edit, revision) => this.#sendEdit(edit, revision),
      ...(coordinator.shared
        ? { turn: (key: string, gapMs: number) => coordinator.editTurn(`${platform}/${key}`, gapMs) }
        : {}),
      onGiveUp: (key, error) =>
        this.#logger.error({ err: error, message: key }, 'gave up updating a message'),
    });
  }

  get platform(): string {
    return this.#port.platform;
  }

  get stats() {
    return this.#outbox.stats;
  }

  /** Brings the run's messages up to `run`. Resolves once missing parts are posted; edits follow in the outbox. */
  async publish(run: RunState): Promise<PublishResult> {
    const publication = this.#publication(run);
    if (run.revision >= publication.latest.revision) publication.latest = run;
    await this.#load(publication);
    if (publication.posted && publication.latest.status === 'active') {
      this.#offerSoon(publication);
      return noPosts();
    }
    this.#offerChanges(publication);
    const result = this.#hasMissing(publication) ? await this.#ensurePosted(publication) : noPosts();
    publication.posted = result.problem === null && !this.#hasMissing(publication);
    if (publication.latest.status !== 'active') this.#forgetWhenSent(publication);
    return result;
  }

  /**
   * Renders the run for the outbox now, or once `renderGapMs` has passed since the last time. A message
   * is edited at most once per interval anyway, so rendering every click of a burst (the whole run, each
   * part hashed) only made garbage: the renders in between were replaced before they could go out.
   */
  #offerSoon(publication: Publication<Message>): void {
    if (publication.pendingOffer) return;
    const wait = publication.offeredAt + this.#renderGapMs - this.#clock.now();
    if (wait <= 0) {
      this.#offerChanges(publication);
      return;
    }
    publication.pendingOffer = this.#clock.sleep(wait).then(() => {
      publication.pendingOffer = null;
      this.#offerChanges(publication);
    });
  }

  /**
   * Shows the run at once in the one message someone just clicked, through the platform's own answer
   * to that click (Slack's response_url, not subject to chat.update's limit): the person who clicked
   * sees the click within a second even while edits queue. The rest of the run follows in the outbox,
   * which now knows this message already shows this revision. False when the message is not one of
   * this run's, or a newer rendering already went out.
   */
  async showNow(
    run: RunState,
    messageId: string,
    send: (message: Message) => Promise<void>,
  ): Promise<boolean> {
    const publication = this.#publication(run);
    if (run.revision >= publication.latest.revision) publication.latest = run;
    await this.#load(publication);
    const stored = [...(publication.messages?.values() ?? [])].find(
      (message) => message.messageId === messageId,
    );
    if (!stored) return false;
    const key = partKey(stored.partId, stored.page);
    const sentKey = `${run.id}/${key}`;
    return this.#exclusive(sentKey, async () => {
      // The newest state known by now, which may be past the click's own: showing less would go backwards.
      const newest = publication.latest;
      if ((this.#lastSent.get(sentKey) ?? -1) >= newest.revision) return false;
      // Only the clicked part is rendered: a burst of clicks must not render the whole run each time.
      const view = viewRun(newest, this.#now());
      const only = { ...view, sections: view.sections.filter((section) => section.partId === stored.partId) };
      const part = this.#port
        .render(only)
        .find((candidate) => candidate.partId === stored.partId && candidate.page === stored.page);
      if (!part) return false;
      const hash = hashOf(part.message);
      const message = {
        runId: run.id,
        platform: this.#port.platform,
        partId: stored.partId,
        page: stored.page,
      };
      if (this.#coordinator.shared) {
        const shown = await messageStore.selectShown(this.#db, message);
        if (shown && shown.revision >= newest.revision) return false;
      }
      await send(part.message);
      this.#lastSent.set(sentKey, newest.revision);
      const offered = publication.offered.get(key);
      if (!offered || offered.revision <= newest.revision)
        publication.offered.set(key, { revision: newest.revision, hash });
      // With replicas the row must say what the message shows; alone, #lastSent does.
      if (this.#coordinator.shared)
        await messageStore.recordRendered(this.#db, message, hash, newest.revision, this.#now());
      return true;
    });
  }

  /**
   * Posts a one-off message beside the run (its report when it ends) in the summary's thread. Null when the
   * run has no summary message to thread it under.
   */
  async postInThread(run: RunState, message: Message): Promise<MessageRef | null> {
    const publication = this.#publication(run);
    await this.#load(publication);
    const summary = publication.messages?.get(SUMMARY_KEY);
    if (!summary) return null;
    return this.#port.post(summary.channelId, message, summary);
  }

  /** Resolves once every post and edit asked for so far has been made (or given up). */
  async idle(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      const posting = [...this.#runs.values()].flatMap((publication) =>
        publication.posting ? [publication.posting] : [],
      );
      await Promise.allSettled(posting);
      await Promise.allSettled([...this.#runs.values()].map((publication) => publication.pendingOffer));
      await this.#outbox.idle();
      await Promise.allSettled([...this.#cleanups]);
      const busy = [...this.#runs.values()].some(
        (publication) => publication.posting || publication.pendingOffer,
      );
      if (!busy && this.#cleanups.size === 0) return;
    }
  }

  #publication(run: RunState): Publication<Message> {
    let publication = this.#runs.get(run.id);
    if (!publication) {
      publication = {
        runId: run.id,
        latest: run,
        rendered: null,
        messages: null,
        loading: null,
        posting: null,
        offered: new Map(),
        posted: false,
        offeredAt: Number.NEGATIVE_INFINITY,
        pendingOffer: null,
      };
      this.#runs.set(run.id, publication);
    }
    return publication;
  }

  async #load(publication: Publication<Message>): Promise<void> {
    if (publication.messages) return;
    publication.loading ??= this.#read(publication).finally(() => {
      publication.loading = null;
    });
    await publication.loading;
  }

  /** Where each part is shown, from chat_messages; what was offered already stays unless the row is newer. */
  async #read(publication: Publication<Message>): Promise<void> {
    const rows = await messageStore.selectRunMessages(this.#db, publication.runId, this.#port.platform);
    const messages = new Map<string, messageStore.StoredMessage>();
    for (const row of rows) {
      const key = partKey(row.partId, row.page);
      messages.set(key, row);
      const offered = publication.offered.get(key);
      if (!offered || offered.revision < row.revision) {
        publication.offered.set(key, { revision: row.revision, hash: row.renderedHash });
      }
    }
    publication.messages = messages;
  }

  #render(publication: Publication<Message>): Rendered<Message> {
    const revision = publication.latest.revision;
    if (publication.rendered?.revision === revision) return publication.rendered;
    const parts = this.#port.render(viewRun(publication.latest, this.#now())).map((part) => ({
      key: partKey(part.partId, part.page),
      part,
      hash: hashOf(part.message),
    }));
    publication.rendered = { revision, parts };
    return publication.rendered;
  }

  #hasMissing(publication: Publication<Message>): boolean {
    const messages = publication.messages;
    return this.#render(publication).parts.some((part) => !messages?.has(part.key));
  }

  /**
   * Hands the outbox every posted part whose newest rendering differs from the newest one it was given.
   * Shared with other replicas, "differs" is not known here (another one may have shown something else
   * since), so every part of a newer revision goes; the edit finds out under its lease whether the
   * message needs it.
   */
  #offerChanges(publication: Publication<Message>): void {
    publication.offeredAt = this.#clock.now();
    const rendered = this.#render(publication);
    for (const { key, part, hash } of rendered.parts) {
      const stored = publication.messages?.get(key);
      if (!stored) continue;
      const offered = publication.offered.get(key);
      const known = this.#coordinator.shared
        ? offered && offered.revision >= rendered.revision
        : offered && (offered.hash === hash || offered.revision > rendered.revision);
      if (known) continue;
      publication.offered.set(key, { revision: rendered.revision, hash });
      this.#outbox.offer(`${publication.runId}/${key}`, rendered.revision, {
        runId: publication.runId,
        partId: part.partId,
        page: part.page,
        ref: stored,
        message: part.message,
        hash,
      });
    }
  }

  #ensurePosted(publication: Publication<Message>): Promise<PublishResult> {
    publication.posting ??= this.#coordinator
      .whilePosting(publication.runId, () => this.#postMissing(publication))
      .finally(() => {
        publication.posting = null;
      });
    return publication.posting;
  }

  /** One message at a time, in order, each rendered from the newest state known when it goes out. */
  async #postMissing(publication: Publication<Message>): Promise<PublishResult> {
    if (this.#coordinator.shared) {
      // Another replica may have posted some parts while this one waited for the lease: those are edited.
      await this.#read(publication);
      this.#offerChanges(publication);
    }
    const messages = publication.messages as Map<string, messageStore.StoredMessage>;
    let posted = 0;
    for (let round = 0; round < MAX_POSTS_PER_CALL; round++) {
      const rendered = this.#render(publication);
      const next = rendered.parts.find((part) => !messages.has(part.key));
      if (!next) break;
      const summary = next.key === SUMMARY_KEY ? null : (messages.get(SUMMARY_KEY) ?? null);
      let ref: MessageRef;
      try {
        ref = await this.#port.post(publication.latest.channelId, next.part.message, summary);
      } catch (error) {
        return { posted, problem: error };
      }
      const row: messageStore.StoredMessage = {
        runId: publication.runId,
        platform: this.#port.platform,
        partId: next.part.partId,
        page: next.part.page,
        channelId: ref.channelId,
        messageId: ref.messageId,
        threadId: ref.threadId,
        renderedHash: next.hash,
        revision: rendered.revision,
      };
      const inserted = await messageStore.insertMessage(this.#db, row, this.#now());
      if (!inserted) {
        // Another process posted this part first: theirs is the one that gets updated.
        this.#logger.warn(
          { run: publication.runId, part: next.key },
          'part was posted twice; keeping the first',
        );
        await this.#read(publication);
        this.#offerChanges(publication);
        return { posted, problem: null };
      }
      messages.set(next.key, row);
      publication.offered.set(next.key, { revision: rendered.revision, hash: next.hash });
      posted += 1;
      // Changes that arrived while this was being posted go out as edits.
      this.#offerChanges(publication);
    }
    return { posted, problem: null };
  }

  /** Runs in the message's edit turn: with other replicas, no one else edits it between the check and the record. */
  #sendEdit(edit: Edit<Message>, revision: number): Promise<typeof SUPERSEDED | null> {
    const sentKey = `${edit.runId}/${partKey(edit.partId, edit.page)}`;
    return this.#exclusive(sentKey, () => this.#sendEditNow(edit, revision, sentKey));
  }

  async #sendEditNow(
    edit: Edit<Message>,
    revision: number,
    sentKey: string,
  ): Promise<typeof SUPERSEDED | null> {
    const part = { runId: edit.runId, platform: this.#port.platform, partId: edit.partId, page: edit.page };
    if ((this.#lastSent.get(sentKey) ?? -1) >= revision) return SUPERSEDED;
    if (this.#coordinator.shared) {
      const shown = await messageStore.selectShown(this.#db, part);
      if (shown && shown.revision >= revision) return SUPERSEDED;
      if (shown?.renderedHash === edit.hash) {
        // Shown already; the newer revision is recorded so that an older edit still on its way is dropped.
        await messageStore.recordRendered(this.#db, part, edit.hash, revision, this.#now());
        return SUPERSEDED;
      }
    }
    await this.#port.update(edit.ref, edit.message);
    this.#lastSent.set(sentKey, revision);
    await messageStore.recordRendered(this.#db, part, edit.hash, revision, this.#now());
    return null;
  }

  /** Runs `work` after whatever runs under `key` now: one send per message at a time, in order. */
  #exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    this.#locks.set(key, settled);
    void settled.then(() => {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    });
    return run;
  }

  /** A finished run cannot change again: once its last edits are out, nothing about it needs to stay in memory. */
  #forgetWhenSent(publication: Publication<Message>): void {
    const cleanup = (async () => {
      if (publication.posting) await publication.posting.catch(() => {});
      if (publication.pendingOffer) await publication.pendingOffer;
      await this.#outbox.idle();
      if (
        this.#runs.get(publication.runId) === publication &&
        !publication.posting &&
        !publication.pendingOffer
      ) {
        this.#runs.delete(publication.runId);
        this.#outbox.forget(`${publication.runId}/`);
        for (const key of this.#lastSent.keys())
          if (key.startsWith(`${publication.runId}/`)) this.#lastSent.delete(key);
      }
    })();
    this.#cleanups.add(cleanup);
    void cleanup.finally(() => this.#cleanups.delete(cleanup));
  }
}

function partKey(partId: string, page: number): string {
  return `${partId}#${page}`;
}

function hashOf(message: unknown): string {
  return createHash('sha256').update(JSON.stringify(message)).digest('base64url').slice(0, 22);
}

function noPosts(): PublishResult {
  return { posted: 0, problem: null };
}

import { type Clock, systemClock } from './clock.js';
import type { EditTurn } from './coordination.js';
import { RateLimitedError } from './rateLimiter.js';

/**
 * Edits of messages people already see, coalesced per message. A burst of changes to one message becomes
 * a few edits: only the newest payload is kept, at most one edit per message is in flight, and an edit
 * of one message starts no sooner than `intervalMs` after the previous one finished. Counting from the
 * end (not the start) keeps the gap at the platform too, even when a send waited on the rate limiter or
 * the network. Platform-neutral: `send` does the platform call.
 *
 * "Newest" is by `version` (a run's revision), not by arrival: two commands finishing in the opposite
 * order of their commits cannot leave the older rendering on screen.
 *
 * With other processes editing the same messages, `turn` extends "one edit in flight" and the interval
 * to all of them: the payload to send is picked only once the turn is granted, so what arrived while
 * another process was editing is coalesced too.
 */
export interface OutboxOptions<Payload> {
  /**
   * Makes the edit. Resolving with `SUPERSEDED` says nothing needed sending (the message already shows
   * this version or a newer one), so the interval does not restart; anything else is an edit made.
   */
  send: (key: string, payload: Payload, version: number) => Promise<unknown>;
  /** Waits until no other process edits message `key` and `gapMs` has passed since its last edit anywhere. */
  turn?: (key: string, gapMs: number) => Promise<EditTurn>;
  /** Minimum time from the end of one edit of a message to the start of the next. */
  intervalMs?: number;
  /** Tries of one payload that fails with an error other than a rate limit, before it is given up. */
  maxAttempts?: number;
  clock?: Clock;
  /** A payload was given up: the message may show an older state until the next change. */
  onGiveUp?: (key: string, error: unknown) => void;
}

/** What `send` resolves with when the message needed no edit. */
export const SUPERSEDED = 'superseded';

interface Pending<Payload> {
  version: number;
  payload: Payload;
}

interface Entry<Payload> {
  /** The highest version ever offered: anything older is stale. */
  version: number;
  pending: Pending<Payload> | null;
  draining: boolean;
  lastEndedAt: number;
  notBefore: number;
  failures: number;
}

export interface OutboxStats {
  sent: number;
  /** Payloads replaced by a newer one before they went out. */
  coalesced: number;
  /** Payloads not sent because the message already showed them or something newer (another process's edit). */
  superseded: number;
  rateLimited: number;
  givenUp: number;
}

const DEFAULT_INTERVAL_MS = 1_000;
const ALONE: EditTurn = { end: async () => {} };
/** One message never needs more rounds than this between two idle moments; a bound against a runaway loop. */
const MAX_ROUNDS = 100_000;

export class Outbox<Payload> {
  readonly #send: OutboxOptions<Payload>['send'];
  readonly #turn: ((key: string, gapMs: number) => Promise<EditTurn>) | null;
  readonly #intervalMs: number;
  readonly #maxAttempts: number;
  readonly #clock: Clock;
  readonly #onGiveUp: (key: string, error: unknown) => void;
  readonly #entries = new Map<string, Entry<Payload>>();
  #draining = 0;
  #idleWaiters: (() => void)[] = [];
  readonly stats: OutboxStats = { sent: 0, coalesced: 0, superseded: 0, rateLimited: 0, givenUp: 0 };

  constructor(options: OutboxOptions<Payload>) {
    this.#send = options.send;
    this.#turn = options.turn ?? null;
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#clock = options.clock ?? systemClock;
    this.#onGiveUp = options.onGiveUp ?? (() => {});
  }

  /** Queues `payload` as what message `key` should show. False when a newer version was already offered. */
  offer(key: string, version: number, payload: Payload): boolean {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = {
        version,
        pending: null,
        draining: false,
        lastEndedAt: Number.NEGATIVE_INFINITY,
        notBefore: Number.NEGATIVE_INFINITY,
        failures: 0,
      };
      this.#entries.set(key, entry);
    }
    if (version < entry.version) return false;
    entry.version = version;
    if (entry.pending) this.stats.coalesced += 1;
    entry.pending = { version, payload };
    if (!entry.draining) this.#startDrain(key, entry);
    return true;
  }

  /** Resolves once nothing is waiting or in flight. */
  idle(): Promise<void> {
    if (this.#draining === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops what is known about messages whose key starts with `prefix` (a finished run), once they are idle. */
  forget(prefix: string): void {
    for (const [key, entry] of this.#entries) {
      if (key.startsWith(prefix) && !entry.draining && !entry.pending) this.#entries.delete(key);
    }
  }

  #startDrain(key: string, entry: Entry<Payload>): void {
    entry.draining = true;
    this.#draining += 1;
    void this.#drain(key, entry).finally(() => {
      entry.draining = false;
      this.#draining -= 1;
      if (this.#draining === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    });
  }

  async #drain(key: string, entry: Entry<Payload>): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS && entry.pending; round++) {
      const startAt = Math.max(entry.lastEndedAt + this.#intervalMs, entry.notBefore);
      const wait = startAt - this.#clock.now();
      if (wait > 0) {
        // While this waits, newer payloads replace `pending`: that is the coalescing.
        await this.#clock.sleep(wait);
        continue;
      }
      // A coordinator that cannot be asked must not stop the edit: it goes out as if this process were alone.
      const turn = this.#turn ? await this.#turn(key, this.#intervalMs).catch(() => ALONE) : ALONE;
      // Picked now, not before the turn: whatever arrived while waiting for it is coalesced.
      const item = entry.pending;
      entry.pending = null;
      if (!item) {
        await turn.end(false).catch(() => {});
        continue;
      }
      let edited = true;
      try {
        if ((await this.#send(key, item.payload, item.version)) === SUPERSEDED) {
          edited = false;
          this.stats.superseded += 1;
        } else {
          this.stats.sent += 1;
        }
        entry.failures = 0;
      } catch (error) {
        this.#retryOrGiveUp(key, entry, item, error);
      } finally {
        if (edited) entry.lastEndedAt = this.#clock.now();
        if (turn !== ALONE) await turn.end(edited).catch(() => {});
      }
    }
  }

  #retryOrGiveUp(key: string, entry: Entry<Payload>, item: Pending<Payload>, error: unknown): void {
    const now = this.#clock.now();
    if (error instanceof RateLimitedError) {
      // Not a failure of the payload: wait as told, then send the newest one.
      this.stats.rateLimited += 1;
      entry.notBefore = now + error.retryAfterMs;
      if (!entry.pending) entry.pending = item;
      return;
    }
    entry.failures += 1;
    if (entry.failures < this.#maxAttempts) {
      entry.notBefore = now + this.#intervalMs * 2 ** entry.failures;
      if (!entry.pending) entry.pending = item;
      return;
    }
    entry.failures = 0;
    this.stats.givenUp += 1;
    this.#onGiveUp(key, error);
  }
}

import type { webApi } from '@slack/bolt';
import type { Metrics } from '../../metrics.js';
import { RateLimitedError, type RateLimiter } from '../rateLimiter.js';
import type { SlackMessage, SlackModal } from './blocks.js';

/**
 * The Web API calls Shipcheck makes, each paced by the rate limiter. The WebClient is built with
 * `rejectRateLimitedCalls`, so a 429 comes back here instead of pausing every call of the client:
 * the limiter then holds only that method for the Retry-After Slack gave.
 */

/** Slack answered `ok: false`; `error` is Slack's code, e.g. `not_in_channel`. */
export class SlackApiError extends Error {
  readonly method: string;
  readonly error: string;
  constructor(method: string, error: string) {
    super(`${method} failed: ${error}`);
    this.name = 'SlackApiError';
    this.method = method;
    this.error = error;
  }
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

/** How many times a call refused for its rate is tried in all, before the refusal is the caller's. */
const RATE_LIMITED_TRIES = 3;

export class SlackApi {
  readonly #client: webApi.WebClient;
  readonly #limiter: RateLimiter;
  readonly #metrics: Metrics | undefined;

  constructor(client: webApi.WebClient, limiter: RateLimiter, metrics?: Metrics) {
    this.#client = client;
    this.#limiter = limiter;
    this.#metrics = metrics;
  }

  async postMessage(channel: string, message: SlackMessage, threadTs?: string): Promise<PostedMessage> {
    const result = await this.#call(
      'chat.postMessage',
      {
        channel,
        text: message.text,
        blocks: message.blocks,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      },
      channel,
    );
    const posted = result as { channel?: string; ts?: string };
    if (!posted.ts) throw new SlackApiError('chat.postMessage', 'no_ts_in_response');
    return { channel: posted.channel ?? channel, ts: posted.ts };
  }

  /** One try: the outbox decides when to try again, with the newest payload. */
  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.#call('chat.update', { channel, ts, text: message.text, blocks: message.blocks }, channel, 1);
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.#call(
      'chat.postEphemeral',
      { channel, user, text: message.text, blocks: message.blocks },
      channel,
    );
  }

  /** One try: the trigger id it needs lives three seconds and is good for one use. */
  async openView(triggerId: string, view: SlackModal): Promise<void> {
    await this.#call('views.open', { trigger_id: triggerId, view }, undefined, 1);
  }

  async #call(
    method: string,
    args: Record<string, unknown>,
    scope: string | undefined,
    tries = RATE_LIMITED_TRIES,
  ): Promise<webApi.WebAPICallResult> {
    for (let attempt = 1; ; attempt++) {
      await this.#limiter.acquire(method, scope);
      try {
        const result = await this.#client.apiCall(method, args);
        this.#count(method, 'ok');
        return result;
      } catch (error) {
        const retryAfterMs = rateLimitedFor(error);
        this.#count(method, retryAfterMs === null ? 'error' : 'rate_limited');
        if (retryAfterMs !== null) {
          this.#limiter.backOff(method, retryAfterMs, scope);
          if (attempt < tries) continue;
          throw new RateLimitedError(method, retryAfterMs);
        }
        const code = platformError(error);
        if (code) throw new SlackApiError(method, code);
        throw error;
      }
    }
  }

  #count(method: string, outcome: 'ok' | 'rate_limited' | 'error'): void {
    this.#metrics?.chatApiCalls.inc({ platform: 'slack', method, outcome });
  }
}

function rateLimitedFor(error: unknown): number | null {
  const coded = error as { code?: unknown; retryAfter?: unknown };
  if (coded?.code !== 'slack_webapi_rate_limited_error') return null;
  const seconds = typeof coded.retryAfter === 'number' ? coded.retryAfter : 1;
  return Math.max(1, seconds) * 1000;
}

function platformError(error: unknown): string | null {
  const coded = error as { code?: unknown; data?: { error?: unknown } };
  if (coded?.code !== 'slack_webapi_platform_error') return null;
  return typeof coded.data?.error === 'string' ? coded.data.error : 'unknown_error';
}

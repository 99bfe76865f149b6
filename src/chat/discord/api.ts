import { DiscordAPIError, type REST, RESTEvents, Routes } from 'discord.js';
import type { Metrics } from '../../metrics.js';
import type { RateLimiter } from '../rateLimiter.js';
import type { DiscordMessage } from './components.js';

/**
 * The REST calls Shipcheck makes with the bot token, each paced by the rate limiter first. Under it,
 * @discordjs/rest keeps a queue per route bucket from the X-RateLimit-* headers Discord returns and
 * waits out a 429's retry_after; every 429 it meets is also handed to the limiter, so Shipcheck's own
 * pacing slows down for that channel rather than feeding the queue.
 */

export interface PostedMessage {
  id: string;
  channelId: string;
}

/** Discord error codes that mean "no thread here", so the sections go under the summary instead. */
const NO_THREADS = new Set([50024, 50001, 50013, 160004]);
/** A thread already exists for that message (a retry after a lost answer): it has the message's id. */
const THREAD_EXISTS = 160004;

export class DiscordApi {
  readonly #rest: REST;
  readonly #limiter: RateLimiter;

  constructor(rest: REST, limiter: RateLimiter, metrics?: Metrics) {
    this.#rest = rest;
    this.#limiter = limiter;
    if (metrics) countCalls(rest, metrics);
    rest.on(RESTEvents.RateLimited, (info) => {
      if (!/^\/channels\/[^/]+\/messages/.test(info.route)) return;
      const method = info.method.toUpperCase() === 'POST' ? 'message.post' : 'message.edit';
      this.#limiter.backOff(method, info.retryAfter, info.majorParameter);
    });
  }

  async postMessage(channelId: string, message: DiscordMessage): Promise<PostedMessage> {
    await this.#limiter.acquire('message.post', channelId);
    const posted = (await this.#rest.post(Routes.channelMessages(channelId), { body: message })) as {
      id: string;
      channel_id?: string;
    };
    return { id: posted.id, channelId: posted.channel_id ?? channelId };
  }

  async editMessage(channelId: string, messageId: string, message: DiscordMessage): Promise<void> {
    await this.#limiter.acquire('message.edit', channelId);
    await this.#rest.patch(Routes.channelMessage(channelId, messageId), { body: message });
  }

  /**
   * Starts a public thread on a message and returns its id (a thread started from a message has the
   * message's id), or null when this channel cannot hold threads (a DM, a thread, no permission).
   */
  async startThread(channelId: string, messageId: string, name: string): Promise<string | null> {
    await this.#limiter.acquire('thread.start', channelId);
    try {
      const thread = (await this.#rest.post(Routes.threads(channelId, messageId), {
        body: { name, auto_archive_duration: 1440 },
      })) as { id: string };
      return thread.id;
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === THREAD_EXISTS) return messageId;
      if (error instanceof DiscordAPIError && NO_THREADS.has(Number(error.code))) return null;
      throw error;
    }
  }

  /** A direct message to one person: their DM channel, then a message in it. */
  async sendDirect(userId: string, message: DiscordMessage): Promise<void> {
    await this.#limiter.acquire('dm.send');
    const channel = (await this.#rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as {
      id: string;
    };
    await this.#rest.post(Routes.channelMessages(channel.id), { body: message });
  }
}

/**
 * Every REST response by route and outcome. @discordjs/rest reports each response it gets, including
 * the 429s it waits out by itself, so these counts include calls Shipcheck never saw fail.
 */
function countCalls(rest: REST, metrics: Metrics): void {
  rest.on(RESTEvents.Response, (request, response) => {
    const outcome = response.status === 429 ? 'rate_limited' : response.status < 400 ? 'ok' : 'error';
    metrics.chatApiCalls.inc({ platform: 'discord', method: `${request.method} ${request.route}`, outcome });
  });
}

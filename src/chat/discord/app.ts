import { once } from 'node:events';
import { Client, DiscordAPIError, Events, GatewayIntentBits } from 'discord.js';
import type { Database } from '../../db/client.js';
import { UserError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { bindToRequest, withRequest } from '../../requestContext.js';
import { Background, settledWithin } from '../background.js';
import type { Clock } from '../clock.js';
import type { MessageCoordinator } from '../coordination.js';
import type { ChatDeps } from '../handle.js';
import { selectThreadParent } from '../messageStore.js';
import { InProcessRateLimiter, type RateLimiter, type RateLimits } from '../rateLimiter.js';
import { RunPublisher } from '../runPublisher.js';
import { DiscordApi } from './api.js';
import { type DiscordMessage, NO_MENTIONS } from './components.js';
import { DISCORD_PLATFORM, onInteraction } from './interactions.js';
import { DISCORD_RATE_LIMITS } from './limits.js';
import { discordMessagePort } from './port.js';
import { RecentIds, WorkLanes } from './workLanes.js';

/**
 * The Discord adapter: a discord.js Client on the gateway (interactions arrive there; no public URL is
 * needed), REST for the run's messages. Only the Guilds intent: Shipcheck reads no message content.
 */

export interface DiscordAdapterOptions {
  deps: ChatDeps;
  db: Database;
  logger: Logger;
  token: string;
  /** Where the REST API lives (`…/api`); Discord's own unless a test points it at a fake. */
  apiUrl: string | null;
  /** Where the calls to the API are paced; shared by replicas through Redis when they run several. */
  rateLimiter?: RateLimiter;
  rateLimits?: RateLimits;
  /** Who posts and edits a run's messages when several replicas could; this process alone by default. */
  coordinator?: MessageCoordinator;
  /** Minimum time between two edits of one message. */
  updateIntervalMs?: number;
  clock?: Clock;
}

export interface DiscordAdapter {
  readonly publisher: RunPublisher<DiscordMessage>;
  readonly api: DiscordApi;
  readonly client: Client;
  /** Logs in: fetches the gateway from REST, connects, and resolves once the client is ready. */
  start(): Promise<void>;
  /** Resolves once every interaction received so far is handled and every message edit has been made. */
  idle(): Promise<void>;
  /** For /health/ready: why Discord cannot reach this process now, or null when it can. */
  connectionProblem(): string | null;
  /** Stops taking interactions, commits the ones deferred, gives their edits up to `graceMs`, disconnects. */
  stop(graceMs?: number): Promise<void>;
}

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const { logger } = options;
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: NO_MENTIONS,
    rest: options.apiUrl ? { api: options.apiUrl } : {},
  });
  const limiter =
    options.rateLimiter ?? new InProcessRateLimiter(options.rateLimits ?? DISCORD_RATE_LIMITS, options.clock);
  const api = new DiscordApi(client.rest, limiter, options.deps.metrics);
  const publisher = new RunPublisher<DiscordMessage>({
    db: options.db,
    port: discordMessagePort(api),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.updateIntervalMs !== undefined ? { intervalMs: options.updateIntervalMs } : {}),
    ...(options.coordinator ? { coordinator: options.coordinator } : {}),
  });
  const lanes = new WorkLanes((error) => logger.error({ err: error }, 'discord interaction failed'));
  const recent = new RecentIds();
  const inFlight = new Set<Promise<void>>();
  const background = new Background((error) => logger.error({ err: error }, 'discord interaction failed'));
  let stopping = false;

  const env = {
    deps: options.deps,
    api,
    publisher,
    logger,
    track: (channelId: string, work: () => Promise<void>) => lanes.push(channelId, bindToRequest(work)),
    detach: (work: () => Promise<void>) => background.run(bindToRequest(work)),
    firstSight: (id: string) => recent.add(id),
    threadParent: (threadId: string) => selectThreadParent(options.db, 'discord', threadId),
  };
  client.on(Events.InteractionCreate, (interaction) => {
    if (stopping) return;
    const handling = withRequest({ requestId: interaction.id, platform: 'discord' }, () =>
      onInteraction(env, interaction),
    ).catch((error: unknown) => logger.error({ err: error }, 'discord interaction failed'));
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling));
  });
  options.deps.metrics?.watchCoalescing('discord', () => publisher.stats.coalesced);
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardResume, (shard) => logger.info({ shard }, 'discord gateway resumed'));

  const idle = async () => {
    // Handling an interaction can start edits, and edits start nothing new: a few rounds settle it.
    for (let round = 0; round < 100; round++) {
      await Promise.allSettled([...inFlight]);
      await lanes.idle();
      await background.idle();
      await publisher.idle();
      if (lanes.size === 0 && inFlight.size === 0 && background.size === 0) return;
    }
  };

  return {
    publisher,
    api,
    client,
    async start() {
      const ready = once(client, Events.ClientReady);
      try {
        await client.login(options.token);
      } catch (error) {
        if (isRefusedToken(error)) {
          throw new UserError(
            'config_invalid',
            'Discord refused DISCORD_TOKEN: copy the bot token again from the Developer Portal (Bot › Reset Token).',
          );
        }
        throw error;
      }
      await ready;
      logger.info({ platform: DISCORD_PLATFORM, user: client.user?.tag }, 'connected to Discord');
    },
    idle,
    connectionProblem: () => (client.isReady() ? null : 'not connected to the Discord gateway'),
    async stop(graceMs = Number.POSITIVE_INFINITY) {
      if (stopping) return;
      stopping = true;
      const started = Date.now();
      // Deferred interactions are committed whatever it takes: Discord told the person we have them.
      await Promise.allSettled([...inFlight]);
      await lanes.idle();
      const left = graceMs - (Date.now() - started);
      if (!(await settledWithin(idle(), Math.max(0, left))))
        logger.warn({ graceMs }, 'stopped before every message edit was made; the next change redraws them');
      await client.destroy();
    },
  };
}

function isRefusedToken(error: unknown): boolean {
  if (error instanceof DiscordAPIError) return error.status === 401;
  return (error as { code?: unknown })?.code === 'TokenInvalid';
}

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Database } from '../../db/client.js';
import { UserError } from '../../errors.js';
import { applyConnectionTimeouts } from '../../http/timeouts.js';
import type { Logger } from '../../logger.js';
import { observeInteraction } from '../../metrics.js';
import { bindToRequest, currentRequest, withRequest } from '../../requestContext.js';
import { Background, settledWithin } from '../background.js';
import type { Clock } from '../clock.js';
import type { MessageCoordinator } from '../coordination.js';
import type { ChatDeps } from '../handle.js';
import { InProcessRateLimiter, type RateLimiter, type RateLimits } from '../rateLimiter.js';
import { RunPublisher } from '../runPublisher.js';
import { WorkQueue } from '../workQueue.js';
import { SlackApi } from './api.js';
import type { SlackMessage } from './blocks.js';
import { admitSlackRequest } from './gate.js';
import { registerInteractions, SLACK_PLATFORM } from './interactions.js';
import { SLACK_RATE_LIMITS } from './limits.js';
import { slackMessagePort } from './port.js';

/**
 * The Slack adapter: a Bolt app on Socket Mode (an app token; no public URL needed) or on HTTP (a
 * signing secret; Bolt verifies every request's signature and refuses ones older than five minutes).
 */

export interface SlackAdapterOptions {
  deps: ChatDeps;
  db: Database;
  logger: Logger;
  botToken: string;
  /** Set: Socket Mode. Unset: HTTP, with `signingSecret`. */
  appToken: string | null;
  signingSecret: string | null;
  /** Where the Web API lives; Slack's own unless a test points it at a fake. */
  apiUrl: string | null;
  /** HTTP mode: where Slack's requests arrive (`/slack/events`) and `/healthz` answers. */
  port: number;
  host?: string;
  /** HTTP mode: false when another server routes requests to `handleHttp` (one server, one port). */
  listen?: boolean;
  /** Where the calls to the API are paced; shared by replicas through Redis when they run several. */
  rateLimiter?: RateLimiter;
  rateLimits?: RateLimits;
  /** Who posts and edits a run's messages when several replicas could; this process alone by default. */
  coordinator?: MessageCoordinator;
  /** Minimum time from the end of one edit of a message to the start of the next. */
  updateIntervalMs?: number;
  /** Interactions handled at once after their acknowledgement. */
  concurrency?: number;
  clock?: Clock;
}

export interface SlackAdapter {
  readonly mode: 'socket' | 'http';
  /** The Web API as this adapter calls it (rate limited), for pages sent outside an interaction. */
  readonly api: SlackApi;
  readonly publisher: RunPublisher<SlackMessage>;
  /** Checks the token (auth.test), then connects (Socket Mode) or listens (HTTP; the bound port is returned). */
  start(): Promise<{ port: number | null }>;
  /**
   * HTTP mode: Slack's requests as a plain node listener, for a server that routes `POST /slack/events`
   * here instead of the adapter listening on a port of its own (`listen: false`). Null in Socket Mode.
   */
  readonly handleHttp: ((request: IncomingMessage, response: ServerResponse) => void) | null;
  /** Resolves once every interaction received so far is handled and every message edit has been made. */
  idle(): Promise<void>;
  /** For /health/ready: why Slack cannot reach this process now, or null when it can. */
  connectionProblem(): string | null;
  /**
   * Stops taking interactions and commits every one already acknowledged; then gives the messages they
   * change up to `graceMs` to be posted and edited.
   */
  stop(graceMs?: number): Promise<void>;
}

export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { logger } = options;
  const mode = options.appToken ? 'socket' : 'http';
  const boltLog = boltLogger(logger);
  // HTTP mode: Bolt's receiver checks every request's signature and age (five minutes) before a listener runs.
  const receiver = options.appToken
    ? null
    : new HTTPReceiver({
        signingSecret: options.signingSecret ?? '',
        endpoints: [SLACK_EVENTS_PATH],
        customRoutes: [{ path: '/healthz', method: ['GET'], handler: answerHealthy }],
        logger: boltLog,
      });
  const app = new App({
    token: options.botToken,
    ...(options.appToken
      ? { appToken: options.appToken, socketMode: true }
      : { receiver: receiver as HTTPReceiver }),
    clientOptions: {
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
      // 429s come back to SlackApi, which waits them out per method instead of pausing the whole client.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
    },
    logger: boltLog,
    // auth.test runs in start(), where a bad token becomes an error the caller sees.
    deferInitialization: true,
  });
  const limiter =
    options.rateLimiter ?? new InProcessRateLimiter(options.rateLimits ?? SLACK_RATE_LIMITS, options.clock);
  const metrics = options.deps.metrics;
  const api = new SlackApi(app.client, limiter, metrics);
  const publisher = new RunPublisher<SlackMessage>({
    db: options.db,
    port: slackMessagePort(api),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.updateIntervalMs !== undefined ? { intervalMs: options.updateIntervalMs } : {}),
    ...(options.coordinator ? { coordinator: options.coordinator } : {}),
  });
  const work = new WorkQueue({
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    onError: (error) => logger.error({ err: error }, 'slack interaction failed'),
  });
  const background = new Background((error) => logger.error({ err: error }, 'slack interaction failed'));
  let stopping = false;
  let listening = false;
  let socketState = mode === 'socket' ? 'connecting' : 'connected';
  if (mode === 'socket')
    watchSocket(app, (state) => {
      socketState = state;
    });

  // Socket Mode requests begin here; HTTP ones began in handleHttp, which knows when they arrived.
  app.use(({ next }) => (currentRequest() ? next() : withRequest({ platform: SLACK_PLATFORM }, next)));
  metrics?.watchCoalescing(SLACK_PLATFORM, () => publisher.stats.coalesced);

  registerInteractions(app, {
    deps: options.deps,
    api,
    publisher,
    logger,
    track: (channelId, job) => work.push(channelId || null, bindToRequest(job)),
    detach: (job) => background.run(bindToRequest(job)),
  });
  app.error(async (error) => {
    logger.error({ err: error }, 'slack app error');
  });

  const idle = async () => {
    // Handling an interaction can start edits, and nothing starts new interactions here: a few rounds settle it.
    for (let round = 0; round < 100; round++) {
      await work.idle();
      await background.idle();
      await publisher.idle();
      if (work.size === 0 && background.size === 0) return;
    }
  };

  const gate = {
    signingSecret: options.signingSecret ?? '',
    onRefused: (reason: string) => metrics?.rejections.inc({ platform: SLACK_PLATFORM, code: reason }),
  };
  const handleHttp = receiver
    ? (request: IncomingMessage, response: ServerResponse) => {
        if (stopping) {
          // Slack retries a request that fails: the next process (or this one restarted) takes it.
          response.writeHead(503, { 'retry-after': '1' });
          response.end();
          return;
        }
        withRequest({ platform: SLACK_PLATFORM }, () => {
          const received = currentRequest()?.receivedAt ?? performance.now();
          response.once('finish', () =>
            observeInteraction(metrics, SLACK_PLATFORM, 'ack', performance.now() - received),
          );
          if (request.method !== 'POST' || request.url?.split('?')[0] !== SLACK_EVENTS_PATH) {
            receiver.requestListener(request, response);
            return;
          }
          // Bounded and verified here before Bolt reads anything; Bolt then takes the buffered body.
          admitSlackRequest(request, response, gate).then(
            (admitted) => {
              if (admitted) receiver.requestListener(request, response);
            },
            (error: unknown) => {
              logger.warn({ err: error }, 'slack request could not be read');
              if (!response.headersSent) response.writeHead(400).end();
            },
          );
        });
      }
    : null;
  let server: Server | null = null;

  return {
    mode,
    api,
    publisher,
    handleHttp,
    async start() {
      await refusedAs('SLACK_BOT_TOKEN', () => app.init());
      if (mode === 'socket') {
        await refusedAs('SLACK_APP_TOKEN', () => app.start());
        logger.info({ platform: SLACK_PLATFORM, mode }, 'connected to Slack');
        listening = true;
        return { port: null };
      }
      if (options.listen === false) {
        logger.info(
          { platform: SLACK_PLATFORM, mode, path: SLACK_EVENTS_PATH },
          'taking Slack requests from the router',
        );
        return { port: null };
      }
      // Our own server, so every request passes the gate (Bolt's would buffer any body unchecked).
      server = createServer(handleHttp as NonNullable<typeof handleHttp>);
      applyConnectionTimeouts(server);
      server.listen(options.port, options.host ?? '0.0.0.0');
      await once(server, 'listening');
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      logger.info({ platform: SLACK_PLATFORM, mode, port }, 'listening for Slack');
      listening = true;
      return { port };
    },
    idle,
    connectionProblem: () =>
      socketState === 'connected' ? null : `Slack Socket Mode is ${socketState}, not connected`,
    async stop(graceMs = Number.POSITIVE_INFINITY) {
      if (stopping) return;
      stopping = true;
      const started = Date.now();
      if (listening && server) {
        const closing = server;
        const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
        closing.closeIdleConnections();
        await closed;
      } else if (listening) await app.stop();
      // Acknowledged clicks are committed whatever it takes: the person was told Slack has them.
      await work.idle();
      const left = graceMs - (Date.now() - started);
      if (!(await settledWithin(idle(), Math.max(0, left))))
        logger.warn({ graceMs }, 'stopped before every message edit was made; the next change redraws them');
    },
  };
}

/**
 * Follows the Socket Mode connection's state. Bolt keeps its receiver to itself, so it is reached by
 * name; without it (a Bolt that changed shape) readiness simply cannot see the socket.
 */
function watchSocket(app: App, onState: (state: string) => void): void {
  const client = (app as unknown as { receiver?: { client?: NodeJS.EventEmitter } }).receiver?.client;
  if (!client) {
    onState('connected');
    return;
  }
  for (const state of ['connecting', 'connected', 'reconnecting', 'disconnecting', 'disconnected'])
    client.on(state, () => onState(state));
  // A dropped socket says nothing until the client starts reconnecting, seconds later.
  client.on('close', () => onState('disconnected'));
}

/** Where Slack sends slash commands and interactions in HTTP mode. */
export const SLACK_EVENTS_PATH = '/slack/events';

function answerHealthy(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('ok\n');
}

/** A token Slack refuses is a setting to fix, said in one line, not a stack trace. */
async function refusedAs<T>(variable: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as { data?: { error?: unknown } }).data?.error;
    if (typeof code === 'string' && REFUSED_TOKEN.has(code)) {
      throw new UserError(
        'config_invalid',
        `Slack refused ${variable} (${code}): copy it again from the app's settings.`,
      );
    }
    throw error;
  }
}

const REFUSED_TOKEN = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'not_allowed_token_type',
]);

/** Bolt's logger interface on top of the process logger, so its lines come out as the same JSON. */
function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    parts.map((part) => (typeof part === 'string' ? part : String(part))).join(' ');
  const child = logger.child({ component: 'bolt' });
  return {
    debug: (...parts) => child.debug(text(parts)),
    info: (...parts) => child.info(text(parts)),
    // A 429 is expected traffic here (SlackApi waits it out), not a problem worth a warning.
    warn: (...parts) => (isRateLimitNotice(parts) ? child.info(text(parts)) : child.warn(text(parts))),
    error: (...parts) => child.error(text(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function isRateLimitNotice(parts: unknown[]): boolean {
  return parts.some((part) => typeof part === 'string' && /rate.?limit/i.test(part));
}

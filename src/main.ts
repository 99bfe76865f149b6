import type { Readable, Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { settledWithin } from './chat/background.js';
import { createDiscordAdapter } from './chat/discord/app.js';
import { discordNotifier } from './chat/discord/notifier.js';
import type { ChatDeps } from './chat/handle.js';
import { sharedThroughRedis } from './chat/replicas.js';
import { createSlackAdapter, SLACK_EVENTS_PATH, type SlackAdapter } from './chat/slack/app.js';
import { slackNotifier } from './chat/slack/notifier.js';
import { runTerminal } from './chat/terminal/terminal.js';
import { checkVariablesFrom } from './checklist/checkVariables.js';
import { describeError, hostPortOf } from './checks/describe.js';
import { createCheckExecutor } from './checks/executor.js';
import { maskText } from './checks/mask.js';
import { ownEndpointsFrom } from './checks/ownEndpoints.js';
import type { Config } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { isUserError, UserError } from './errors.js';
import { EscalationAudit } from './escalation/audit.js';
import { escalationHandlers } from './escalation/escalator.js';
import { type Notifier, pagerDutyNotifier, terminalNotifier, webhookNotifier } from './escalation/notify.js';
import { addMetricsRoute, addReadinessRoute, databaseProbe } from './http/ops.js';
import { startWebFromConfig, type Web } from './http/start.js';
import { loadChecklists } from './loadChecklists.js';
import { loadOncall, roleWarnings } from './loadOncall.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { connectRedis } from './redis.js';
import { RunHistory } from './report/historyService.js';
import { RunService } from './runs/service.js';
import { TimerWorker } from './timers/worker.js';

export interface StartOptions {
  config: Config;
  logger: Logger;
  input: Readable & { isTTY?: boolean };
  output: Writable;
  /** Stops Shipcheck when aborted; without it, SIGTERM or SIGINT does. */
  stop?: AbortSignal;
}

/** From the stop signal to exit: interactions in hand get most of it, the timers and pools the rest. */
const INTERACTIONS_GRACE_MS = 5_000;
const TIMERS_GRACE_MS = 1_500;

/** The composition root: config → database → checklists → services → the chat channel; stops cleanly. */
export async function startShipcheck(options: StartOptions): Promise<void> {
  const stopping = options.stop ? null : stopOnSignals(options.logger);
  const stop = options.stop ?? (stopping as StopSignals).signal;
  try {
    await runShipcheck(options, stop);
  } finally {
    stopping?.dispose();
  }
}

async function runShipcheck(options: StartOptions, stop: AbortSignal): Promise<void> {
  const { config, logger } = options;
  const database = await openDatabase(config.database);
  let web: Web | null = null;
  let redis: Redis | null = null;
  // Made inside runSlack; the notifiers and the timers' redraws reach it through this once it exists.
  let slack: SlackAdapter | null = null;
  try {
    await prepareDatabase(database, config);
    const library = await loadChecklists(config.checklistsDir);
    const directory = await loadOncall(config.checklistsDir);
    for (const broken of library.broken)
      logger.warn({ problems: broken.problems, file: broken.file }, broken.message);
    for (const warning of roleWarnings(library.checklists, directory)) logger.warn(warning);
    logger.info(
      { database: database.kind, checklists: library.checklists.map((checklist) => checklist.name) },
      'shipcheck ready',
    );
    const runs = new RunService(database.db, { stallMinutes: directory.stallMinutes });
    const metrics = createMetrics({ activeRuns: () => runs.activeRunCount() });
    web = await startWebFromConfig(config, database.db, runs, logger);
    redis = config.redisUrl ? await connectRedis(config.redisUrl) : null;
    // Filled in as the chat adapters are made: readiness asks each whether its platform can reach it.
    const chatConnections = new Map<string, () => string | null>();
    if (web)
      addOpsRoutes(web, database, redis, metrics, chatConnections, {
        logger,
        metricsToken: config.web.metricsToken,
      });
    const history = new RunHistory(database.db, library);
    const checks = createCheckExecutor({
      env: checkVariablesFrom(process.env),
      metrics,
      ...config.checks,
      ownEndpoints: ownEndpointsFrom({
        databaseUrl: config.database.kind === 'postgres' ? config.database.url : null,
        redisUrl: config.redisUrl,
      }),
    });
    const deps = { runs, library, directory, history, links: web?.links, checks, metrics };
    // Made before the notifiers, which page Discord runs through its REST client; connected below.
    const discord = config.discord
      ? createDiscordAdapter({
          deps,
          db: database.db,
          logger,
          token: config.discord.token,
          apiUrl: config.discord.apiUrl,
          // With REDIS_URL, replicas share Discord's rate limits and take turns on each message.
          ...sharedThroughRedis(redis, 'discord', logger, config.discord.token),
        })
      : null;
    if (discord) chatConnections.set('discord', () => discord.connectionProblem());
    // Escalation steps, deadlines and reminders fire from here, whichever channel is open.
    const notifiers = [
      terminalNotifier((text) => options.output.write(`\n${text}\n`)),
      ...externalNotifiers(config, logger),
      ...(discord ? [discordNotifier(discord.api)] : []),
      // Slack's client exists once runSlack has made the adapter; a page before that is retried.
      slackNotifier(() => slack?.api ?? null),
    ];
    const timers = new TimerWorker({
      db: database.db,
      handlers: escalationHandlers({
        runs,
        directory,
        notifiers,
        metrics,
        checks,
        // What a timer changed is redrawn on the run's own platform, as a click's change would be.
        onChanged: (run) => {
          const publisher =
            run.platform === 'slack'
              ? slack?.publisher
              : run.platform === 'discord'
                ? discord?.publisher
                : null;
          publisher
            ?.publish(run)
            .catch((error: unknown) =>
              logger.warn({ err: error, run: run.id }, 'could not redraw the run after a timer changed it'),
            );
        },
      }),
      logger,
      onFired: (job, latenessMs) =>
        metrics.timerLateness.observe({ kind: job.kind }, Math.max(0, latenessMs) / 1000),
    });
    timers.start();
    const audit = new EscalationAudit({
      db: database.db,
      runs,
      notifiers,
      logger,
      metrics,
      heartbeatUrl: config.paging.heartbeatUrl,
      retentionMs: config.paging.timerRetentionMs,
    });
    audit.start();
    try {
      if (discord) await discord.start();
      if (config.slack) {
        await runSlack(options, stop, deps, database, web, redis, (adapter) => {
          slack = adapter;
          chatConnections.set('slack', () => adapter.connectionProblem());
        });
        return;
      }
      if (discord) {
        await untilStopped(stop);
        logger.info('stopping: finishing the Discord interactions in hand');
        return;
      }
      await runTerminal({
        deps,
        input: options.input,
        output: options.output,
        interactive: Boolean(options.input.isTTY),
        user: config.terminalUser,
        logger,
        bannerDetail: describeDatabase(config, database),
        stop,
      });
    } finally {
      // Discord, when it runs beside Slack, stops with it: the interactions in hand finish first.
      await discord?.stop(INTERACTIONS_GRACE_MS);
      await audit.stop();
      // A job cut short here is not marked fired: its lease runs out and it runs again, here or elsewhere.
      if (!(await settledWithin(timers.stop(), TIMERS_GRACE_MS)))
        logger.warn({ graceMs: TIMERS_GRACE_MS }, 'stopped before the running timer jobs finished');
    }
  } finally {
    await web?.close();
    redis?.disconnect();
    await database.close();
  }
}

/**
 * Migrations are the first thing that talks to the database, so a wrong password or a server that is
 * not running shows here: as one line that says what to fix, not as a driver's stack trace.
 */
async function prepareDatabase(database: DatabaseHandle, config: Config): Promise<void> {
  try {
    await migrateDatabase(database);
  } catch (error) {
    if (config.database.kind !== 'postgres' || isUserError(error)) throw error;
    const where = hostPortOf(config.database.url);
    const sqlState = (error as { code?: unknown }).code;
    const reason =
      typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) && error instanceof Error
        ? error.message
        : describeError(error, 5_000, where);
    throw new UserError(
      'config_invalid',
      maskText(
        `cannot use the database in DATABASE_URL${where ? ` (${where})` : ''}: ${reason}. Fix DATABASE_URL, or start that database.`,
      ),
    );
  }
}

/** /health/ready (database, and Redis when configured) and /metrics beside the run pages. */
function addOpsRoutes(
  web: Web,
  database: DatabaseHandle,
  redis: Redis | null,
  metrics: Metrics,
  chatConnections: Map<string, () => string | null>,
  { logger, metricsToken }: { logger: Logger; metricsToken: string | null },
): void {
  const probes = [databaseProbe(database.db)];
  for (const name of ['slack', 'discord']) {
    probes.push({ name, probe: async () => chatConnections.get(name)?.() ?? null });
  }
  if (redis) {
    probes.push({
      name: 'redis',
      probe: async () => ((await redis.ping()) === 'PONG' ? null : 'did not answer PONG'),
    });
  }
  addReadinessRoute(web.http, probes, logger);
  addMetricsRoute(web.http, metrics, metricsToken);
}

/** PagerDuty and a signed webhook, when configured. */
function externalNotifiers(config: Config, logger: Logger): Notifier[] {
  const { pagerDuty, webhook } = config.paging;
  return [
    ...(pagerDuty ? [pagerDutyNotifier(pagerDuty.routingKey, pagerDuty.url, logger)] : []),
    ...(webhook ? [webhookNotifier(webhook.url, webhook.secret, logger)] : []),
  ];
}

/** Slack until told to stop; then no new interactions, and the ones in hand finish before the database closes. */
async function runSlack(
  options: StartOptions,
  stop: AbortSignal,
  deps: ChatDeps,
  database: DatabaseHandle,
  web: Web | null,
  redis: Redis | null,
  onAdapter: (adapter: SlackAdapter) => void,
): Promise<void> {
  const { config, logger } = options;
  const slack = config.slack;
  if (!slack) return;
  const adapter = createSlackAdapter({
    deps,
    db: database.db,
    logger,
    botToken: slack.botToken,
    appToken: slack.appToken,
    signingSecret: slack.signingSecret,
    apiUrl: slack.apiUrl,
    port: config.port,
    host: config.host,
    // One server, one PORT: with the web server up, Slack's requests come in through its router.
    listen: web === null,
    // With REDIS_URL, replicas share Slack's rate limits and take turns on each message.
    ...sharedThroughRedis(redis, 'slack', logger, slack.botToken),
  });
  const handleHttp = adapter.handleHttp;
  if (web && handleHttp) {
    web.http.addRoute('POST', SLACK_EVENTS_PATH, ({ req, res }) => handleHttp(req, res));
    web.http.addRoute('GET', '/healthz', ({ req, res }) => handleHttp(req, res));
  }
  onAdapter(adapter);
  await adapter.start();
  await untilStopped(stop);
  logger.info('stopping: finishing the interactions in hand');
  await adapter.stop(INTERACTIONS_GRACE_MS);
}

interface StopSignals {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * The first SIGTERM or SIGINT stops Shipcheck cleanly; a second one means the person (or the platform)
 * will not wait, so the process leaves at once.
 */
function stopOnSignals(logger: Logger): StopSignals {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn({ signal }, 'second stop signal: leaving now');
      process.exit(1);
    }
    logger.info({ signal }, 'stop signal received');
    controller.abort(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

function untilStopped(stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve();
    stop.addEventListener('abort', () => resolve(), { once: true });
  });
}

function describeDatabase(config: Config, database: DatabaseHandle): string {
  return config.database.kind === 'pglite'
    ? `embedded database in ${config.database.dataDir}`
    : `${database.kind} database from DATABASE_URL`;
}

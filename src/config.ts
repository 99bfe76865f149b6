import { userInfo } from 'node:os';
import { z } from 'zod';
import { parseDeniedNetworks } from './checks/guard.js';
import { UserError } from './errors.js';
import { trimEndOf } from './text/trimEnd.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function urlWithScheme(schemes: string[], what: string) {
  return z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a ${schemes.map((scheme) => `${scheme}//`).join(' or ')} URL ${what}`,
    );
}

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);
const PORT_MESSAGE = 'must be a port number from 1 to 65535';

const environmentSchema = z.object({
  DATABASE_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(['postgres:', 'postgresql:'], '(or unset it to use the embedded database)').optional(),
  ),
  SHIPCHECK_DATA_DIR: z.preprocess(emptyAsUnset, z.string().default('.shipcheck')),
  REDIS_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(['redis:', 'rediss:'], '(or unset it to coordinate in-process)').optional(),
  ),
  SHIPCHECK_CHECKLISTS_DIR: z.preprocess(emptyAsUnset, z.string().default('checklists')),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' && value ? value.toLowerCase() : undefined),
    z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  SHIPCHECK_USER: z.preprocess(emptyAsUnset, z.string().min(1).max(64).optional()),
  SLACK_BOT_TOKEN: z.preprocess(
    emptyAsUnset,
    secretStartingWith('xoxb-', 'a bot token (OAuth & Permissions › Bot User OAuth Token)').optional(),
  ),
  SLACK_APP_TOKEN: z.preprocess(
    emptyAsUnset,
    secretStartingWith('xapp-', 'an app-level token with connections:write (Basic Information)').optional(),
  ),
  SLACK_SIGNING_SECRET: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(/^\S{16,}$/, 'must be the Signing Secret from Basic Information › App Credentials')
      .optional(),
  ),
  SLACK_API_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(
      ['http:', 'https:'],
      'where the Slack Web API lives (unset it for Slack itself)',
    ).optional(),
  ),
  DISCORD_TOKEN: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(
        /^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$/,
        'must be the bot token (Developer Portal › Bot › Reset Token)',
      )
      .optional(),
  ),
  DISCORD_APPLICATION_ID: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(/^\d{15,21}$/, 'must be the Application ID (Developer Portal › General Information)')
      .optional(),
  ),
  DISCORD_API_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(
      ['http:', 'https:'],
      'where the Discord API lives, ending in /api (unset it for Discord itself)',
    ).optional(),
  ),
  HOST: z.preprocess(emptyAsUnset, z.string().trim().min(1).optional()),
  SHIPCHECK_CHECK_TIMEOUT_MS: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number({ message: 'must be milliseconds, e.g. 5000' })
      .int()
      .min(100, 'must be at least 100')
      .max(120_000, 'must be at most 120000')
      .default(5000),
  ),
  SHIPCHECK_ALLOW_HOSTS: z.preprocess(emptyAsUnset, z.string().default('')),
  SHIPCHECK_CHECK_DENY: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default('')
      .superRefine((text, context) => {
        const parsed = parseDeniedNetworks(text);
        if (!parsed.ok)
          context.addIssue({
            code: 'custom',
            message: `has "${parsed.entry}", which is not a range like 10.0.0.0/8 nor one of: loopback, private`,
          });
      }),
  ),
  PAGERDUTY_ROUTING_KEY: z.preprocess(
    emptyAsUnset,
    z.string().trim().min(8, 'must be an Events API v2 integration key').optional(),
  ),
  PAGERDUTY_EVENTS_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(['https:', 'http:'], '(unset it for PagerDuty itself)').default(
      'https://events.pagerduty.com/v2/enqueue',
    ),
  ),
  SHIPCHECK_WEBHOOK_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(['https:', 'http:'], 'to receive pages').optional(),
  ),
  SHIPCHECK_WEBHOOK_SECRET: z.preprocess(
    emptyAsUnset,
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  PORT: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number({ message: PORT_MESSAGE })
      .int(PORT_MESSAGE)
      .min(1, PORT_MESSAGE)
      .max(65_535, PORT_MESSAGE)
      .default(3000),
  ),
  SHIPCHECK_HTTP: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() ? value.trim().toLowerCase() : undefined),
    z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  ),
  SHIPCHECK_PUBLIC_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(
      ['http:', 'https:'],
      'where people open the run pages, e.g. https://shipcheck.example.com',
    ).optional(),
  ),
  HEARTBEAT_URL: z.preprocess(
    emptyAsUnset,
    urlWithScheme(
      ['https:', 'http:'],
      "(a dead-man's switch pinged after each clean escalation audit)",
    ).optional(),
  ),
  SHIPCHECK_TIMER_RETENTION_DAYS: z.preprocess(
    emptyAsUnset,
    z.coerce.number({ message: 'must be a number of days, e.g. 7' }).min(0.01).max(3650).default(7),
  ),
  METRICS_TOKEN: z.preprocess(
    emptyAsUnset,
    z.string().trim().min(16, 'must be at least 16 characters (a random token the scraper sends)').optional(),
  ),
  SHIPCHECK_LINK_SECRET: z.preprocess(
    emptyAsUnset,
    z.string().min(16, 'must be at least 16 characters (it signs the links to run pages)').optional(),
  ),
});

/** Slack needs the bot token plus one way in: Socket Mode (app token) or HTTP (signing secret). */
function slackPairing(environment: NodeJS.ProcessEnv): string[] {
  const has = (name: string) => Boolean(environment[name]?.trim());
  const wayIn = has('SLACK_APP_TOKEN') || has('SLACK_SIGNING_SECRET');
  if (wayIn && !has('SLACK_BOT_TOKEN')) {
    return [
      'SLACK_BOT_TOKEN must be set with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET (the Bot User OAuth Token, xoxb-…)',
    ];
  }
  if (has('SLACK_BOT_TOKEN') && !wayIn) {
    return [
      'SLACK_APP_TOKEN or SLACK_SIGNING_SECRET must be set with SLACK_BOT_TOKEN: an app-level token (xapp-…) for Socket Mode, or the signing secret for HTTP',
    ];
  }
  return [];
}

/** A webhook is always signed: a URL without a secret would let anyone forge pages. */
function webhookPairing(environment: NodeJS.ProcessEnv): string[] {
  if (environment.SHIPCHECK_WEBHOOK_URL?.trim() && !environment.SHIPCHECK_WEBHOOK_SECRET?.trim()) {
    return ['SHIPCHECK_WEBHOOK_SECRET must be set with SHIPCHECK_WEBHOOK_URL (the key that signs each page)'];
  }
  return [];
}

function secretStartingWith(prefix: string, what: string) {
  return z
    .string()
    .trim()
    .refine(
      (value) => value.startsWith(prefix) && value.length > prefix.length + 8,
      `must be ${what}, starting with ${prefix}`,
    );
}

export interface Config {
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  redisUrl: string | null;
  checklistsDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Who the terminal channel says typed each command. */
  terminalUser: string;
  /** Set when SLACK_BOT_TOKEN is: Shipcheck runs in Slack instead of the terminal. */
  slack: SlackConfig | null;
  /** Set when DISCORD_TOKEN is: Shipcheck runs in Discord (with Slack too, when both are set). */
  discord: DiscordConfig | null;
  /** Where HTTP is served: Slack's requests in HTTP mode, and /healthz. */
  port: number;
  /** The address HTTP listens on: every interface by default, as a container platform needs. */
  host: string;
  /** The run pages and /health on PORT. */
  web: {
    /** False with SHIPCHECK_HTTP=off. */
    enabled: boolean;
    /** Where people open the pages; null: http://127.0.0.1:PORT. */
    publicUrl: string | null;
    /** Signs the links to run pages; null: a random secret kept in the database. */
    linkSecret: string | null;
    /** What a scraper of /metrics must send as a bearer token; null: /metrics answers only on loopback. */
    metricsToken: string | null;
  };
  checks: {
    /** Per-check budget. */
    timeoutMs: number;
    /** Link-local or metadata host names a check may still reach (normally none). */
    allowedHosts: string[];
    /** Ranges checks may not reach, besides link-local and metadata (SHIPCHECK_CHECK_DENY). */
    deniedNetworks: string[];
  };
  paging: {
    pagerDuty: { routingKey: string; url: string } | null;
    webhook: { url: string; secret: string } | null;
    /** Pinged after each clean audit of the open escalations; null: none. */
    heartbeatUrl: string | null;
    /** Settled timer jobs are kept this long, then pruned. */
    timerRetentionMs: number;
  };
}

export interface SlackConfig {
  botToken: string;
  /** Socket Mode when set (it wins over the signing secret); HTTP mode otherwise. */
  appToken: string | null;
  signingSecret: string | null;
  /** Another Web API base URL (a local fake); null for Slack's own. */
  apiUrl: string | null;
}

export interface DiscordConfig {
  token: string;
  /** Needed to register /deploy (`shipcheck discord register`); interactions carry it themselves. */
  applicationId: string | null;
  /** Another REST base URL, ending in /api (a local fake); null for Discord's own. */
  apiUrl: string | null;
}

/**
 * Environment → Config, validated once at start. A bad value becomes one line naming the variable and
 * what to set; the value itself is never repeated, since it may hold a password.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  const pairing = [...slackPairing(environment), ...webhookPairing(environment)];
  if (!parsed.success || pairing.length > 0) {
    const lines = (parsed.error?.issues ?? []).map((issue) => `${String(issue.path[0])} ${issue.message}`);
    throw new UserError('config_invalid', `configuration: ${[...lines, ...pairing].join('; ')}`);
  }
  const env = parsed.data;
  return {
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'pglite', dataDir: env.SHIPCHECK_DATA_DIR },
    redisUrl: env.REDIS_URL ?? null,
    checklistsDir: env.SHIPCHECK_CHECKLISTS_DIR,
    logLevel: env.LOG_LEVEL,
    terminalUser: env.SHIPCHECK_USER ?? safeUserName(),
    slack: env.SLACK_BOT_TOKEN
      ? {
          botToken: env.SLACK_BOT_TOKEN,
          appToken: env.SLACK_APP_TOKEN ?? null,
          signingSecret: env.SLACK_SIGNING_SECRET ?? null,
          // The Web API client appends method names to this base.
          apiUrl: env.SLACK_API_URL ? `${trimEndOf(env.SLACK_API_URL, '/')}/` : null,
        }
      : null,
    discord: env.DISCORD_TOKEN
      ? {
          token: env.DISCORD_TOKEN,
          applicationId: env.DISCORD_APPLICATION_ID ?? null,
          apiUrl: env.DISCORD_API_URL ? trimEndOf(env.DISCORD_API_URL, '/') : null,
        }
      : null,
    port: env.PORT,
    // The terminal channel is someone's laptop: its pages and /metrics stay on it unless HOST says
    // otherwise. With a chat platform it is a deployment, which the platform and people must reach.
    host: env.HOST ?? (env.SLACK_BOT_TOKEN || env.DISCORD_TOKEN ? '0.0.0.0' : '127.0.0.1'),
    web: {
      enabled: env.SHIPCHECK_HTTP === 'on',
      publicUrl: env.SHIPCHECK_PUBLIC_URL ?? null,
      linkSecret: env.SHIPCHECK_LINK_SECRET ?? null,
      metricsToken: env.METRICS_TOKEN ?? null,
    },
    checks: {
      timeoutMs: env.SHIPCHECK_CHECK_TIMEOUT_MS,
      allowedHosts: env.SHIPCHECK_ALLOW_HOSTS.split(',')
        .map((host) => host.trim())
        .filter(Boolean),
      deniedNetworks: (() => {
        const parsed = parseDeniedNetworks(env.SHIPCHECK_CHECK_DENY);
        return parsed.ok ? parsed.denied : [];
      })(),
    },
    paging: {
      pagerDuty: env.PAGERDUTY_ROUTING_KEY
        ? { routingKey: env.PAGERDUTY_ROUTING_KEY, url: env.PAGERDUTY_EVENTS_URL }
        : null,
      webhook: env.SHIPCHECK_WEBHOOK_URL
        ? { url: env.SHIPCHECK_WEBHOOK_URL, secret: env.SHIPCHECK_WEBHOOK_SECRET ?? '' }
        : null,
      heartbeatUrl: env.HEARTBEAT_URL ?? null,
      timerRetentionMs: Math.round(env.SHIPCHECK_TIMER_RETENTION_DAYS * 86_400_000),
    },
  };
}

function safeUserName(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

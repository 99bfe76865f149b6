import { userInfo } from 'node:os';
import { z } from 'zod';
import { UserError } from './errors.js';

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
  HOST: z.preprocess(emptyAsUnset, z.string().trim().min(1).default('0.0.0.0')),
  PORT: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number({ message: PORT_MESSAGE })
      .int(PORT_MESSAGE)
      .min(1, PORT_MESSAGE)
      .max(65_535, PORT_MESSAGE)
      .default(3000),
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
  /** Where HTTP is served: Slack's requests in HTTP mode, and /healthz. */
  port: number;
  /** The address HTTP listens on: every interface by default, as a container platform needs. */
  host: string;
}

export interface SlackConfig {
  botToken: string;
  /** Socket Mode when set (it wins over the signing secret); HTTP mode otherwise. */
  appToken: string | null;
  signingSecret: string | null;
  /** Another Web API base URL (a local fake); null for Slack's own. */
  apiUrl: string | null;
}

/**
 * Environment → Config, validated once at start. A bad value becomes one line naming the variable and
 * what to set; the value itself is never repeated, since it may hold a password.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  const pairing = slackPairing(environment);
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
          apiUrl: env.SLACK_API_URL ? env.SLACK_API_URL.replace(/\/*$/, '/') : null,
        }
      : null,
    port: env.PORT,
    host: env.HOST,
  };
}

function safeUserName(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

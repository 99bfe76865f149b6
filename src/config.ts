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
});

export interface Config {
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  redisUrl: string | null;
  checklistsDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Who the terminal channel says typed each command. */
  terminalUser: string;
}

/**
 * Environment → Config, validated once at start. A bad value becomes one line naming the variable and
 * what to set; the value itself is never repeated, since it may hold a password.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`);
    throw new UserError('config_invalid', `configuration: ${lines.join('; ')}`);
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
  };
}

function safeUserName(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

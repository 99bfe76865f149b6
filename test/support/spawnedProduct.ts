import { type ChildProcess, spawn } from 'node:child_process';
import type { FakeSlack } from '../fakes/slack/server.js';
import { SlackWorkspace } from '../fakes/slack/workspace.js';
import { CLI, freePort } from './builtProduct.js';

/**
 * The built product in a child process, as an operator runs it, and the wait for what it logs. Free of
 * vitest, so `bench/` (plain Node) can start it the same way the tests do.
 */

export interface RunningProduct {
  child: ChildProcess;
  port: number;
  /** Everything the process wrote to stderr (its log) so far. */
  log(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once `text` appears in the log; fails after `timeoutMs`. */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running: for afterAll, whatever the test did. */
  kill(): void;
}

/**
 * Starts `shipcheck start` in a child process with `env` on top of this one's (minus the database and
 * Redis settings, which a test gives explicitly), listening on a free loopback port.
 */
export async function startProduct(env: Record<string, string>): Promise<RunningProduct> {
  const port = await freePort();
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: { ...inherited, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    port,
    log: () => text,
    exited,
    waitForLog(wanted, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!text.includes(wanted)) return;
          clearTimeout(timer);
          child.stderr?.off('data', check);
          resolve();
        };
        const timer = setTimeout(() => {
          child.stderr?.off('data', check);
          reject(new Error(`never saw “${wanted}” in the log:\n${text}`));
        }, timeoutMs);
        child.stderr?.on('data', check);
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The signing secret of the Slack app the product is started as. */
export const SLACK_SECRET = 'product-signing-secret-0123456789abcdef';

/**
 * The product in Slack HTTP mode against `fake`, with `env` on top (its database, Redis), ready for
 * requests; and the workspace that sends them as Slack would.
 */
export async function startSlackProduct(
  fake: FakeSlack,
  env: Record<string, string>,
): Promise<{ product: RunningProduct; workspace: SlackWorkspace }> {
  const product = await startProduct({
    ...env,
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_APP_TOKEN: '',
    SLACK_API_URL: fake.apiUrl,
  });
  await product.waitForLog('taking Slack requests from the router');
  const workspace = new SlackWorkspace(fake, {
    kind: 'http',
    url: `http://127.0.0.1:${product.port}/slack/events`,
    signingSecret: SLACK_SECRET,
  });
  return { product, workspace };
}

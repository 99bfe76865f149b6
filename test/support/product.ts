import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { FakeSlack, type FakeSlackOptions } from '../fakes/slack/server.js';
import { SlackWorkspace } from '../fakes/slack/workspace.js';
import { CLI, freePort } from './builtProduct.js';
import { createTestDatabase, preparePgliteDir } from './db.js';

/** The built entry point, as `npm start` runs it. */

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

/** Where a product under test keeps its data: a fresh Postgres database, or an embedded data directory. */
export interface ProductStore {
  /** What the product's environment needs to use it. */
  env: Record<string, string>;
  /** Reads the store as the product left it; the embedded one only once the product has exited. */
  read<T>(work: (handle: DatabaseHandle) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

/** Postgres when DATABASE_URL is set (a database of its own), else a copy of the prepared PGlite data. */
export async function productStore(): Promise<ProductStore> {
  if (process.env.DATABASE_URL) {
    const database = await createTestDatabase();
    return { env: database.env, read: (work) => work(database.handle), dispose: () => database.drop() };
  }
  const dataDir = preparePgliteDir();
  return {
    env: { SHIPCHECK_DATA_DIR: dataDir },
    async read(work) {
      const handle = await openDatabase({ kind: 'pglite', dataDir });
      try {
        return await work(handle);
      } finally {
        await handle.close();
      }
    },
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a describe block: a fake Slack and a store made before its tests and cleaned up after them, with
 * the product started on demand (and killed afterwards, whatever the test did).
 */
export function useSlackProduct(options: FakeSlackOptions = {}) {
  const fake = new FakeSlack(options);
  let store: ProductStore | null = null;
  let product: RunningProduct | null = null;
  beforeAll(async () => {
    await fake.start();
    store = await productStore();
  });
  afterAll(async () => {
    product?.kill();
    await fake.close();
    await store?.dispose();
  });
  const storeOf = (): ProductStore => {
    if (!store) throw new Error('the store is made in beforeAll');
    return store;
  };
  return {
    fake,
    store: storeOf,
    async start(): Promise<{ product: RunningProduct; workspace: SlackWorkspace }> {
      const started = await startSlackProduct(fake, storeOf().env);
      product = started.product;
      return started;
    },
  };
}

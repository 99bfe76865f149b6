import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built entry point, as `npm start` runs it. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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

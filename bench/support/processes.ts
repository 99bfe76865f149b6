import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI } from '../../test/support/builtProduct.js';

/** The built product, spawned as an operator would run it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Shipcheck {
  child: ChildProcess;
  /** Everything it wrote to stderr (its JSON log), for waiting on a line and for the report on failure. */
  log: { text: string };
  exited: Promise<number | null>;
}

/** Settings of ours that must not leak into the product: the bench says exactly what it runs with. */
const PRODUCT_SETTING =
  /^(SLACK_|DISCORD_|SHIPCHECK_|PAGERDUTY_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/;

/**
 * `node dist/cli.js start` with the given settings and none of ours. stdin stays an open pipe: the
 * terminal channel would stop at the end of its input.
 */
export function spawnShipcheck(env: Record<string, string>): Shipcheck {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !PRODUCT_SETTING.test(name)),
  );
  // Node's flags as `npm start` and railway.toml give them: the bench measures the product as it runs.
  const child = spawn(process.execPath, ['--max-semi-space-size=32', CLI, 'start'], {
    cwd: PROJECT_ROOT,
    env: { ...inherited, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const log = { text: '' };
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep the tail only: a long run under load must not grow the bench's own memory without bound.
    log.text = (log.text + chunk.toString('utf8')).slice(-200_000);
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, log, exited };
}

/** Resolves once `text` appears in the child's log; rejects after `timeoutMs` or if it exits first. */
export function waitForLog(shipcheck: Shipcheck, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = shipcheck.child.stderr;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      stream?.off('data', check);
      shipcheck.child.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (shipcheck.log.text.includes(text)) finish();
    };
    const onClose = () => finish(new Error(`Shipcheck exited before “${text}”:\n${shipcheck.log.text}`));
    const timer = setTimeout(
      () => finish(new Error(`never saw “${text}” within ${timeoutMs} ms:\n${shipcheck.log.text}`)),
      timeoutMs,
    );
    stream?.on('data', check);
    shipcheck.child.on('close', onClose);
    check();
  });
}

/** Polls `url` until it answers 200; resolves with the moment it did (performance.now()). */
export async function waitForOk(url: string, timeoutMs = 30_000, everyMs = 10): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // Not listening yet.
    }
    await sleep(everyMs);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL if it has not left within `graceMs`: a bench never leaves a child behind. */
export async function stopShipcheck(
  shipcheck: Shipcheck,
  graceMs = 10_000,
): Promise<{ ms: number; forced: boolean }> {
  const { child } = shipcheck;
  const started = performance.now();
  if (child.exitCode !== null || child.signalCode !== null) return { ms: 0, forced: false };
  child.kill('SIGTERM');
  const left = await Promise.race([shipcheck.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!left) {
    child.kill('SIGKILL');
    await Promise.race([shipcheck.exited, sleep(5_000)]);
  }
  return { ms: performance.now() - started, forced: !left };
}

/** Resident set size of a process in MB (VmRSS from /proc), or NaN where /proc is not there. */
export function residentMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return kilobytes / 1024;
  } catch {
    return Number.NaN;
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/builtProduct.js';
import { createTestDatabase, preparePgliteDir, type TestDatabase } from '../support/db.js';

const embedded = !process.env.DATABASE_URL;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function launch(env: Record<string, string>): ChildProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return spawn(process.execPath, [CLI, 'start'], {
    // SHIPCHECK_HTTP=off: test files run in parallel, and each spawned Shipcheck would take PORT 3000.
    env: { ...inherited, SHIPCHECK_USER: 'ana', LOG_LEVEL: '', SHIPCHECK_HTTP: 'off', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs the built CLI as `printf … | npm start` would: lines on a pipe, then end of input. */
function shipcheck(env: Record<string, string>, lines: string[]): Promise<Result> {
  const child = launch(env);
  return collect(child, () => child.stdin?.end(lines.map((line) => `${line}\n`).join('')));
}

function collect(child: ChildProcess, feed: () => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    feed();
  });
}

describe('the built entry point, driven through a pipe', () => {
  let env: Record<string, string>;
  let database: TestDatabase | null = null;
  let dataDir: string | null = null;

  beforeAll(async () => {
    expect(existsSync(CLI), 'dist/cli.js is missing: npm test builds it (or run npm run build)').toBe(true);
    if (embedded) {
      dataDir = preparePgliteDir();
      env = { SHIPCHECK_DATA_DIR: dataDir };
    } else {
      database = await createTestDatabase();
      env = database.env;
    }
  });
  afterAll(async () => {
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts a run, ticks an item and shows the status', async () => {
    const result = await shipcheck(env, ['/deploy start demo v1', '/deploy check 1.1', '/deploy status']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('━━ Demo deployment · v1 ━━ run ');
    expect(result.stdout).toMatch(/\[x\] 1\.1 Release notes written {2}✓ @ana \d\d:\d\d UTC/);
    expect(result.stdout).toContain('[ ] 1.2 On-call engineer knows the deploy is happening');
    expect(result.stdout).toContain('1/11 resolved');
  });

  it('keeps the run across a restart', async () => {
    const result = await shipcheck(env, ['/deploy status', '/deploy start demo v2']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[x\] 1\.1 Release notes written {2}✓ @ana/);
    expect(result.stdout).toContain('“Demo deployment” v1 is already running in this channel');
  });

  it('answers bad input with a sentence and the help, and goes on', async () => {
    const result = await shipcheck(env, [
      '/deploy frobnicate',
      '/deploy skip 1.2',
      '/deploy check 9.9',
      '/deploy complete',
      '/deploy skip 1.2 "covered by the change review"',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('unknown command “frobnicate”.\nUsage: /deploy <command>');
    expect(result.stdout).toContain('say why it is skipped.\nUsage: /deploy skip <ref> <reason>');
    expect(result.stdout).toContain('there is no item 9.9 in “Demo deployment”');
    expect(result.stdout).toContain('cannot complete: 9 required items open: 1.2, 1.3, 2.1');
    expect(result.stdout).toMatch(
      /\[-\] 1\.2 On-call engineer knows the deploy is happening {2}skipped by @ana/,
    );
    expect(result.stdout).not.toContain('    at ');
  });

  it.runIf(embedded)('refuses a second process on the same embedded database', async () => {
    const first = launch(env);
    const firstDone = collect(first, () => {});
    // Wait until the first process is serving, then try a second one on the same folder.
    await new Promise<void>((resolve) => {
      first.stdout?.once('data', () => resolve());
      first.stdin?.write('/deploy help\n');
    });
    const second = await shipcheck(env, ['/deploy status']);
    first.stdin?.end();
    await firstDone;
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/another Shipcheck \(pid \d+\) is using the embedded database/);
  });

  it('stops at once with one line naming the variable when the config is wrong, and never echoes it', async () => {
    const result = await shipcheck({ DATABASE_URL: 'mysql://admin:hunter2@db.internal/prod' }, [
      '/deploy status',
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(result.stderr).not.toContain('hunter2');
  });
});

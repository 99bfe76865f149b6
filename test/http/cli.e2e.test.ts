import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freePort } from '../support/builtProduct.js';
import { createTestDatabase, preparePgliteDir, type TestDatabase } from '../support/db.js';

describe('shipcheck start serves the run pages beside the terminal channel', () => {
  let env: Record<string, string>;
  let database: TestDatabase | null = null;
  let dataDir: string | null = null;

  beforeAll(async () => {
    expect(existsSync(CLI), 'dist/cli.js is missing: npm test builds it (or run npm run build)').toBe(true);
    if (process.env.DATABASE_URL) {
      database = await createTestDatabase();
      env = database.env;
    } else {
      dataDir = preparePgliteDir();
      env = { SHIPCHECK_DATA_DIR: dataDir };
    }
  });
  afterAll(async () => {
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the link under the summary, serves it and /health while running, and stops at end of input', async () => {
    const port = await freePort();
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: {
        ...inherited,
        ...env,
        SHIPCHECK_USER: 'ana',
        LOG_LEVEL: '',
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const link = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        // The third link is the status's: by then the tick before it is stored.
        const links = [...stdout.matchAll(/Web page: (\S+)/g)];
        if (links.length >= 3) resolve(links[2]?.[1] as string);
      });
      child.on('close', () => reject(new Error(`exited before printing a link:\n${stdout}\n${stderr}`)));
      child.stdin.write('/deploy start demo v1\n/deploy check 1.1\n/deploy status\n');
    });
    expect(link).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/runs/[a-z0-9]+\\.\\d+\\.[A-Za-z0-9_-]{43}$`),
    );
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/data-ref="1\.1" data-status="done"/);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect([health.status, await health.text()]).toEqual([200, 'ok']);

    child.stdin.end('/deploy abort "the test is over"\n');
    expect(await closed).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('Report · Demo deployment · v1 · ABORTED in');
    // Stopped with the process: nothing listens any more.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});

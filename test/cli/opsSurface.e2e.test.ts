import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freePort } from '../support/builtProduct.js';
import { createTestDatabase, preparePgliteDir, type TestDatabase } from '../support/db.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function shipcheck(args: string[], env: Record<string, string> = {}, input = ''): Promise<Result> {
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...inherited, LOG_LEVEL: '', SHIPCHECK_HTTP: 'off', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

let folder: string;
let dataDir: string | null = null;
let database: TestDatabase | null = null;
/** Where the product keeps its data in these tests: a fresh database on DATABASE_URL's server, or PGlite. */
let storage: Record<string, string>;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'shipcheck-ops-'));
  if (process.env.DATABASE_URL) {
    database = await createTestDatabase();
    storage = database.env;
  } else {
    dataDir = preparePgliteDir();
    storage = { SHIPCHECK_DATA_DIR: dataDir };
  }
  writeFileSync(
    join(folder, 'creds.md'),
    `---
checks:
  db: { item: "1.1", kind: postgres, url: "postgres://nobody:secretpw@db.internal/app", query: "select 1" }
  api: { item: "1.2", kind: http, url: "https://api.internal/health?token=tok-abcdef-123" }
---
# Creds
## Go
- [ ] Database answers
- [ ] API answers
`,
  );
  // A preview far larger than a pipe's buffer, so the write is still going when the reader leaves.
  const items = Array.from({ length: 20_000 }, (_, index) => `- [ ] Step ${index + 1} of a long release`);
  writeFileSync(join(folder, 'long.md'), `# Long\n## Go\n${items.join('\n')}\n`);
});
afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await database?.drop();
});

describe('the operations surface of the CLI', () => {
  it('lint, parse and preview mask check credentials as chat does', async () => {
    const file = join(folder, 'creds.md');
    for (const args of [
      ['lint', file],
      ['parse', file, '--json'],
      ['preview', file, '--platform', 'text'],
    ]) {
      const result = await shipcheck(args);
      expect(result.code, args.join(' ')).toBe(0);
      const output = result.stdout + result.stderr;
      if (args[0] !== 'preview')
        expect(output, args.join(' ')).toContain('postgres://nobody:***@db.internal/app');
      expect(output, args.join(' ')).not.toContain('secretpw');
      expect(output, args.join(' ')).not.toContain('tok-abcdef-123');
    }
  });

  it('exits quietly when the reader closes the pipe early (| head)', async () => {
    const result = await new Promise<Result>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'preview', join(folder, 'long.md'), '--platform', 'text'], {
        env: { ...process.env, LOG_LEVEL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      // Like `head -c 60`: read one chunk, then close our end.
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('a database that cannot be used is one line naming what to fix, with no stack', async () => {
    const port = await freePort();
    const result = await shipcheck(['start'], {
      DATABASE_URL: `postgres://shipcheck:wrong-secret@127.0.0.1:${port}/shipcheck`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `shipcheck: cannot use the database in DATABASE_URL (127.0.0.1:${port}): connection refused by 127.0.0.1:${port}. Fix DATABASE_URL, or start that database.\n`,
    );
  });

  it('serves the terminal channel on loopback unless HOST says otherwise', async () => {
    const port = await freePort();
    const result = await shipcheck(
      ['start'],
      { SHIPCHECK_HTTP: 'on', PORT: String(port), LOG_LEVEL: 'info', ...storage },
      '/deploy list\n',
    );
    expect(result.code).toBe(0);
    const served = result.stderr
      .split('\n')
      .filter((line) => line.includes('serving run pages'))
      .map((line) => JSON.parse(line) as { host: string; port: number });
    expect(served).toEqual([expect.objectContaining({ host: '127.0.0.1', port })]);
  });
});

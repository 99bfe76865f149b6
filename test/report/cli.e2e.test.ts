import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunService } from '../../src/runs/service.js';
import { CLI } from '../support/builtProduct.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { library, type } from './drive.js';

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _ignored, SHIPCHECK_DATA_DIR: _dir, ...inherited } = process.env;
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
    env: { ...inherited, LOG_LEVEL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  });
}

describe('shipcheck report <run-id> --format md|json', () => {
  let database: TestDatabase;
  let runId: string;

  beforeAll(async () => {
    expect(existsSync(CLI), 'dist/cli.js is missing: npm test builds it (or run npm run build)').toBe(true);
    database = await createTestDatabase();
    const runs = new RunService(database.handle.db);
    await type({ runs, library }, [
      '/deploy start web v9 --env production',
      '/deploy check 1.1',
      '/deploy skip 1.2 "support | is <away>"',
      '/deploy set 3.1 720',
      '/deploy abort "database migration failed"',
    ]);
    runId = (await runs.recentRuns('terminal', 'local', 1))[0]?.id as string;
    // The embedded database is one process's at a time: let the CLI have it.
    await database.handle.close();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('writes Markdown for a wiki or a pull request', async () => {
    const result = await run(['report', runId], database.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('# Deployment report: Web deploy v9 (production)');
    expect(result.stdout).toContain('| Outcome | **aborted** |');
    expect(result.stdout).toContain('database migration failed');
    expect(result.stdout).toContain('**1.2** Tell support: support \\| is \\<away\\> · `@');
    expect(result.stdout).toContain('= **720 ms** · ⚠ past target');
  });

  it('writes JSON for tools', async () => {
    const result = await run(['report', runId, '--format', 'json'], database.env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ schema: 'shipcheck.report.v2', runId, outcome: 'aborted', version: 'v9' });
    expect(report.skipped.map((item: { ref: string; detail: string }) => [item.ref, item.detail])).toEqual([
      ['1.2', 'support | is <away>'],
    ]);
  });

  it('says so, with exit code 2, for an unknown run or format', async () => {
    const unknown = await run(['report', 'nosuchrun'], database.env);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, 'shipcheck: there is no run nosuchrun']);
    const format = await run(['report', runId, '--format', 'pdf'], database.env);
    expect([format.code, format.stderr.trim()]).toEqual([
      2,
      'shipcheck: --format takes md or json, not “pdf”',
    ]);
  });
});

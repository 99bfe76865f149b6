import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../fakes/slack/server.js';
import { SlackWorkspace, shownText } from '../../fakes/slack/workspace.js';
import { CLI, freePort } from '../../support/builtProduct.js';
import { createTestDatabase, preparePgliteDir, type TestDatabase } from '../../support/db.js';

import { USERS } from './harness.js';

const SECRET = 'e2e-signing-secret-0123456789abcdef';

/** Resolves with everything written so far once `text` appears on the stream; fails after a bound. */
function waitFor(child: ChildProcess, text: string, log: { text: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never saw “${text}”:\n${log.text}`)), 30_000);
    const check = () => {
      if (!log.text.includes(text)) return;
      clearTimeout(timer);
      child.stderr?.off('data', check);
      resolve();
    };
    child.stderr?.on('data', check);
    check();
  });
}

describe('the built entry point with Slack settings', () => {
  const fake = new FakeSlack();
  let database: TestDatabase | null = null;
  let dataDir: string | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    await fake.start();
    if (process.env.DATABASE_URL) {
      database = await createTestDatabase();
      env = database.env;
    } else {
      dataDir = preparePgliteDir();
      env = { SHIPCHECK_DATA_DIR: dataDir };
    }
  });
  afterAll(async () => {
    await fake.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves Slack over HTTP instead of the terminal, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: {
        ...inherited,
        ...env,
        LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_APP_TOKEN: '',
        SLACK_API_URL: fake.apiUrl,
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = { text: '' };
    child.stderr?.on('data', (chunk) => {
      log.text += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      // One server, one PORT: the run pages' server listens, and Slack's requests come through its router.
      await waitFor(child, 'taking Slack requests from the router', log);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

      const workspace = new SlackWorkspace(fake, {
        kind: 'http',
        url: `http://127.0.0.1:${port}/slack/events`,
        signingSecret: SECRET,
      });
      expect((await workspace.slash(USERS.ana, 'C0E2E', 'start demo v3')).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // The command in hand was finished before the process left.
      expect(shownText(fake.messages('C0E2E')[0])).toContain('*Demo deployment* · v3');
      expect(log.text).toContain('stopping: finishing the interactions in hand');
      expect(log.text).not.toContain(SECRET);
      expect(log.text).not.toContain(fake.botToken);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

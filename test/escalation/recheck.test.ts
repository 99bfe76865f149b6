import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckExecutor } from '../../src/checks/executor.js';
import { escalationHandlers } from '../../src/escalation/escalator.js';
import { EMPTY_DIRECTORY } from '../../src/escalation/oncallFile.js';
import { RunService } from '../../src/runs/service.js';
import { TimerWorker } from '../../src/timers/worker.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const checklist = checklistFrom(`---
variables: { APP_URL: null }
checks:
  health: { item: "1.1", kind: http, url: "\${APP_URL}/health", expect_status: 200, every: 5m, for: 15m }
---
# Release
## 1. Watch (First 30 minutes)
- [ ] Health stays green
- [ ] Dashboards look normal
`);

let database: TestDatabase;
let server: Server;
let status = 200;
let now = new Date('2026-06-01T09:00:00Z');
const at = (minutes: number) => new Date(Date.parse('2026-06-01T09:00:00Z') + minutes * 60_000);

beforeAll(async () => {
  database = await createTestDatabase();
  server = createServer((_request, response) => {
    response.writeHead(status).end(status === 200 ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await database.drop();
});

describe('a check that repeats on a schedule', () => {
  it('runs every 5 minutes for 15 minutes, records each result, and leaves a skipped item alone', async () => {
    expect(checklist.items[0]?.check?.repeat).toEqual({ everyMinutes: 5, forMinutes: 15 });
    const clock = () => now;
    const runs = new RunService(database.handle.db, { clock });
    const port = (server.address() as AddressInfo).port;
    const checks = createCheckExecutor({
      env: { APP_URL: `http://127.0.0.1:${port}` },
      timeoutMs: 10_000,
      allowedHosts: [],
    });
    const worker = new TimerWorker({
      db: database.handle.db,
      handlers: escalationHandlers({ runs, directory: EMPTY_DIRECTORY, notifiers: [], checks }),
      logger: pino({ level: 'silent' }),
      clock,
    });
    const started = await runs.start(
      { checklist, version: 'v9', environment: null, platform: 'test', channelId: 'recheck' },
      '@ana',
      null,
    );
    const runId = started.state?.id as string;
    const key = checklist.items[0]?.key as string;
    const checkRuns = async () => (await runs.events(runId)).filter((event) => event.type === 'check_ran');
    // One pending repetition at a time: each run of the check schedules the next.
    const pendingRechecks = async () =>
      (
        (await database.handle.db.execute(
          sql`select key from timers where run_id = ${runId} and kind = 'recheck' and fired_at is null`,
        )) as unknown as { rows: { key: string }[] }
      ).rows.map((row) => row.key);
    expect(await pendingRechecks()).toEqual([`recheck:${runId}:${key}:1`]);

    now = at(5);
    await worker.runDue();
    expect((await runs.get(runId))?.items[key]).toMatchObject({
      status: 'done',
      actor: '@shipcheck',
      value: '200',
    });

    expect(await pendingRechecks()).toEqual([`recheck:${runId}:${key}:2`]);

    status = 503;
    now = at(10);
    await worker.runDue();
    const failed = await runs.get(runId);
    expect(failed?.items[key]).toMatchObject({
      status: 'failed',
      reason: 'expected status 200, got 503: down',
    });
    expect(failed?.escalation).toMatchObject({ trigger: 'check_failed', status: 'open' });

    now = at(12);
    await runs.apply(
      runId,
      { type: 'skip', ref: '1.1', reason: 'known incident, tracked in INC-42' },
      '@ana',
      null,
    );
    now = at(20);
    await worker.runDue();
    expect((await runs.get(runId))?.items[key]).toMatchObject({ status: 'skipped' });
    expect(await checkRuns()).toHaveLength(2);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalationHandlers } from '../../src/escalation/escalator.js';
import { pagerDutyNotifier } from '../../src/escalation/notify.js';
import { EMPTY_DIRECTORY } from '../../src/escalation/oncallFile.js';
import { RunService } from '../../src/runs/service.js';
import { TimerWorker } from '../../src/timers/worker.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
let server: Server;
const received: { event_action: string; dedup_key: string }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await database.drop();
});

describe('PagerDuty follows the escalation', () => {
  it('triggers on the page, acknowledges on /deploy ack and resolves when the run ends, on one incident', async () => {
    const runs = new RunService(database.handle.db);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`;
    const worker = new TimerWorker({
      db: database.handle.db,
      handlers: escalationHandlers({
        runs,
        directory: EMPTY_DIRECTORY,
        notifiers: [pagerDutyNotifier('R0123456789abcdef', url, pino({ level: 'silent' }))],
      }),
      logger: pino({ level: 'silent' }),
    });
    const checklist = checklistFrom('# Release\n## Go\n- [ ] Ship it\n');
    const started = await runs.start(
      { checklist, version: 'v3', environment: null, platform: 'test', channelId: 'pd' },
      '@ana',
      null,
    );
    const runId = started.state?.id as string;
    await runs.apply(runId, { type: 'escalate', reason: 'error rate 7%', severity: 'P0' }, '@ana', null);
    await worker.runDue();
    await runs.apply(runId, { type: 'ack' }, '@bo', null);
    await worker.runDue();
    await runs.apply(runId, { type: 'abort', reason: 'rolled back by hand' }, '@bo', null);
    await worker.runDue();
    const dedupKey = `shipcheck-${runId}-e2`;
    expect(received.map((event) => [event.event_action, event.dedup_key])).toEqual([
      ['trigger', dedupKey],
      ['acknowledge', dedupKey],
      ['resolve', dedupKey],
    ]);
  });
});

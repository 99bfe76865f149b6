import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EscalationAudit } from '../../src/escalation/audit.js';
import { type Notice, type Notifier, webhookNotifier } from '../../src/escalation/notify.js';
import { createMetrics } from '../../src/metrics.js';
import { RunService } from '../../src/runs/service.js';
import type { RunState } from '../../src/runs/types.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * The escalation audit on a real database, against a webhook receiver and a heartbeat receiver on
 * 127.0.0.1: a lost next page is found and scheduled again, the paging service hears of it, settled
 * jobs past their retention are pruned, and only a clean pass pings the dead-man's switch.
 */

const logger = pino({ level: 'silent' });
let database: TestDatabase;
let server: Server;
let base: string;
const heard: { path: string; body: string }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      heard.push({ path: request.url ?? '', body });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database?.drop();
});

async function rows<T>(statement: ReturnType<typeof sql>): Promise<T[]> {
  return ((await database.handle.db.execute(statement)) as unknown as { rows: T[] }).rows;
}

describe('the escalation audit (figure: open escalations without a next page after the audit = 0)', () => {
  it('schedules a lost page again, tells the paging service, prunes old jobs, and pings only when clean', async () => {
    const runs = new RunService(database.handle.db);
    const started = await runs.start(
      {
        checklist: checklistFrom('# Release\n## Go\n- [ ] Deploy\n', 'audit'),
        version: 'v1',
        environment: null,
        platform: 'test',
        channelId: 'audit',
      },
      '@ana',
      null,
    );
    const runId = (started.state as RunState).id;
    const escalated = await runs.apply(runId, { type: 'escalate', reason: 'the site is down' }, '@ana', null);
    const escalationId = (escalated.state as RunState).escalation?.id as string;
    // The page's job is lost (given up after its retries, say): nothing would page anyone again.
    await database.handle.db.execute(sql`delete from timers where kind = 'escalate'`);
    // A job settled eight days ago, and one settled an hour ago.
    const now = Date.now();
    await database.handle.db.execute(sql`insert into timers (key, kind, payload, due_at, fired_at, created_at) values
      ('old', 'remind', '{}', ${new Date(now - 8 * 86_400_000).toISOString()}, ${new Date(now - 8 * 86_400_000).toISOString()}, now()),
      ('recent', 'remind', '{}', ${new Date(now - 3_600_000).toISOString()}, ${new Date(now - 3_600_000).toISOString()}, now())`);

    const metrics = createMetrics({ activeRuns: async () => 1 });
    const chat: Notifier & { told: Notice[] } = {
      name: 'slack',
      told: [],
      accepts: () => true,
      async send(notice) {
        this.told.push(notice);
        return 'done';
      },
    };
    const audit = new EscalationAudit({
      db: database.handle.db,
      runs,
      notifiers: [chat, webhookNotifier(`${base}/pages`, 'secret', logger)],
      logger,
      metrics,
      heartbeatUrl: `${base}/heartbeat`,
      retentionMs: 7 * 86_400_000,
    });

    const first = await audit.runOnce();
    expect(first).toEqual({ open: 1, repaired: [escalationId], pruned: 1, heartbeat: 'skipped' });
    const [scheduled] = await rows<{ key: string; last_error: string }>(
      sql`select key, last_error from timers where kind = 'escalate' and fired_at is null`,
    );
    expect(scheduled).toEqual({
      key: `escalate:${escalationId}:0:0`,
      last_error: 'scheduled again by the audit',
    });
    expect(heard.map((entry) => entry.path)).toEqual(['/pages']);
    expect(heard[0]?.body).toContain('no next page scheduled');
    // Chat carries the page itself once it fires; the repair notice went to the paging service only.
    expect(chat.told).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('shipcheck_escalation_repairs_total')).toContain(
      'shipcheck_escalation_repairs_total 1',
    );
    expect(
      (await rows<{ key: string }>(sql`select key from timers where fired_at is not null`)).map(
        (row) => row.key,
      ),
    ).toEqual(['recent']);

    const second = await audit.runOnce();
    expect(second).toEqual({ open: 1, repaired: [], pruned: 0, heartbeat: 'sent' });
    expect(heard.map((entry) => entry.path)).toEqual(['/pages', '/heartbeat']);
  });
});

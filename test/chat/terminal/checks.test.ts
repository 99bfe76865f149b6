import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { createCheckExecutor } from '../../../src/checks/executor.js';
import { RunService } from '../../../src/runs/service.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { typeInTerminal } from '../../support/terminal.js';

const CHECKLIST = `---
title: Web release
variables:
  APP_URL: null
checks:
  health: { item: "1.1", kind: http, url: "\${APP_URL}/health", expect_status: 200, json_path: status, equals: ok }
  ready: { item: "1.2", kind: http, url: "\${APP_URL}/ready", expect_status: 200 }
---
# Web release
## 1. Verify (First 10 minutes)
- [ ] Health endpoint answers
- [ ] Ready endpoint answers
- [ ] Smoke tests pass
`;

let database: TestDatabase;
let runs: RunService;
let server: Server;
let ready = 503;

beforeAll(async () => {
  database = await createTestDatabase();
  runs = new RunService(database.handle.db);
  server = createServer((request, response) => {
    if (request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    response.writeHead(request.url === '/ready' ? ready : 404).end('not ready');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await database.drop();
});

function type(lines: string[]): Promise<string> {
  const port = (server.address() as AddressInfo).port;
  const checks = createCheckExecutor({
    env: { APP_URL: `http://127.0.0.1:${port}` },
    timeoutMs: 10_000,
    allowedHosts: [],
  });
  const library = buildLibrary([{ path: 'checklists/web.md', source: CHECKLIST }]);
  return typeInTerminal({ runs, library, checks }, lines);
}

describe('/deploy run-checks in the terminal channel, against a real HTTP server', () => {
  it('ticks what passes, fails what does not with the reason, and opens an escalation for the failure', async () => {
    const printed = await type(['/deploy start web v5', '/deploy run-checks']);
    expect(printed).toContain('Ran 2 checks: 1 passed, 1 failed.\n  1.2: expected status 200, got 503');
    expect(printed).toMatch(/\[x\] 1\.1 Health endpoint answers {2}✓ = ok @shipcheck/);
    expect(printed).toMatch(
      /\[!\] 1\.2 Ready endpoint answers {2}FAILED @shipcheck \d\d:\d\d UTC: expected status 200, got 503/,
    );
    expect(printed).toContain('🚨 P1 escalation: item 1.2 failed: expected status 200, got 503');
  });

  it('runs one item again once it is fixed, and refuses items without a check', async () => {
    ready = 200;
    const printed = await type(['/deploy run-checks 1.2', '/deploy run-checks 1.3', '/deploy run-checks 9']);
    expect(printed).toContain('Ran 1 check: 1 passed, 0 failed.');
    expect(printed).toMatch(/\[x\] 1\.2 Ready endpoint answers {2}✓ = 200 @shipcheck/);
    // Read back from the database: the first run's pass on 1.1 was stored on the item, not only in the log.
    expect(printed).toMatch(/\[x\] 1\.1 Health endpoint answers {2}✓ = ok @shipcheck/);
    expect(printed).toContain('item 1.3 has no automated check.');
    expect(printed).toContain('there is no item or phase 9 in “Web release”.');
    const run = (await runs.recentRuns('terminal', 'local', 1))[0];
    const events = await runs.events(run?.id as string);
    const checkEvents = events.filter((event) => event.type === 'check_ran');
    expect(checkEvents.map((event) => [event.actor, (event.payload as { ok: boolean }).ok])).toEqual([
      ['@shipcheck', true],
      ['@shipcheck', false],
      ['@shipcheck', true],
    ]);
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/builtProduct.js';
import { createTestDatabase, preparePgliteDir, type TestDatabase } from '../support/db.js';

const SECRET = 'link-secret-that-must-stay-home';

let server: Server;
const requests: string[] = [];
let folder: string;
let database: TestDatabase | null = null;
let dataDir: string | null = null;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  folder = mkdtempSync(join(tmpdir(), 'shipcheck-secrets-'));
  // A checklist that tries to carry one of Shipcheck's own secrets to a host it names.
  writeFileSync(
    join(folder, 'leaky.md'),
    `---
checks:
  leak: { item: "1.1", kind: http, url: "http://127.0.0.1:${port}/collect?token=\${SHIPCHECK_LINK_SECRET}" }
  fine: { item: "1.2", kind: http, url: "http://127.0.0.1:${port}/health" }
  own-db: { item: "1.3", kind: postgres, url: "\${DATABASE_URL}", query: "select value from settings" }
  own-db-by-var: { item: "1.4", kind: postgres, url: "\${BORROWED_DB}", query: "select value from settings" }
---
# Leaky
## Go
- [ ] Looks harmless
- [ ] Health answers
- [ ] Database answers
- [ ] Database answers again
`,
  );
  if (process.env.DATABASE_URL) database = await createTestDatabase();
  else dataDir = preparePgliteDir();
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  rmSync(folder, { recursive: true, force: true });
});

describe("Shipcheck's own secrets never reach a check", () => {
  it(`treats them as unset in check targets, and never prints them${process.env.DATABASE_URL ? ', nor lets a check into its database' : ' (its own database is refused only with DATABASE_URL set)'}`, async () => {
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: {
        ...inherited,
        ...(database ? database.env : { SHIPCHECK_DATA_DIR: dataDir as string }),
        SHIPCHECK_CHECKLISTS_DIR: folder,
        SHIPCHECK_HTTP: 'off',
        SHIPCHECK_LINK_SECRET: SECRET,
        // An operator who hands a checklist Shipcheck's own database URL as a check variable.
        SHIPCHECK_VAR_BORROWED_DB: database
          ? database.env.DATABASE_URL
          : 'postgres://shipcheck@127.0.0.1:1/none',
        SHIPCHECK_USER: 'ana',
        LOG_LEVEL: '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdin.end('/deploy start leaky v1\n/deploy run-checks\n');
    await closed;
    expect(output).toContain('1.1: SHIPCHECK_LINK_SECRET is not set');
    expect(output).toContain('1.3: DATABASE_URL is not set');
    if (database) expect(output).toContain("1.4: refused: that is Shipcheck's own database");
    expect(output).toContain('Ran 4 checks: 1 passed, 3 failed.');
    expect(requests).toEqual(['/health']);
    expect(output).not.toContain(SECRET);
  });
});

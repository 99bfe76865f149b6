import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { readOncallFile } from '../../../src/escalation/oncallFile.js';
import { RunService } from '../../../src/runs/service.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { typeInTerminal } from '../../support/terminal.js';

const CHECKLIST = `---
title: API release
roles:
  rollback: [engineering-lead]
---
# API release
## Phase 1: Verify (First 30 minutes)
- [ ] p95 latency: ___ ms (target: <500ms)
- [ ] Smoke tests pass
- [ ] **Decision**: ☐ Keep ☐ Rollback
## Phase 2: Sign-Off
- [ ] Engineering Lead: ________ Date: ______
`;

const ONCALL = `people:
  ana:
    name: Ana Ruiz
    slack: U01ANA0001
  bo:
    name: Bo Chen
roles:
  engineering-lead: [ana]
  on-call-engineer: [bo]
`;

let database: TestDatabase;
let runs: RunService;
const library = buildLibrary([{ path: 'checklists/api-release.md', source: CHECKLIST }]);
const oncall = readOncallFile(ONCALL);

beforeAll(async () => {
  database = await createTestDatabase();
  runs = new RunService(database.handle.db);
});
afterAll(async () => {
  await database.drop();
});

function typeAs(user: string, lines: string[]): Promise<string> {
  return typeInTerminal({ runs, library, directory: oncall.directory ?? undefined }, lines, user);
}

describe('roles from oncall.yaml in the terminal channel', () => {
  it('reads the directory', () => {
    expect(oncall.problems).toEqual([]);
    expect(oncall.directory?.rolesOf('terminal', 'ana')).toEqual(['engineering-lead']);
    expect(oncall.directory?.rolesOf('slack', 'U01ANA0001')).toEqual(['engineering-lead']);
    expect(oncall.directory?.rolesOf('terminal', 'stranger')).toEqual([]);
  });

  it('records values and decisions, refuses the wrong signer, and lets the lead sign and complete', async () => {
    const bo = await typeAs('bo', [
      '/deploy start api-release v7',
      '/deploy set 1.1 640',
      '/deploy check 1.3',
      '/deploy decide 1.3 keep',
      '/deploy signoff 2.1',
      '/deploy rollback p95 too high',
    ]);
    expect(bo).toMatch(
      /\[x\] 1\.1 p95 latency: ___ ms \(target: <500ms\) {2}✓ = 640 ms @bo \d\d:\d\d UTC {2}⚠ past target: p95 latency 640 ms \(target <500ms\)/,
    );
    expect(bo).toContain('item 1.3 is a decision: /deploy decide 1.3 <Keep|Rollback>.');
    expect(bo).toMatch(/\[x\] 1\.3 Decision: ☐ Keep ☐ Rollback {2}✓ = Keep @bo/);
    expect(bo).toContain(
      'only someone with the role engineering-lead may sign it, and @bo does not have it.',
    );
    expect(bo).toContain('only engineering-lead may roll back this run, and @bo has neither role.');
    expect(bo).toContain('[ ] 2.1 Engineering Lead: ________ Date: ______  → /deploy signoff 2.1');

    const ana = await typeAs('ana', ['/deploy signoff 2.1', '/deploy check 1.2', '/deploy complete']);
    expect(ana).toMatch(/\[x\] 2\.1 Engineering Lead: ________ Date: ______ {2}✓ signed @ana/);
    expect(ana).toContain('COMPLETED');
  });

  it('rejects an oncall.yaml whose roles name someone unknown, at that line', () => {
    const broken = readOncallFile('people:\n  ana:\n    name: Ana\nroles:\n  engineering-lead: [ana, zed]\n');
    expect(broken.directory).toBeNull();
    expect(broken.problems).toEqual([
      { line: 5, message: 'roles.engineering-lead names “zed”, who is not under people' },
    ]);
  });
});

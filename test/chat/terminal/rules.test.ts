import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { readOncallFile } from '../../../src/escalation/oncallFile.js';
import { chatReport } from '../../../src/report/chat.js';
import { RunService } from '../../../src/runs/service.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { typeInTerminal } from '../../support/terminal.js';

/** The run's rules as a release manager meets them in the terminal channel, one rule per test. */

const CHECKLIST = `---
title: Rules
---
# Rules

## 1. Deploy
- [ ] Release notes ready
- [ ] Database ready
  - [ ] Backup taken
  - [ ] Migrations applied
- [ ] Health endpoint green

## 2. Verify
- [ ] **Decision**: ☐ Yes ☐ No ☐ N/A
- [ ] Engineering Lead: ________ Date: ______

## Rollback Criteria
- [ ] Error rate > 10% for 5 minutes
- [ ] Data corruption detected
`;

const ONCALL = `people:
  ana:
    name: Ana Ruiz
  bo:
    name: Bo Chen
roles:
  engineering-lead: [ana]
`;

let database: TestDatabase;
let runs: RunService;
const library = buildLibrary([{ path: 'checklists/rules.md', source: CHECKLIST }]);
const directory = readOncallFile(ONCALL).directory ?? undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  runs = new RunService(database.handle.db);
});
afterAll(async () => {
  await database.drop();
});

const type = (user: string, lines: string[], withDirectory = true) =>
  typeInTerminal({ runs, library, ...(withDirectory ? { directory } : {}) }, lines, user);

async function activeRun() {
  const run = await runs.activeRun('terminal', 'local');
  if (!run) throw new Error('no active run');
  return run;
}

async function abortActive(): Promise<void> {
  await type('ana', ['/deploy abort test over']);
}

describe('a run’s rules in the terminal channel', () => {
  it('raises an open escalation for a worse trigger and records a lesser one, answering both', async () => {
    const printed = await type('bo', [
      '/deploy start rules v1',
      '/deploy fail 1.1 notes missing',
      '/deploy escalate P0 site is down for all EU users',
      '/deploy escalate P2 also slow in the US',
    ]);
    expect(printed).toContain('The open escalation is raised from P1 to P0');
    expect(printed).toContain('Recorded on the open escalation (P2): “also slow in the US”');
    expect(printed).not.toContain('(no change: that was already done)');
    const run = await activeRun();
    expect(run.escalation).toMatchObject({ severity: 'P0', status: 'open', raises: 1, step: 0 });
    const report = await chatReport({ runs }, run);
    expect(report).toContain('raised from P1 by @bo: site is down for all EU users');
    await abortActive();
  });

  it('a rollback criterion ticked while a P1 is open raises it to P0', async () => {
    const printed = await type('bo', [
      '/deploy start rules v2',
      '/deploy fail 1.1 notes missing',
      '/deploy check 3.1',
    ]);
    expect(printed).toContain('raised from P1 to P0');
    expect((await activeRun()).escalation?.severity).toBe('P0');
    await abortActive();
  });

  it('ticking a parent ticks only its open children; a failed child keeps it open and is named', async () => {
    const printed = await type('bo', [
      '/deploy start rules v3',
      '/deploy fail 1.2.1 backup job crashed',
      '/deploy check 1.2',
      '/deploy check 1.2',
    ]);
    expect(printed).toMatch(/\[x\] 1\.2\.2 Migrations applied/);
    expect(printed).toContain('item 1.2 cannot be done while 1.2.1 is failed (“backup job crashed”)');
    const run = await activeRun();
    const status = (ref: string) =>
      run.items[run.checklist.items.find((item) => item.ref === ref)?.key ?? '']?.status;
    expect([status('1.2'), status('1.2.1'), status('1.2.2')]).toEqual(['open', 'failed', 'done']);
    await abortActive();
  });

  it('a sign-off is skipped, marked N/A or reopened only by a holder of its role', async () => {
    const bo = await type('bo', [
      '/deploy start rules v4',
      '/deploy skip 2.2 lead is away',
      '/deploy na 2.2',
    ]);
    expect(bo).toContain(
      'item 2.2 is the Engineering Lead sign-off: only someone with the role engineering-lead may skip it',
    );
    expect(bo).toContain('may mark N/A it');
    const ana = await type('ana', ['/deploy signoff 2.2']);
    expect(ana).toMatch(/\[x\] 2\.2 Engineering Lead: ________ Date: ______ {2}✓ signed @ana/);
    const undo = await type('bo', ['/deploy undo 2.2']);
    expect(undo).toContain(
      'only someone with the role engineering-lead may reopen it, and @bo does not have it',
    );
    const run = await activeRun();
    const signoff = run.checklist.items.find((item) => item.ref === '2.2');
    expect(run.items[signoff?.key ?? '']).toMatchObject({ status: 'done', actor: '@ana' });
    // The holder may reopen it; the withdrawal is said, not left to be noticed.
    const withdrawn = await type('ana', ['/deploy undo 2.2']);
    expect(withdrawn).toContain(
      'The Engineering Lead sign-off (2.2) by @ana is withdrawn: it no longer counts',
    );
    await abortActive();
  });

  it('the report lists rollback criteria that did not happen as not triggered, not as follow-ups', async () => {
    await type('ana', [
      '/deploy start rules v5',
      '/deploy check 1.1 1.2 1.3',
      '/deploy decide 2.1 yes',
      '/deploy signoff 2.2',
      '/deploy complete',
    ]);
    const [latest] = await runs.recentRuns('terminal', 'local', 1);
    const run = await runs.get(latest?.id ?? '');
    if (!run) throw new Error('no run');
    expect(run.status).toBe('completed');
    const report = await chatReport({ runs }, run);
    expect(report).toContain('Follow-ups: none');
    expect(report).not.toContain('3.1');
  });

  it('bounds what it keeps and what it echoes: a 105 KB reason and a 100 KB unknown command', async () => {
    const huge = 'x'.repeat(105_000);
    const printed = await type('bo', ['/deploy start rules v6', `/deploy skip 1.1 ${huge.slice(0, 7_000)}`]);
    expect(printed).toContain('the reason is 7,000 characters long; the most a run keeps is 2,000');
    const unknown = await type('bo', [`/deploy ${'y'.repeat(7_900)}`]);
    expect(unknown).toContain('unknown command');
    expect(unknown.length).toBeLessThan(4_000);
    const pasted = await type('bo', [`/deploy skip 1.1 ${huge}`]);
    expect(pasted).toContain('that command is 105,009 characters long');
    expect(pasted.length).toBeLessThan(4_000);
    const status = await type('bo', ['/deploy status']);
    expect(Math.max(...status.split('\n').map((line) => line.length))).toBeLessThan(400);
    await abortActive();
  });

  it('refuses an unknown severity with the list, and says which options an ambiguous prefix fits', async () => {
    const printed = await type('bo', [
      '/deploy start rules v7',
      '/deploy escalate P7 foo',
      '/deploy decide 2.1 n',
    ]);
    expect(printed).toContain('there is no severity P7: use P0 (worst), P1, P2 or P3.');
    expect((await activeRun()).escalation).toBeNull();
    expect(printed).toContain('“n” could be No or N/A: type more of the one you mean');
    await abortActive();
  });
});

describe('roles a checklist needs and oncall.yaml lacks', () => {
  const SRE_CHECKLIST = `# Infra change

## 1. Apply
- [ ] Change applied

## 2. Sign-Off
- [ ] DevOps/SRE: ________ Date: ______
- [ ] Engineering Lead: ________ Date: ______
`;
  const sreLibrary = buildLibrary([{ path: 'checklists/infra.md', source: SRE_CHECKLIST }]);
  const typeInfra = (user: string, lines: string[]) =>
    typeInTerminal({ runs, library: sreLibrary, directory }, lines, user);

  it('lint names every undefined role at its line, and the start-up log says the same', async () => {
    const { undefinedRoles } = await import('../../../src/checklist/roleCoverage.js');
    const { roleWarnings } = await import('../../../src/loadOncall.js');
    const checklist = sreLibrary.checklists[0];
    if (!checklist || !directory) throw new Error('fixtures did not load');
    expect(undefinedRoles(checklist, new Set(Object.keys(directory.roles)))).toEqual([
      expect.objectContaining({
        line: 7,
        severity: 'warning',
        message: 'sign-off 2.1 “DevOps/SRE” needs the role “devops-sre”, which oncall.yaml does not define',
      }),
    ]);
    expect(roleWarnings([checklist], directory)).toEqual([
      expect.stringMatching(
        /^checklist infra, line 7: sign-off 2\.1 “DevOps\/SRE” needs the role “devops-sre”/,
      ),
    ]);
  });

  it('refuses an unknown role or person with the known ones, and lets anyone give a role nobody holds', async () => {
    const printed = await typeInfra('bo', [
      '/deploy start infra v1',
      '/deploy assign boss @bo',
      '/deploy assign engineering-lead @nobody',
      '/deploy signoff 2.1',
      '/deploy assign devops-sre @bo',
      '/deploy signoff 2.1',
      '/deploy signoff 2.2',
    ]);
    expect(printed).toContain(
      'there is no role “boss” in this run. Known roles: devops-sre, engineering-lead.',
    );
    expect(printed).toContain(
      '@nobody is not in oncall.yaml, so Shipcheck cannot tell who they are. People there: Ana Ruiz, Bo Chen.',
    );
    expect(printed).toContain('oncall.yaml gives devops-sre to nobody.');
    expect(printed).toContain('@bo has the role devops-sre for run');
    expect(printed).toMatch(/\[x\] 2\.1 DevOps\/SRE: ________ Date: ______ {2}✓ signed @bo/);
    // A role the file gives to someone is still theirs to give.
    expect(printed).toContain('In oncall.yaml, Ana Ruiz holds it.');
    await typeInfra('ana', ['/deploy abort test over']);
  });
});

describe('rolling back is a stretch of the run, not its end', () => {
  const RELEASE = `# Release

## 1. Verify
- [ ] Smoke tests pass
- [ ] **Decision**: ☐ Keep ☐ Rollback

## 2. Rollback Procedures (If Needed)

### Rollback Execution
- [ ] Redeploy the previous version
- [ ] Verify the previous version answers
- [ ] Rollback duration: _____ minutes

### Post-Rollback Communication
- [ ] Tell support
`;
  const releaseLibrary = buildLibrary([{ path: 'checklists/release.md', source: RELEASE }]);
  const typeRelease = (user: string, lines: string[]) =>
    typeInTerminal({ runs, library: releaseLibrary }, lines, user);

  it('a run that keeps its deploy completes without touching the rollback steps', async () => {
    const printed = await typeRelease('ana', [
      '/deploy start release v1',
      '/deploy check 1.1',
      '/deploy decide 1.2 keep',
      '/deploy complete',
    ]);
    expect(printed).toContain('COMPLETED');
  });

  it('a Rollback decision turns the run to its rollback steps; it ends as rolled back when they are done', async () => {
    const printed = await typeRelease('ana', [
      '/deploy start release v2',
      '/deploy check 1.1',
      '/deploy decide 1.2 rollback',
      '/deploy complete',
      '/deploy check 2.1',
      '/deploy set 2.3 6',
    ]);
    expect(printed).toContain('⏪ Rolling back since');
    expect(printed).toContain('(@ana: decision 1.2: Rollback) · 3 rollback steps left');
    expect(printed).toMatch(
      /is rolling back: it ends as rolled back by itself once its rollback steps \(2\.1, 2\.2, 2\.4\) are resolved/,
    );
    const run = await activeRun();
    expect(run.rollingBack).toMatchObject({ by: '@ana', reason: 'decision 1.2: Rollback' });
    expect(run.status).toBe('active');

    const end = await typeRelease('bo', ['/deploy check 2.2', '/deploy check 2.4']);
    expect(end).toContain('ROLLED BACK');
    const [latest] = await runs.recentRuns('terminal', 'local', 1);
    const finished = await runs.get(latest?.id ?? '');
    expect(finished?.status).toBe('rolled_back');
    expect(finished?.endedBy).toBe('@bo');
    const report = await chatReport({ runs }, finished as NonNullable<typeof finished>);
    expect(report).toContain('Rollback took');
  });

  it('/deploy rollback starts the same path, measures its duration, and is refused twice', async () => {
    const printed = await typeRelease('ana', [
      '/deploy start release v3',
      '/deploy rollback error rate 12%',
      '/deploy rollback again',
      '/deploy check 2',
    ]);
    expect(printed).toContain('is already rolling back');
    const [latest] = await runs.recentRuns('terminal', 'local', 1);
    const run = await runs.get(latest?.id ?? '');
    if (!run) throw new Error('no run');
    // `check 2` is a phase: until bulk ticks exist it is refused, so tick the steps one by one.
    if (run.status === 'active') await typeRelease('ana', ['/deploy check 2.1 2.2 2.4']);
    const ended = await runs.get(run.id);
    expect(ended?.status).toBe('rolled_back');
    expect(ended?.endReason).toBe('error rate 12%');
    const { buildReport } = await import('../../../src/report/build.js');
    const report = buildReport({
      runId: run.id,
      checklist: run.checklist,
      events: await runs.events(run.id),
      now: new Date(),
    });
    expect(report.rollback?.durationMs).not.toBeNull();
    expect(report.rollback?.startedAt).toBeInstanceOf(Date);
  });
});

describe('times that are not today carry their day', () => {
  const LONG = `---
timezone: UTC
---
# Long watch

## 1. First 15 Minutes
- [ ] Error rate checked

## 2. First 24 Hours
- [ ] Overnight dashboards reviewed

## 3. First Week
- [ ] Weekly review held
`;
  const longLibrary = buildLibrary([{ path: 'checklists/long.md', source: LONG }]);

  it('shows upcoming deadlines with their day, and item times from an earlier day with theirs', async () => {
    const { renderRunText } = await import('../../../src/chat/render/text.js');
    const { viewRun } = await import('../../../src/runs/view.js');
    const startedAt = new Date('2026-12-07T02:02:00Z');
    const service = new RunService(database.handle.db, { clock: () => startedAt });
    await typeInTerminal(
      { runs: service, library: longLibrary },
      ['/deploy start long v1', '/deploy check 1.1'],
      'ana',
    );
    const run = await service.activeRun('terminal', 'local');
    if (!run) throw new Error('no run');
    const render = (now: string) =>
      renderRunText(viewRun(run, new Date(now)))
        .map((part) => part.payload)
        .join('\n');

    const sameDay = render('2026-12-07T02:10:00Z');
    expect(sameDay).toContain('2. First 24 Hours · due Tue 8 Dec 02:02 UTC');
    expect(sameDay).toContain('3. First Week · due Mon 14 Dec 02:02 UTC');
    expect(sameDay).toMatch(/\[x\] 1\.1 Error rate checked {2}✓ @ana 02:02 UTC/);

    const nextDay = render('2026-12-08T09:00:00Z');
    expect(nextDay).toContain('Started by @ana at Mon 7 Dec 02:02 UTC');
    // Due today (the 8th) at 02:02: the clock time alone says it.
    expect(nextDay).toContain('2. First 24 Hours · OVERDUE since 02:02 UTC');
    expect(nextDay).toMatch(/✓ @ana Mon 7 Dec 02:02 UTC/);
    await typeInTerminal({ runs: service, library: longLibrary }, ['/deploy abort test over'], 'ana');
  });
});

describe('bulk ticks: ranges and whole phases', () => {
  const BULK = `# Bulk

## 1. Prepare
- [ ] Tag the release
- [ ] Freeze merges
- [ ] Warm the caches
  - [ ] Edge cache
  - [ ] App cache
- [ ] p95 latency: ___ ms
- [ ] Announce in #deploys

## 2. Sign-Off
- [ ] Engineering Lead: ________ Date: ______
`;
  const bulkLibrary = buildLibrary([{ path: 'checklists/bulk.md', source: BULK }]);
  const typeBulk = (user: string, lines: string[]) =>
    typeInTerminal({ runs, library: bulkLibrary }, lines, user);
  const statuses = async () => {
    const run = await activeRun();
    return Object.fromEntries(run.checklist.items.map((item) => [item.ref, run.items[item.key]?.status]));
  };

  it('a range ticks the siblings between its ends, with their sub-items', async () => {
    await typeBulk('ana', ['/deploy start bulk v1', '/deploy check 1.2-1.3']);
    expect(await statuses()).toMatchObject({
      '1.1': 'open',
      '1.2': 'done',
      '1.3': 'done',
      '1.3.1': 'done',
      '1.3.2': 'done',
      '1.5': 'open',
    });
    const bad = await typeBulk('ana', ['/deploy check 1.3.1-1.5', '/deploy check 1.4-1.2']);
    expect(bad).toContain('1.3.1-1.5 is not a range: both ends must be items of one list');
    expect(bad).toContain('1.4-1.2 is not a range');
    await abortActive();
  });

  it('a phase is ticked only after a confirmation, and only its open plain boxes', async () => {
    const asked = await typeBulk('ana', [
      '/deploy start bulk v2',
      '/deploy fail 1.3.1 cdn purge failed',
      '/deploy check 1',
    ]);
    expect(asked).toContain(
      'this ticks 4 open items of phase 1 “1. Prepare”: 1.1, 1.2, 1.3.2, 1.5. Values, decisions, sign-offs and failed items are left as they are. To go ahead: /deploy check 1 --yes',
    );
    expect(await statuses()).toMatchObject({ '1.1': 'open', '1.2': 'open' });
    await typeBulk('ana', ['/deploy check 1 --yes']);
    expect(await statuses()).toMatchObject({
      '1.1': 'done',
      '1.2': 'done',
      '1.3': 'open',
      '1.3.1': 'failed',
      '1.3.2': 'done',
      '1.4': 'open',
      '1.5': 'done',
      '2.1': 'open',
    });
    const again = await typeBulk('ana', ['/deploy check 1 --yes', '/deploy status --yes']);
    expect(again).toContain('phase 1 “1. Prepare” has no open item you can tick');
    expect(again).toContain('--yes only goes with check, to tick a whole phase.');
    await abortActive();
  });

  it('show <phase> lists the phase’s items and where each stands', async () => {
    const shown = await typeBulk('ana', ['/deploy start bulk v3', '/deploy check 1.1', '/deploy show 1']);
    expect(shown).toContain('Phase 1 1. Prepare · 1/7 resolved');
    expect(shown).toContain('1.1 Tag the release · done by @ana');
    expect(shown).toContain('1.3.1 Edge cache · open');
    expect(shown).toContain('/deploy check 1 ticks its open items (it asks you to confirm first).');
    await abortActive();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../src/checklist/library.js';
import { RunService } from '../../../src/runs/service.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { typeInTerminal } from '../../support/terminal.js';

const DEMO = `---
title: Web deploy
aliases: [web]
---
# Web deploy
## Before
- [ ] Tag the release
- [ ] Tell support
## After
- [ ] Watch errors
`;

const BROKEN = `---
title: a: b
---
# Broken
- [ ] Item
`;

let database: TestDatabase;
let runs: RunService;
const library = buildLibrary([
  { path: 'checklists/web-deploy.md', source: DEMO },
  { path: 'checklists/broken.md', source: BROKEN },
]);

beforeAll(async () => {
  database = await createTestDatabase();
  runs = new RunService(database.handle.db);
});
afterAll(async () => {
  await database.drop();
});

/** Types the lines into the terminal channel as `user` and returns what it printed. */
function type(lines: string[], user = 'ana'): Promise<string> {
  return typeInTerminal({ runs, library }, lines, user);
}

describe('the terminal channel', () => {
  it('lists the checklists, and says which file is broken and where', async () => {
    const printed = await type(['/deploy list']);
    expect(printed).toContain('web-deploy (also: web) · Web deploy · 3 items');
    expect(printed).toMatch(/cannot be used: checklists\/broken\.md:2: front matter is not valid YAML/);
  });

  it('refuses to start a broken or unknown checklist with the reason', async () => {
    const printed = await type(['/deploy start broken', '/deploy start nope']);
    expect(printed).toContain(
      'checklist “broken” cannot run until its file is fixed:\nchecklists/broken.md:2:',
    );
    expect(printed).toContain('there is no checklist “nope”. You can start: web-deploy.');
  });

  it('says there is no run before one starts', async () => {
    expect(await type(['/deploy status'])).toContain(
      'no run is active in this channel. /deploy start <checklist>',
    );
  });

  it('runs a checklist by its alias to the end, with notes, skips and an audit trail', async () => {
    const printed = await type([
      '/deploy start web v3 --env staging',
      'check 1.1',
      '/deploy note 1.2: support is on holiday',
      '/deploy na 1.2',
      '/deploy fail 2.1 error rate 4%',
      '/deploy complete',
      '/deploy check 2.1',
      '/deploy complete',
    ]);
    expect(printed).toContain('━━ Web deploy · v3 · staging ━━ run ');
    expect(printed).toContain('Note added to run');
    expect(printed).toMatch(/\[!\] 2\.1 Watch errors {2}FAILED @ana \d\d:\d\d UTC: error rate 4%/);
    expect(printed).toContain('cannot complete: 1 required item failed: 2.1.');
    expect(printed).toMatch(/COMPLETED · 3\/3 resolved \(100%\)/);
    const finished = (await runs.recentRuns('terminal', 'local', 1))[0];
    expect(finished?.status).toBe('completed');
    const events = await runs.events(finished?.id as string);
    expect(events.map((event) => event.type)).toEqual([
      'run_started',
      'item_checked',
      'note_added',
      'item_na',
      'item_failed',
      'escalation_opened',
      'item_checked',
      'run_completed',
      'escalation_resolved',
    ]);
    expect(events.every((event) => event.actor === '@ana')).toBe(true);
  });

  it('acts on an earlier run named with --id and shows it', async () => {
    const earlier = (await runs.recentRuns('terminal', 'local', 1))[0]?.id as string;
    const printed = await type([`/deploy status --id ${earlier}`, `/deploy undo 1.1 --id ${earlier}`], 'bo');
    expect(printed).toContain(`run ${earlier}`);
    expect(printed).toMatch(
      new RegExp(`run ${earlier} was completed by @ana at \\d\\d:\\d\\d UTC; it cannot change now`),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL_CHANNEL, TERMINAL_PLATFORM } from '../../src/chat/terminal/terminal.js';
import { buildLibrary } from '../../src/checklist/library.js';
import { readChecklist } from '../../src/checklist/parse.js';
import { RunService } from '../../src/runs/service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { typeInTerminal } from '../support/terminal.js';

/**
 * Checklists as people keep them in their repositories, imported as their authors meant them: a GitHub
 * issue template's front matter, boxes typed by hand, boxes the author already ticked.
 */

const ISSUE_TEMPLATE = `---
name: Release checklist
about: Everything to do for a release
title: ''
labels: release
assignees: ''
---

## Before the release
- [ ] Tag the release
- [ x ] Changelog updated
- [X] Version bumped
- [  ] Announce the freeze
- [ ]
  Run the smoke tests
`;

const read = (source: string) => readChecklist(source, { name: 'release', file: 'release.md' });

describe('a GitHub issue template', () => {
  it('imports: its name is the title, the template keys are a warning with their line, not an error', () => {
    const result = read(ISSUE_TEMPLATE);
    expect(result.checklist?.title).toBe('Release checklist');
    const errors = result.problems.filter((problem) => problem.severity === 'error');
    expect(errors).toEqual([]);
    expect(result.problems).toContainEqual({
      line: 2,
      severity: 'warning',
      message:
        'front matter “name”, “about”, “labels”, “assignees”, “title”: a GitHub issue template’s keys, not used by a run; the title is its name, “Release checklist”',
    });
  });

  it('takes a non-empty title when the template has no name, and keeps keys of its own', () => {
    const result = read('---\nabout: x\ntitle: Deploy v\ntimezone: Europe/Berlin\n---\n## A\n- [ ] one\n');
    expect(result.checklist?.title).toBe('Deploy v');
    expect(result.checklist?.timeZone).toBe('Europe/Berlin');
  });

  it('reads a template whose front matter is not valid YAML line by line, and a static site’s keys as notes', () => {
    const broken = read(
      '---\nname: "\\U0001F4E6 Decommission a Hub"\nabout: Remove a hub\ntitle: [Decommission Hub] {{ HUB NAME }}\nlabels: ""\n---\n## A\n- [ ] one\n',
    );
    expect(broken.checklist?.title).toBe('[Decommission Hub] {{ HUB NAME }}');
    expect(broken.problems.map((problem) => problem.severity)).toEqual(['warning', 'warning']);
    expect(broken.problems.map((problem) => problem.message)).toContainEqual(
      expect.stringMatching(/not valid YAML.*read as plain “key: text” lines$/),
    );
    const site = read(
      '---\ntitle: Incident response\nlayout: article\ncategory: ops\n---\n## A\n- [ ] one\n',
    );
    expect(site.checklist?.title).toBe('Incident response');
    expect(site.problems).toEqual([
      {
        line: 3,
        severity: 'warning',
        message: 'front matter “layout”, “category”: a site generator’s keys, not used by a run',
      },
    ]);
  });

  it('is still an error to write an unknown key in a checklist’s own front matter', () => {
    const result = read('---\ntitle: Deploy\ntimezon: UTC\n---\n## A\n- [ ] one\n');
    expect(result.problems.filter((problem) => problem.severity === 'error').map((p) => p.message)).toEqual([
      expect.stringContaining('unknown key “timezon”'),
    ]);
  });
});

describe('boxes as people type them', () => {
  it('reads [ x ], [X], [  ] and a box whose text is on the next line, each as one item', () => {
    const items = read(ISSUE_TEMPLATE).checklist?.items ?? [];
    expect(items.map((item) => [item.text, item.preTicked ?? false])).toEqual([
      ['Tag the release', false],
      ['Changelog updated', true],
      ['Version bumped', true],
      ['Announce the freeze', false],
      ['Run the smoke tests', false],
    ]);
  });

  it('starts a pre-ticked value, decision or sign-off open: a person has to give it', () => {
    const items =
      read('## A\n- [x] p95 latency: ____ ms\n- [x] Engineering Lead: ______ Date: ____\n- [x] Step done\n')
        .checklist?.items ?? [];
    expect(items.map((item) => [item.kind, item.preTicked ?? false])).toEqual([
      ['input', false],
      ['signoff', false],
      ['task', true],
    ]);
  });
});

describe('a run of a checklist with pre-ticked boxes', () => {
  let database: TestDatabase;
  let runs: RunService;
  const library = buildLibrary([{ path: 'checklists/release.md', source: ISSUE_TEMPLATE }]);
  beforeAll(async () => {
    database = await createTestDatabase();
    runs = new RunService(database.handle.db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('starts with them done by the checklist, says so, and records it in the audit trail', async () => {
    const printed = await typeInTerminal({ runs, library }, ['start release v1', 'status']);
    expect(printed).toMatch(/1\.2 Changelog updated .*✓ the checklist/);
    expect(printed).toMatch(/1\.3 Version bumped .*✓ the checklist/);
    expect(printed).toMatch(/2\/5 resolved/);
    const [run] = await runs.recentRuns(TERMINAL_PLATFORM, TERMINAL_CHANNEL, 1);
    const events = await runs.events(run?.id as string);
    expect(events.filter((event) => event.type === 'item_checked')).toEqual([
      expect.objectContaining({ actor: 'the checklist' }),
      expect.objectContaining({ actor: 'the checklist' }),
    ]);
    // The three open ones are what is left: ticking them completes the run.
    const done = await typeInTerminal({ runs, library }, ['check 1.1 1.4 1.5', 'complete']);
    expect(done).toMatch(/completed/i);
  });
});

describe('HTML comments', () => {
  it('are prompts for whoever fills the file in: never notes, never part of an item', () => {
    const checklist = read(
      '## Deploy\n<!-- Describe the rollout here. -->\n\nThe real note.\n\n- [ ] Ship it <!-- the whole thing --> now\n<!-- - [ ] a disabled step -->\n- [ ] Announce\n',
    ).checklist;
    expect(checklist?.items.map((item) => item.text)).toEqual(['Ship it now', 'Announce']);
    const notes = [
      ...(checklist?.notes ?? []),
      ...(checklist?.phases.flatMap((phase) => phase.sections.flatMap((section) => section.notes)) ?? []),
    ];
    expect(notes.join('\n')).toContain('The real note.');
    expect(notes.join('\n')).not.toContain('<!--');
  });
});

describe('optional and conditional steps', () => {
  it('are not required under "Optional:", "If …:", "For … releases:", an Optional heading, or "(if possible)"', () => {
    const checklist = read(
      [
        '## Release',
        '- [ ] Tag it',
        '- [ ] Warm the cache (if possible)',
        '',
        'Optional:',
        '',
        '- [ ] Tweet about it',
        '',
        '**For MAJOR releases:**',
        '',
        '- [ ] Write the migration guide',
        '',
        '- If critical issues occur:',
        '  - [ ] Page the release manager',
        '',
        '### Optional steps',
        '- [ ] Update the wiki',
        '',
      ].join('\n'),
    ).checklist;
    expect(checklist?.items.map((item) => [item.text, item.required])).toEqual([
      ['Tag it', true],
      ['Warm the cache (if possible)', false],
      ['Tweet about it', false],
      ['Write the migration guide', false],
      ['Page the release manager', false],
      ['Update the wiki', false],
    ]);
  });
});

describe('choices written as boxes on one line', () => {
  it('are a decision; a number placeholder [X] is not a choice', () => {
    const items =
      read(
        '## Go-live\n- [ ] Go [ ] No-Go\n- [ ] Decision: [ ] Continue [ ] Rollback\n- [ ] Error rate below [X]%\n',
      ).checklist?.items ?? [];
    expect(items.map((item) => [item.kind, item.decision?.options ?? null])).toEqual([
      ['decision', ['Go', 'No-Go']],
      ['decision', ['Continue', 'Rollback']],
      ['task', null],
    ]);
  });
});

describe('struck-through steps', () => {
  it('are withdrawn: shown as such, never required; a struck word inside a step changes nothing', () => {
    const items =
      read('## A\n- [ ] ~~Old step~~\n- ~~[ ] Withdrawn step~~\n- [ ] Deploy ~~v1~~ v2\n').checklist?.items ??
      [];
    expect(items.map((item) => [item.text, item.required, item.withdrawn ?? false])).toEqual([
      ['Old step (struck out in the checklist)', false, true],
      ['Withdrawn step (struck out in the checklist)', false, true],
      ['Deploy v1 v2', true, false],
    ]);
  });
});

const TABLE_AND_QUOTES = `# Cutover

## Before

| Step | Owner | When |
|---|---|---|
| [ ] Back up the database | Ana | T-1h |
| [x] Freeze merges | Bo | |
| Announcements go out by email | Cy | T-2h |
| [ ] | Smoke test the login page | T+5m |

## During

> - [ ] Quoted step

- [ ] Restart the workers

  \`\`\`bash
  kubectl rollout restart deploy/workers
  \`\`\`

  > Wait until every pod is Ready.
- [ ] Watch the error rate
`;

describe('boxes in tables and quotes, code and quotes under an item', () => {
  it('a table row with a box is an item, its other cells its details; a quoted list is a list', () => {
    const checklist = read(TABLE_AND_QUOTES).checklist;
    expect(
      checklist?.items.map((item) => [item.line, item.text, item.details, item.preTicked ?? false]),
    ).toEqual([
      [7, 'Back up the database', ['Owner: Ana', 'When: T-1h'], false],
      [8, 'Freeze merges', ['Owner: Bo'], true],
      [10, 'Smoke test the login page', ['When: T+5m'], false],
      [14, 'Quoted step', [], false],
      [16, 'Restart the workers', [], false],
      [23, 'Watch the error rate', [], false],
    ]);
    const restart = checklist?.items[4];
    expect(restart?.code).toEqual(['kubectl rollout restart deploy/workers']);
    expect(restart?.quotes).toEqual(['Wait until every pod is Ready.']);
  });

  it('a file whose only boxes are in a table imports', () => {
    const result = read('| | Step |\n|---|---|\n| [ ] | Ship |\n| [ ] | Announce |\n');
    expect(result.checklist?.items.map((item) => item.text)).toEqual(['Ship', 'Announce']);
  });

  it('show prints the command and the quote written under the step', async () => {
    const database = await createTestDatabase();
    try {
      const runs = new RunService(database.handle.db);
      const library = buildLibrary([{ path: 'checklists/cutover.md', source: TABLE_AND_QUOTES }]);
      const printed = await typeInTerminal({ runs, library }, ['start cutover v1', 'show 2.2', 'show 1.1']);
      expect(printed).toContain('  > Wait until every pod is Ready.');
      expect(printed).toContain('  as written in the checklist:\n    kubectl rollout restart deploy/workers');
      expect(printed).toContain('  • Owner: Ana\n  • When: T-1h');
    } finally {
      await database.drop();
    }
  });
});

describe('headings written as bold lines or PHASE lines', () => {
  it('a bold line alone above a list, or a PHASE N line, is a phase; a bold lead-in with a colon is not', () => {
    const checklist = read(
      '# Release\n\n**Before the release**\n\n- [ ] Freeze merges\n- [ ] Tag\n\n**During the release**\n- [ ] Deploy\n\n**If it fails:**\n- [ ] Roll back\n\nPHASE 3: Afterwards\n- [ ] Announce\n\n**Bold prose that heads nothing.**\n\nText.\n',
    ).checklist;
    expect(
      checklist?.phases.map((phase) => [phase.title, phase.sections.flatMap((s) => s.itemKeys).length]),
    ).toEqual([
      ['Before the release', 2],
      ['During the release', 2],
      ['PHASE 3: Afterwards', 1],
    ]);
    const rollBack = checklist?.items.find((item) => item.text === 'Roll back');
    expect(rollBack?.required).toBe(false);
  });
});

describe('emoji shortcodes', () => {
  it('are shown as GitHub shows them; times, ratios and unknown names stay as written', () => {
    const items =
      read(
        '## A\n- [ ] Tests green :white_check_mark:\n- [ ] (:warning: careful) at 10:30:45, ratio a:b:c, :not_an_emoji:\n- [ ] `:rocket:` in code\n',
      ).checklist?.items ?? [];
    expect(items.map((item) => item.text)).toEqual([
      'Tests green ✅',
      '(⚠️ careful) at 10:30:45, ratio a:b:c, :not_an_emoji:',
      '`:rocket:` in code',
    ]);
  });
});

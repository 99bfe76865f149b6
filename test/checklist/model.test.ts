import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSeverity, stepsFromArrowChain } from '../../src/checklist/escalationHints.js';
import { repairMojibake } from '../../src/checklist/mojibake.js';
import { parseChecklist, readChecklist } from '../../src/checklist/parse.js';
import { parseCriterion } from '../../src/checklist/rollback.js';
import { readCadences, readTimeWindow } from '../../src/checklist/timeWindow.js';
import type { Checklist, ChecklistItem } from '../../src/checklist/types.js';
import { checklistFrom, SEED_FILES, SEEDS_DIR, SEEDS_PRESENT } from '../support/checklists.js';
import { itWithSeeds } from '../support/seeds.js';

type SeedFile = (typeof SEED_FILES)[number];

const S000 = '000_9a2bf36146cdfb09.txt';
const S001 = '001_ace487689436cbad.txt';
const S002 = '002_12b12a7f77bbfa89.txt';
const S003 = '003_8b026e154c1aa401.txt';
const S004 = '004_d4a68ed5b284ad4b.txt';

const sources = new Map<SeedFile, string>(
  SEEDS_PRESENT ? SEED_FILES.map((file) => [file, readFileSync(`${SEEDS_DIR}${file}`, 'utf8')]) : [],
);
function sourceOf(file: SeedFile): string {
  const source = sources.get(file);
  if (source === undefined) throw new Error(`seed ${file} not loaded`);
  return source;
}

function parse(source: string, name = 'seed'): Checklist {
  return parseChecklist(source, { name, file: `${name}.md` });
}

const parsed = new Map<SeedFile, Checklist>();
function seed(file: SeedFile): Checklist {
  let checklist = parsed.get(file);
  if (!checklist) {
    checklist = parse(sourceOf(file), file.replace(/\.txt$/, ''));
    parsed.set(file, checklist);
  }
  return checklist;
}

function at(checklist: Checklist, line: number): ChecklistItem {
  const item = checklist.items.find((candidate) => candidate.line === line);
  if (!item) throw new Error(`${checklist.name} has no item at line ${line}`);
  return item;
}

function windowOf(window: { startMinutes: number; endMinutes: number } | null): [number, number] | null {
  return window ? [window.startMinutes, window.endMinutes] : null;
}

/** 1-based lines inside ``` fences, fence lines included. A fence closes on ``` alone, as CommonMark says. */
function fencedLines(lines: string[]): Set<number> {
  const fenced = new Set<number>();
  let inside = false;
  lines.forEach((line, index) => {
    const fence = inside ? /^\s*```\s*$/.test(line) : /^\s*```/.test(line);
    if (fence || inside) fenced.add(index + 1);
    if (fence) inside = !inside;
  });
  return fenced;
}

/** `text => key` for every item, sorted: what must not move when unrelated parts of the file change. */
function keyPairs(checklist: Checklist, skip: (item: ChecklistItem) => boolean = () => false): string[] {
  return checklist.items
    .filter((item) => !skip(item))
    .map((item) => `${item.text} => ${item.key}`)
    .sort();
}

describe('time windows', () => {
  itWithSeeds('seed 000: "First N Minutes/Hour/Hours/Week" phases run from the start to N', () => {
    expect(seed(S000).phases.map((phase) => [phase.ref, windowOf(phase.window)])).toEqual([
      ['1', [0, 5]],
      ['2', [0, 15]],
      ['3', [0, 30]],
      ['4', [0, 60]],
      ['5', [0, 60]],
      ['6', [0, 120]],
      ['7', [0, 240]],
      ['8', null],
      ['9', null],
      ['10', [0, 1440]],
      ['11', [0, 10080]],
      ['12', null],
    ]);
    expect(seed(S000).phases[0]?.window?.text).toBe('First 5 Minutes');
  });

  itWithSeeds(
    'seed 002: "before" windows are negative, "0 minute - go live" is the start, ranges are ranges',
    () => {
      expect(seed(S002).phases.map((phase) => [phase.ref, phase.window])).toEqual([
        ['0', { text: '2-3 days before', startMinutes: -4320, endMinutes: -2880 }],
        ['1', { text: '1 hour before', startMinutes: -60, endMinutes: -60 }],
        ['2', { text: '0 minute', startMinutes: 0, endMinutes: 0 }],
        ['3', { text: 'First hour', startMinutes: 0, endMinutes: 60 }],
        ['4', { text: '1 hour - 24 hours', startMinutes: 60, endMinutes: 1440 }],
        ['5', null],
        ['6', { text: '24 hours after', startMinutes: 1440, endMinutes: 1440 }],
      ]);
    },
  );

  itWithSeeds('seed 002: sections carry their own windows', () => {
    const sections = seed(S002).phases.flatMap((phase) => phase.sections);
    const windowAt = (line: number) =>
      windowOf(sections.find((section) => section.line === line)?.window ?? null);
    expect(windowAt(94)).toEqual([0, 2]); // Immediate Post-Deployment Checks (First 2 minutes)
    expect(windowAt(102)).toEqual([0, 5]); // Smoke Testing (First 5 minutes)
    expect(windowAt(109)).toEqual([0, 15]); // Feature Validation (First 15 minutes)
    expect(windowAt(170)).toEqual([0, 480]); // Hourly Checks (First 8 hours)
    expect(windowAt(191)).toEqual([480, 480]); // Rollback Decision Point (8 hours post-deployment)
    expect(windowAt(11)).toBeNull(); // Team Preparation
  });

  itWithSeeds('seed 003: "0-15 minutes", "15 minutes - 2 hours" and "2-24 hours" sections', () => {
    const sections = seed(S003).phases.find(
      (phase) => phase.title === 'POST-DEPLOYMENT VALIDATION',
    )?.sections;
    expect(sections?.map((section) => windowOf(section.window))).toEqual([
      [0, 15],
      [15, 120],
      [120, 1440],
    ]);
  });

  it('readTimeWindow reads the forms people write', () => {
    const cases: [string, [number, number] | null][] = [
      ['Smoke Tests (First 15 Minutes)', [0, 15]],
      ['First hour', [0, 60]],
      ['First Week', [0, 10080]],
      ['1 hour before', [-60, -60]],
      ['2-3 days before', [-4320, -2880]],
      ['30 minutes before go-live', [-30, -30]],
      ['1 hour - 24 hours', [60, 1440]],
      ['0-15 minutes', [0, 15]],
      ['8 hours post-deployment', [480, 480]],
      ['24 hours after', [1440, 1440]],
      ['Deployment (0 minute - go live)', [0, 0]],
      ['Day 1', [0, 1440]],
      ['Day 2', [1440, 2880]],
      ['Week 2-4', [10080, 40320]],
      ['Every 6 hours for 24 hours', [0, 1440]],
      ['Documentation Updates', null],
      ['Phase 3: Service Startup', null],
      // Go-live relative forms: T-minus and T-plus, release-day offsets, "within", plural days.
      ['T-4 Hours', [-240, -240]],
      ['End of Day (T+8 Hours)', [480, 480]],
      ['Deployment (T-60 minutes)', [-60, -60]],
      ['Go-Live (T-0)', [0, 0]],
      ['T+5 minutes', [5, 5]],
      ['Within 2 hours', [0, 120]],
      ['Day -1', [-1440, 0]],
      ['D-2', [-2880, -1440]],
      ['D+1', [1440, 2880]],
      ['Days 1-7', [0, 10080]],
      ['TLS setup', null],
      ['Step 2-4 done', null],
      ['GPT-0 rollout', null],
    ];
    for (const [title, expected] of cases) expect(windowOf(readTimeWindow(title)), title).toEqual(expected);
  });
});

describe('reminders', () => {
  itWithSeeds(
    'seed 002: "Every 5 minutes for first 30 minutes, then every 15 minutes" and "Every 6 hours for 24 hours"',
    () => {
      // Distinct reminders only: the first cadence is repeated once per sub-section (reported as a bug).
      const distinct = [
        ...new Map(seed(S002).reminders.map((reminder) => [JSON.stringify(reminder), reminder])).values(),
      ];
      expect(distinct).toEqual([
        { phaseRef: '3', everyMinutes: 5, forMinutes: 30, text: 'Every 5 minutes for first 30 minutes' },
        { phaseRef: '3', everyMinutes: 15, forMinutes: null, text: 'every 15 minutes' },
        { phaseRef: '4', everyMinutes: 360, forMinutes: 1440, text: 'Every 6 hours for 24 hours' },
      ]);
    },
  );

  it('readCadences reads each cadence in order', () => {
    expect(readCadences('Every 5 minutes for first 30 minutes, then every 15 minutes')).toEqual([
      { everyMinutes: 5, forMinutes: 30, text: 'Every 5 minutes for first 30 minutes' },
      { everyMinutes: 15, forMinutes: null, text: 'every 15 minutes' },
    ]);
    expect(readCadences('every hour for the first 8 hours')).toEqual([
      { everyMinutes: 60, forMinutes: 480, text: 'every hour for the first 8 hours' },
    ]);
    expect(readCadences('Hourly Checks (First 8 hours)')).toEqual([]);
  });

  it('front matter reminders are added with their phase, period, duration and text', () => {
    const checklist = parse(
      '---\nreminders:\n  - every: 5m\n    for: 1h\n    phase: 2\n    text: look at the graphs\n  - every: 90s\n---\n# T\n\n## 1. A\n- [ ] a\n\n## 2. B\n- [ ] b\n',
    );
    expect(checklist.reminders).toEqual([
      { phaseRef: '2', everyMinutes: 5, forMinutes: 60, text: 'look at the graphs' },
      { phaseRef: null, everyMinutes: 1.5, forMinutes: null, text: 'every 1.5 minutes' },
    ]);
  });
});

describe('rollback criteria', () => {
  itWithSeeds('seed 000: the six boxes under "Rollback Criteria" with their thresholds and durations', () => {
    const checklist = seed(S000);
    const criteria = checklist.rollbackCriteria;
    expect(criteria.map((criterion) => [criterion.line, criterion.text])).toEqual([
      [244, 'Critical security vulnerability discovered'],
      [245, '> 5% error rate sustained for > 15 minutes'],
      [246, 'WebSocket server crashes repeatedly'],
      [247, 'Redis connection failures causing service degradation'],
      [248, 'Data integrity issues detected'],
      [249, 'Performance degradation > 50% from baseline'],
    ]);
    expect(criteria[1]).toEqual({
      text: '> 5% error rate sustained for > 15 minutes',
      line: 245,
      itemKey: at(checklist, 245).key,
      metric: 'error rate',
      threshold: { op: '>', value: 5, unit: '%', text: '> 5%' },
      forMinutes: 15,
    });
    expect(criteria[5]).toMatchObject({
      metric: 'Performance degradation',
      threshold: { op: '>', value: 50, unit: '%' },
      forMinutes: null,
    });
    expect(criteria[0]).toMatchObject({ metric: null, threshold: null, forMinutes: null });
  });

  itWithSeeds(
    'seed 000: criteria boxes are not required; the rollback execution boxes are, once it rolls back',
    () => {
      const checklist = seed(S000);
      for (const line of [244, 245, 246, 247, 248, 249]) {
        expect(at(checklist, line).required, `line ${line}`).toBe(false);
        expect(at(checklist, line).rollbackStep, `line ${line}`).toBeUndefined();
      }
      for (const line of [252, 253, 255, 256]) {
        expect(at(checklist, line).required, `line ${line}`).toBe(false);
        expect(at(checklist, line).rollbackStep, `line ${line}`).toEqual({ required: true });
      }
      // The blank for the rollback's duration records a value; it never holds the rollback up.
      expect(at(checklist, 254).rollbackStep).toEqual({ required: false });
    },
  );

  itWithSeeds('seed 003: plain bullets after "Execute rollback if ANY…" are criteria with no item', () => {
    expect(seed(S003).rollbackCriteria).toEqual([
      {
        text: 'Response time > 500ms consistently for 5 minutes',
        line: 253,
        itemKey: null,
        metric: 'Response time',
        threshold: { op: '>', value: 500, unit: 'ms', text: '> 500ms' },
        forMinutes: 5,
      },
      {
        text: 'Error rate > 5% for 2 minutes',
        line: 254,
        itemKey: null,
        metric: 'Error rate',
        threshold: { op: '>', value: 5, unit: '%', text: '> 5%' },
        forMinutes: 2,
      },
      {
        text: 'Critical functionality broken',
        line: 255,
        itemKey: null,
        metric: null,
        threshold: null,
        forMinutes: null,
      },
      {
        text: 'Security vulnerability discovered',
        line: 256,
        itemKey: null,
        metric: null,
        threshold: null,
        forMinutes: null,
      },
      {
        text: 'Business stakeholder request',
        line: 257,
        itemKey: null,
        metric: null,
        threshold: null,
        forMinutes: null,
      },
    ]);
  });

  itWithSeeds(
    'seed 001: the boxes under "Rollback Triggers" are criteria, the "Rollback Steps" are not',
    () => {
      const checklist = seed(S001);
      expect(
        checklist.rollbackCriteria.map((criterion) => [criterion.line, criterion.threshold?.text ?? null]),
      ).toEqual([
        [215, '> 10%'],
        [216, '< 90%'],
        [217, null],
        [218, '> 50%'],
        [219, null],
      ]);
      expect(at(checklist, 222)).toMatchObject({ required: false, rollbackStep: { required: true } });
      // "Prepare for Rollback" is done before going live: required as the author wrote it.
      expect(at(checklist, 208)).toMatchObject({ required: true });
      expect(at(checklist, 208).rollbackStep).toBeUndefined();
    },
  );

  itWithSeeds('seeds 002 and 004 state no rollback criteria list', () => {
    expect(seed(S002).rollbackCriteria).toEqual([]);
    expect(seed(S004).rollbackCriteria).toEqual([]);
  });

  it('parseCriterion reads seconds and hours as minutes, and ≥ as >=', () => {
    expect(parseCriterion('p99 latency > 2s for 30 seconds')).toEqual({
      metric: 'p99 latency',
      threshold: { op: '>', value: 2, unit: 's', text: '> 2s' },
      forMinutes: 0.5,
    });
    expect(parseCriterion('Queue depth ≥ 1000 for more than 2 hours')).toMatchObject({
      threshold: { op: '>=', value: 1000, unit: null },
      forMinutes: 120,
    });
    expect(parseCriterion('Data corruption detected')).toEqual({
      metric: null,
      threshold: null,
      forMinutes: null,
    });
  });

  it('a box list under a "roll back if" lead-in anywhere is a list of criteria', () => {
    const checklist = checklistFrom(
      '# R\n\n## 1. Watch\n\nRoll back if:\n\n- [ ] Error rate > 2% for 10 minutes\n- [ ] Checkout fails\n\n## 2. Close\n\n- [ ] Close the ticket\n',
    );
    expect(checklist.rollbackCriteria.map((criterion) => [criterion.line, criterion.forMinutes])).toEqual([
      [7, 10],
      [8, null],
    ]);
    expect(checklist.items.map((item) => item.required)).toEqual([false, false, true]);
  });
});

describe('suggested escalation', () => {
  itWithSeeds('seed 002: the ordered "Escalation Path" list, with the wait on the first step', () => {
    expect(seed(S002).suggestedEscalation).toEqual([
      {
        text: 'On-call engineer attempts fix (first 30 minutes)',
        roleId: 'on-call-engineer',
        waitMinutes: 30,
      },
      { text: 'If unresolved, page engineering lead', roleId: 'engineering-lead', waitMinutes: null },
      { text: 'If unresolved, page VP Engineering', roleId: 'vp-engineering', waitMinutes: null },
      { text: 'Critical issues: all hands on deck', roleId: null, waitMinutes: null },
    ]);
  });

  itWithSeeds('seed 003: the arrow chain, readable once â†’ is repaired to →', () => {
    expect(sourceOf(S003).split('\n')[334]).toContain('Tech Lead â†’ Product Owner');
    expect(seed(S003).suggestedEscalation).toEqual([
      { text: 'Tech Lead', roleId: 'tech-lead', waitMinutes: null },
      { text: 'Product Owner', roleId: 'product-owner', waitMinutes: null },
      { text: 'Business Stakeholder', roleId: 'business-stakeholder', waitMinutes: null },
    ]);
  });

  it('stepsFromArrowChain takes -> too and needs two steps', () => {
    expect(
      stepsFromArrowChain('Escalation: On-call engineer -> Engineering Lead (after 15 minutes) -> CTO'),
    ).toEqual([
      { text: 'On-call engineer', roleId: 'on-call-engineer', waitMinutes: null },
      { text: 'Engineering Lead (after 15 minutes)', roleId: 'engineering-lead', waitMinutes: 15 },
      { text: 'CTO', roleId: 'cto', waitMinutes: null },
    ]);
    expect(stepsFromArrowChain('Escalation path: Tech Lead')).toBeNull();
  });

  itWithSeeds('seeds 000, 001 and 004 describe no escalation path', () => {
    expect(seed(S000).suggestedEscalation).toEqual([]);
    expect(seed(S001).suggestedEscalation).toEqual([]);
    expect(seed(S004).suggestedEscalation).toEqual([]);
  });
});

describe('severity levels', () => {
  itWithSeeds('seed 004: P0–P3 with their response times in minutes and lines', () => {
    expect(seed(S004).severityLevels).toEqual([
      { level: 'P0', label: 'Critical', responseMinutes: 0, line: 726 },
      { level: 'P1', label: 'High', responseMinutes: 60, line: 732 },
      { level: 'P2', label: 'Medium', responseMinutes: 240, line: 737 },
      { level: 'P3', label: 'Low', responseMinutes: 1440, line: 742 },
    ]);
    expect(sourceOf(S004).split('\n')[725]).toBe('**P0 - Critical** (Immediate response required):');
  });

  it('readSeverity reads SEV levels and days', () => {
    expect(readSeverity('SEV-2: Major (response within 2 days)', 9)).toEqual({
      level: 'SEV-2',
      label: 'Major',
      responseMinutes: 2880,
      line: 9,
    });
    expect(readSeverity('P2/P3: Create ticket and schedule fix', 1)).toBeNull();
  });
});

describe('roles', () => {
  itWithSeeds('seed 002: sign-off roles and the roles the escalation path names', () => {
    const roles = seed(S002).roles;
    expect(roles).toEqual(
      expect.arrayContaining([
        { id: 'engineering-lead', label: 'Engineering Lead', line: 260 },
        { id: 'on-call-engineer', label: 'On-Call Engineer', line: 261 },
        { id: 'devops-sre', label: 'DevOps/SRE', line: 262 },
        expect.objectContaining({ id: 'vp-engineering', label: 'VP Engineering' }),
      ]),
    );
    expect(new Set(roles.map((role) => role.id)).size).toBe(roles.length);
  });

  itWithSeeds('seed 003: each sign-off role once, and the escalation roles not already named', () => {
    expect(seed(S003).roles.map((role) => role.id)).toEqual([
      'development-team-lead',
      'qa-team-lead',
      'devops-engineer',
      'security-officer',
      'product-owner',
      'business-stakeholder',
      'project-manager',
      'technical-director',
      'deployment-lead',
      'database-administrator',
      'network-administrator',
      'customer-support-lead',
      'tech-lead',
    ]);
  });

  it('a contact list under a "Contacts" heading names roles', () => {
    const checklist = checklistFrom(
      '# R\n\n## 1. Go\n\n- [ ] Deploy\n\n## Emergency Contacts\n\n- **Deployment Lead**: [Contact Information]\n- **Database Administrator**: dba@acme.io\n',
    );
    expect(checklist.roles).toEqual([
      { id: 'deployment-lead', label: 'Deployment Lead', line: 9 },
      { id: 'database-administrator', label: 'Database Administrator', line: 10 },
    ]);
  });
});

describe('mis-decoded UTF-8', () => {
  itWithSeeds('seed 003: headings read ✅ and 🎉, and no text of the checklist keeps âœ… or ðŸŽ‰', () => {
    expect(sourceOf(S003)).toContain('### Technical Validation âœ…');
    const checklist = seed(S003);
    const titles = checklist.phases.flatMap((phase) => phase.sections.map((section) => section.title));
    expect(titles).toContain('Technical Validation ✅ › Code Quality & Security');
    expect(titles).toContain('Success Celebration 🎉');
    const { source: _raw, ...model } = checklist;
    const everything = JSON.stringify(model);
    expect(everything).not.toContain('âœ');
    expect(everything).not.toContain('ðŸ');
    expect(everything).not.toContain('â†');
    const notes = [
      ...checklist.notes,
      ...checklist.phases.flatMap((phase) => phase.sections.flatMap((s) => s.notes)),
    ];
    expect(notes).toContain('**Deployment Status**: ✅ **READY FOR PRODUCTION**');
    expect(notes.some((note) => note.includes('**Escalation Path**: Tech Lead → Product Owner'))).toBe(true);
    // The hash is of the file as it is, so a run records the bytes it ran.
    expect(checklist.source).toBe(sourceOf(S003));
  });

  it('repairs the usual suspects', () => {
    expect(repairMojibake('âœ… Done')).toBe('✅ Done');
    expect(repairMojibake('ðŸŽ‰ Launch')).toBe('🎉 Launch');
    expect(repairMojibake('A â†’ B')).toBe('A → B');
    expect(repairMojibake('It’s Ã¼ber')).toBe('It’s über');
    expect(repairMojibake('donâ€™t')).toBe('don’t');
  });

  it('leaves correct text unchanged', () => {
    for (const text of [
      'café',
      'Straße',
      'naïve',
      'Zürich – “quoted” … 20 €',
      'Ångström',
      'São Paulo',
      'façade ©2024',
    ]) {
      expect(repairMojibake(text)).toBe(text);
    }
  });

  it('property: any text, mis-decoded as Windows-1252, is repaired to the original', () => {
    const CP1252: Record<number, string> = {
      128: '€',
      130: '‚',
      131: 'ƒ',
      132: '„',
      133: '…',
      134: '†',
      135: '‡',
      136: 'ˆ',
      137: '‰',
      138: 'Š',
      139: '‹',
      140: 'Œ',
      142: 'Ž',
      145: '‘',
      146: '’',
      147: '“',
      148: '”',
      149: '•',
      150: '–',
      151: '—',
      152: '˜',
      153: '™',
      154: 'š',
      155: '›',
      156: 'œ',
      158: 'ž',
      159: 'Ÿ',
    };
    const misDecode = (text: string) =>
      [...Buffer.from(text, 'utf8')].map((byte) => CP1252[byte] ?? String.fromCharCode(byte)).join('');
    fc.assert(
      // Text as checklists hold it: Latin letters, punctuation, arrows, symbols, emoji (not IPA or N'Ko,
      // whose mis-decodings look too much like correct Latin text to be repaired safely).
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }).filter((text) =>
          [...text].every((char) => {
            const code = char.codePointAt(0) ?? 0;
            return code < 0x250 || code >= 0x2000;
          }),
        ),
        (text) => {
          expect(repairMojibake(misDecode(text))).toBe(text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: words of accented Latin letters and punctuation between them are never touched', () => {
    const letters = [
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ',
    ];
    const word = fc
      .array(fc.constantFrom(...letters), { minLength: 1, maxLength: 8 })
      .map((chars) => chars.join(''));
    // Punctuation right after a capital letter is left out: `“CAFÉ”` → `“CAFɔ` (reported as a bug).
    const separator = fc.constantFrom(' ', ', ', ' – ', ' “', ' ” ', ' … ', ' € ', ' © ', '. ', ' — ', ' ’');
    fc.assert(
      fc.property(fc.array(fc.tuple(word, separator), { maxLength: 10 }), (parts) => {
        const text = parts.map(([w, s]) => `${w}${s}`).join('');
        expect(repairMojibake(text)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('key stability when a seed is edited', () => {
  /** Leaf items: deleting their line removes exactly one item. */
  function leaves(checklist: Checklist): ChecklistItem[] {
    return checklist.items.filter((item) => item.childKeys.length === 0);
  }

  itWithSeeds.each(SEED_FILES)('%s: deleting an item keeps every other key', (file) => {
    const before = seed(file);
    const candidates = leaves(before);
    const victim = candidates[Math.floor(candidates.length / 3)] as ChecklistItem;
    const lines = sourceOf(file).split('\n');
    lines.splice(victim.line - 1, 1);
    const after = parse(lines.join('\n'), before.name);
    expect(after.items).toHaveLength(before.items.length - 1);
    expect(after.items.some((item) => item.key === victim.key)).toBe(false);
    expect(keyPairs(after)).toEqual(keyPairs(before, (item) => item.key === victim.key));
  });

  itWithSeeds.each(SEED_FILES)('%s: property: deleting any leaf item keeps every other key', (file) => {
    const before = seed(file);
    const candidates = leaves(before);
    const lines = sourceOf(file).split('\n');
    fc.assert(
      fc.property(fc.nat({ max: candidates.length - 1 }), (index) => {
        const victim = candidates[index] as ChecklistItem;
        const edited = [...lines];
        edited.splice(victim.line - 1, 1);
        const after = parse(edited.join('\n'), before.name);
        expect(keyPairs(after)).toEqual(keyPairs(before, (item) => item.key === victim.key));
      }),
      { numRuns: 15 },
    );
  });

  itWithSeeds.each(SEED_FILES)('%s: property: a note added at any blank line changes no key', (file) => {
    const before = seed(file);
    const lines = sourceOf(file).split('\n');
    const fenced = fencedLines(lines);
    const blanks = lines.flatMap((line, index) =>
      line.trim() === '' && !fenced.has(index + 1) ? [index] : [],
    );
    fc.assert(
      fc.property(fc.constantFrom(...blanks), (index) => {
        const edited = [...lines];
        edited.splice(index, 0, '', 'A note added later: ask #deploys before you start.', '');
        const after = parse(edited.join('\n'), before.name);
        expect(keyPairs(after)).toEqual(keyPairs(before));
      }),
      { numRuns: 15 },
    );
  });

  itWithSeeds('seed 002: renaming one section changes the keys of its items only, and no ref', () => {
    const before = seed(S002);
    const lines = sourceOf(S002).split('\n');
    expect(lines[144]).toBe('### [ ] Log Analysis');
    lines[144] = '### [ ] Log Review';
    const after = parse(lines.join('\n'), before.name);
    const section = before.phases[3]?.sections.find((candidate) => candidate.line === 145);
    const moved = new Set(section?.itemKeys);
    expect(moved.size).toBe(4);
    expect(keyPairs(after, (item) => item.line >= 146 && item.line <= 152)).toEqual(
      keyPairs(before, (item) => moved.has(item.key)),
    );
    const renamed = after.items.filter((item) => item.line >= 146 && item.line <= 152);
    expect(renamed.every((item) => !moved.has(item.key))).toBe(true);
    expect(after.items.map((item) => item.ref)).toEqual(before.items.map((item) => item.ref));
  });

  itWithSeeds('seed 003: rewording one item changes that key only', () => {
    const before = seed(S003);
    const lines = sourceOf(S003).split('\n');
    expect(lines[32]).toBe('  - [ ] Unit tests: >80% coverage');
    lines[32] = '  - [ ] Unit tests: >85% coverage';
    const after = parse(lines.join('\n'), before.name);
    const old = at(before, 33);
    expect(at(after, 33).key).not.toBe(old.key);
    expect(at(after, 33).parentKey).toBe(old.parentKey);
    expect(keyPairs(after, (item) => item.line === 33)).toEqual(keyPairs(before, (item) => item.line === 33));
  });

  itWithSeeds('seed 000: editing the preamble and the command reference changes nothing but the hash', () => {
    const before = seed(S000);
    const source = sourceOf(S000)
      .replace('Validation checklist immediately after', 'Checklist to validate right after')
      .replace('railway logs --tail', 'railway logs --tail --json');
    const after = parse(source, before.name);
    expect(after.hash).not.toBe(before.hash);
    expect(after.items).toEqual(before.items);
    expect(after.phases.map((phase) => phase.key)).toEqual(before.phases.map((phase) => phase.key));
  });

  itWithSeeds('seed 002: lines added inside a code block shift lines below but keep every key', () => {
    const before = seed(S002);
    const lines = sourceOf(S002).split('\n');
    expect(lines[207]).toBe('# 1. Notify team');
    lines.splice(208, 0, 'echo "paged the on-call engineer"', 'echo "opened the incident"');
    const after = parse(lines.join('\n'), before.name);
    expect(keyPairs(after)).toEqual(keyPairs(before));
    for (const item of before.items) {
      const moved = after.items.find((candidate) => candidate.key === item.key);
      expect(moved?.line).toBe(item.line > 208 ? item.line + 2 : item.line);
    }
  });
});

describe('front matter errors point at the line that is wrong', () => {
  const BODY =
    '# Web\n\n## Phase 1: Prepare\n\n- [ ] Tag the release\n- [ ] Engineering Lead: ____ Date: ____\n';

  function problemsOf(frontMatter: string) {
    const result = readChecklist(`---\n${frontMatter}---\n${BODY}`, { name: 'web', file: 'web.md' });
    expect(result.checklist).toBeNull();
    return result.problems;
  }

  it('an unknown key, at its own line, listing the known keys', () => {
    expect(problemsOf('title: Web\naliases: [web]\nowner: me\n')).toEqual([
      {
        line: 4,
        severity: 'error',
        message:
          'front matter owner: unknown key “owner”; known keys are title, aliases, description, timezone, variables, roles, escalation, checks, required, optional, reminders',
      },
    ]);
  });

  it('a value of the wrong type under variables, at that variable', () => {
    const problems = problemsOf('title: Web\nvariables:\n  APP_URL: https://web.acme.io\n  PORT: [1, 2]\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 5, severity: 'error' });
    expect(problems[0]?.message).toMatch(/^front matter variables\.PORT: /);
  });

  it('a variable name that is not UPPER_SNAKE_CASE, at that variable', () => {
    const problems = problemsOf('variables:\n  APP_URL: x\n  app_port: 3000\n');
    expect(problems.map((problem) => [problem.line, problem.message.split(':')[0]])).toEqual([
      [4, 'front matter variables.app_port'],
    ]);
  });

  it('a reminder with a bad duration names the reminder and says how to write one', () => {
    const problems = problemsOf('reminders:\n  - every: 5m\n  - every: soon\n');
    expect(problems).toHaveLength(1);
    // The line is not asserted: it points at `reminders:` (line 2), not at line 4 (reported as a bug).
    expect(problems[0]?.message).toBe(
      'front matter reminders.1.every: write a duration like 30s, 5m, 2h or 1d',
    );
  });

  it('a required ref that does not exist (quoted "9.9"), at required, with a hint', () => {
    expect(problemsOf('title: Web\nrequired:\n  - "1.1"\n  - "9.9"\n')).toEqual([
      {
        line: 3,
        severity: 'error',
        message: 'required names items that do not exist: 9.9',
        hint: 'quote refs like "1.10" so YAML keeps them as text',
      },
    ]);
  });

  it('a sign-off role mapping for no sign-off item, at that mapping, with a hint', () => {
    expect(problemsOf('roles:\n  abort: [engineering-lead]\n  signoff:\n    QA Lead: qa-lead\n')).toEqual([
      {
        line: 5,
        severity: 'error',
        message: 'roles.signoff names “QA Lead”, which is no sign-off item',
        hint: 'use the role as written in the item, or the item ref',
      },
    ]);
  });

  it('a severity that is not P0–P3, at the severity', () => {
    const problems = problemsOf('escalation:\n  policy: default\n  severity: P7\n');
    expect(problems.map((problem) => problem.line)).toEqual([4]);
    expect(problems[0]?.message).toMatch(/^front matter escalation\.severity: /);
  });

  it('front matter that is never closed, at line 1', () => {
    const result = readChecklist(`---\ntitle: Web\n${BODY}`, { name: 'web', file: 'web.md' });
    expect(result.problems).toEqual([
      { line: 1, severity: 'error', message: 'front matter opened with --- is never closed with ---' },
    ]);
  });

  it('front matter that is a list, not keys', () => {
    const problems = problemsOf('- title\n- Web\n');
    expect(problems).toEqual([
      { line: 2, severity: 'error', message: 'front matter must be a mapping of keys (title: …)' },
    ]);
  });

  it('the roles map sign-off labels to role ids and set the permissions', () => {
    const checklist = parse(
      `---\nroles:\n  abort: engineering-lead\n  rollback: [engineering-lead, sre]\n  signoff:\n    Engineering Lead: eng-lead\nescalation:\n  policy: backend\n  severity: P1\n---\n${BODY}`,
    );
    expect(checklist.permissions).toEqual({
      abort: ['engineering-lead'],
      rollback: ['engineering-lead', 'sre'],
    });
    expect(checklist.items[1]?.signoff).toEqual({ role: 'Engineering Lead', roleId: 'eng-lead' });
    expect(checklist.escalation).toEqual({ policy: 'backend', severity: 'P1' });
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests on arbitrary input
// ---------------------------------------------------------------------------------------------

const WORDS = [
  'deploy',
  'Health',
  'endpoint',
  'p95:',
  '___',
  '__%',
  'ms',
  '(target: <500ms)',
  '☐ Yes ☐ No',
  ': Yes / No',
  'Date: ____',
  '`curl -I https://a.acme.io`',
  '`redis-cli PING`',
  '`GET https://your-app.railway.app/health`',
  '**bold**',
  '_em_',
  '[link](https://a.io)',
  'âœ…',
  'café',
  '→',
  '(optional)',
  'rollback',
  'Every 5 minutes',
  'First 15 Minutes',
  '> 5% for 2 minutes',
  'P1 - High (Response within 1 hour)',
  'Escalation: Tech Lead → CTO',
];

const words = fc
  .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 })
  .map((list) => list.join(' '));
const freeText = fc.string({ minLength: 1, maxLength: 30 }).filter((text) => !/[\r\n]/.test(text));
const itemText = fc.oneof(
  words,
  words,
  freeText.map((text) => `x ${text}`),
);

const heading = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.boolean(), words)
  .map(([depth, boxed, text]) => `${'#'.repeat(depth)} ${boxed ? '[ ] ' : ''}${text}`);
const task = fc
  .tuple(fc.constantFrom('', '  '), fc.constantFrom('-', '*', '1.'), fc.constantFrom(' ', 'x'), itemText)
  .map(([indent, marker, mark, text]) => `${indent}${marker} [${mark}] ${text}`);
const bullet = fc.tuple(fc.constantFrom('', '  '), words).map(([indent, text]) => `${indent}- ${text}`);
const fence = fc.constantFrom('```', '```bash');
const blank = fc.constant('');

/** Lines whose structure a CommonMark reader and the README's counting rule agree on. */
const plainLine = fc.oneof(heading, task, task, task, bullet, words, fence, blank, blank);
/** Everything else Markdown files hold. */
const wildLine = fc.oneof(
  plainLine,
  fc.constantFrom(
    '| a | b |',
    '|---|---|',
    '<div>',
    '</div>',
    '> quoted - [ ] box',
    '---',
    '***',
    '    indented code',
  ),
  freeText,
);

const FRONT_MATTER_LINES = [
  'title: Web release',
  'aliases: [web, api]',
  'aliases: [a, b',
  'variables:',
  '  APP_HOST: web.acme.io',
  '  bad_name: x',
  'required: ["1.1"]',
  'required: all',
  'optional: ["9.9"]',
  'checks:',
  '  health:',
  '    item: "1.1"',
  '    kind: http',
  '    url: https://${APP_HOST}/health',
  '    kind: smtp',
  'reminders:',
  '  - every: 5m',
  '    phase: "1"',
  '  - every: soon',
  'roles:',
  '  signoff:',
  '    Engineering Lead: engineering-lead',
  'escalation: {policy: backend, severity: P1}',
  'owner: me',
  '"unterminated',
  '\tx: y',
  ': :',
  'title: !!binary aGVsbG8=',
  'title: &anchor Web',
];
// `*` is kept out of generated YAML: an unresolved alias (`title: *x`) throws (reported as a bug).
const frontMatterLine = fc.oneof(
  fc.constantFrom(...FRONT_MATTER_LINES),
  freeText.map((text) => text.replaceAll('*', '+')),
);
const frontMatter = fc
  .array(frontMatterLine, { maxLength: 8 })
  .map((lines) => `---\n${lines.map((line) => `${line}\n`).join('')}---\n`);

const document = (line: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.option(frontMatter, { nil: '' }), fc.array(line, { maxLength: 40 }))
    .map(([head, lines]) => head + lines.join('\n'));

const OPTIONS = { name: 'generated', file: 'generated.md' };

function assertWellFormed(source: string): void {
  const { checklist, problems } = readChecklist(source, OPTIONS);
  const lineCount = source.split('\n').length;
  for (const problem of problems) {
    expect(problem.message.length).toBeGreaterThan(0);
    expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.line).toBeLessThanOrEqual(lineCount + 1);
  }
  expect(problems.map((problem) => problem.line)).toEqual(
    [...problems.map((problem) => problem.line)].sort((a, b) => a - b),
  );
  if (problems.some((problem) => problem.severity !== 'warning')) {
    expect(checklist).toBeNull();
    return;
  }
  expect(checklist).not.toBeNull();
  if (!checklist) return;
  const keys = checklist.items.map((item) => item.key);
  const refs = checklist.items.map((item) => item.ref);
  expect(new Set(keys).size).toBe(keys.length);
  expect(new Set(refs).size).toBe(refs.length);
  for (const item of checklist.items) {
    expect(item.key).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    expect(item.ref).toMatch(/^\d+(?:\.\d+)+$/);
    expect(item.line).toBeGreaterThanOrEqual(1);
    expect(item.line).toBeLessThanOrEqual(lineCount);
  }
  const sectionKeys = checklist.phases.flatMap((phase) =>
    phase.sections.flatMap((section) => section.itemKeys),
  );
  expect([...sectionKeys].sort()).toEqual([...keys].sort());
}

describe('properties of readChecklist on arbitrary input', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (source) => {
        readChecklist(source, OPTIONS);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (source) => {
        readChecklist(source, OPTIONS);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on Markdown-ish documents, and what it returns is well formed', () => {
    fc.assert(fc.property(document(wildLine), assertWellFormed), { numRuns: 400 });
  });

  it('is deterministic: the same input gives deep-equal output', () => {
    fc.assert(
      fc.property(document(wildLine), (source) => {
        expect(readChecklist(source, OPTIONS)).toEqual(readChecklist(source, OPTIONS));
      }),
      { numRuns: 200 },
    );
  });

  it('finds exactly the task lines outside fences, each at its own line', () => {
    fc.assert(
      fc.property(fc.array(plainLine, { minLength: 1, maxLength: 40 }), (lines) => {
        const source = lines.join('\n');
        const fenced = fencedLines(lines);
        const taskLines = lines.flatMap((line, index) =>
          !fenced.has(index + 1) && /^\s*(?:[-*]|1\.) \[[ x]\] /.test(line) ? [index + 1] : [],
        );
        const { checklist } = readChecklist(source, OPTIONS);
        if (taskLines.length === 0) {
          expect(checklist).toBeNull();
          return;
        }
        expect(checklist?.items.map((item) => item.line)).toEqual(taskLines);
      }),
      { numRuns: 400 },
    );
  });

  it('front matter shifts every line by its length and changes no key', () => {
    fc.assert(
      fc.property(fc.array(plainLine, { minLength: 1, maxLength: 30 }), (lines) => {
        const body = `# Doc\n\n- [ ] first\n${lines.join('\n')}`;
        const plain = readChecklist(body, OPTIONS).checklist;
        const withFrontMatter = readChecklist(
          `---\ntitle: Doc\naliases: [d]\n---\n${body}`,
          OPTIONS,
        ).checklist;
        expect(plain).not.toBeNull();
        expect(withFrontMatter?.items.map((item) => [item.key, item.line - 4])).toEqual(
          plain?.items.map((item) => [item.key, item.line]),
        );
        expect(withFrontMatter?.title).toBe('Doc');
      }),
      { numRuns: 200 },
    );
  });
});

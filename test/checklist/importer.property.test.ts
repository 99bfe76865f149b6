import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readChecklist } from '../../src/checklist/parse.js';

/**
 * Properties of the importer over generated Markdown: it never throws, whatever the bytes, and every
 * box outside code fences and HTML comments (in a list, a quoted list or a table row) becomes exactly
 * one item, in document order, at any depth and with any list marker.
 */
const read = (source: string) => readChecklist(source, { name: 'generated', file: 'generated.md' });

/** Fragments that reach every corner of the grammar: boxes, fences, comments, tables, front matter. */
const FRAGMENTS = [
  '- [ ] ',
  '- [x] ',
  '* [X] ',
  '1. [ ] ',
  '  - [ ] ',
  '    ',
  '\t',
  '[ x ] ',
  '☐ ',
  '☑',
  '```',
  '~~~',
  '<!-- ',
  ' -->',
  '---\n',
  'title: x\n',
  '# ',
  '## ',
  '### ',
  '**',
  '__',
  '~~',
  '`',
  '| a | b |\n',
  '|---|---|\n',
  '> ',
  '___',
  'p95: ',
  '(target: < 5ms)',
  'http://',
  '`curl https://x.io/health`',
  'Optional: ',
  'If ',
  '(0-5 minutes)',
  'Rollback criteria',
  'Sign-off',
  'Name: ____ Date: ____',
  '\n',
  '\n\n',
  '\r\n',
  ' ',
  ':',
  '@',
  '(',
  ')',
  '[',
  ']',
];

const markdownish = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'grapheme', maxLength: 12 })), {
    maxLength: 80,
  })
  .map((parts) => parts.join(''));

const WORDS = [
  'deploy',
  'service',
  'cache',
  'verify',
  'restart',
  'notes',
  'alpha',
  'beta',
  'gateway',
  'queue',
];
const itemText = fc
  .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 })
  .map((words) => words.join(' '));

interface Box {
  text: string;
  ticked: boolean;
  children: Box[];
}

const box: fc.Memo<Box> = fc.memo((depth) =>
  fc.record({
    text: itemText,
    ticked: fc.boolean(),
    children: depth > 1 ? fc.array(box(depth - 1), { maxLength: 3 }) : fc.constant([]),
  }),
);

type Block =
  | { type: 'list'; marker: '-' | '*' | '1.'; boxes: Box[] }
  | { type: 'quote'; boxes: Box[] }
  | { type: 'table'; rows: { text: string; ticked: boolean | null }[] }
  | { type: 'fence'; lines: string[] }
  | { type: 'comment'; lines: string[] }
  | { type: 'paragraph'; text: string }
  | { type: 'heading'; depth: 2 | 3; text: string };

const fakeBoxes = fc.array(
  itemText.map((text) => `- [ ] ${text}`),
  { minLength: 1, maxLength: 3 },
);
const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({
    type: fc.constant('list' as const),
    marker: fc.constantFrom('-' as const, '*' as const, '1.' as const),
    boxes: fc.array(box(3), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ type: fc.constant('quote' as const), boxes: fc.array(box(2), { minLength: 1, maxLength: 3 }) }),
  fc.record({
    type: fc.constant('table' as const),
    rows: fc.array(fc.record({ text: itemText, ticked: fc.constantFrom(true, false, null) }), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
  fc.record({ type: fc.constant('fence' as const), lines: fakeBoxes }),
  fc.record({ type: fc.constant('comment' as const), lines: fakeBoxes }),
  fc.record({ type: fc.constant('paragraph' as const), text: itemText }),
  fc.record({
    type: fc.constant('heading' as const),
    depth: fc.constantFrom(2 as const, 3 as const),
    text: itemText,
  }),
);

function renderBoxes(boxes: Box[], marker: string, indent: string, out: string[]): void {
  for (const { text, ticked, children } of boxes) {
    out.push(`${indent}${marker} [${ticked ? 'x' : ' '}] ${text}`);
    renderBoxes(children, marker, `${indent}${' '.repeat(marker.length + 1)}`, out);
  }
}

function render(blocks: Block[]): string {
  const out = ['# Generated'];
  for (const each of blocks) {
    out.push('');
    if (each.type === 'list') renderBoxes(each.boxes, each.marker, '', out);
    if (each.type === 'quote') {
      const quoted: string[] = [];
      renderBoxes(each.boxes, '-', '', quoted);
      out.push(...quoted.map((line) => `> ${line}`));
    }
    if (each.type === 'table') {
      out.push('| Step | Owner |', '|---|---|');
      for (const row of each.rows) {
        const box = row.ticked === null ? '' : row.ticked ? '[x] ' : '[ ] ';
        out.push(`| ${box}${row.text} | ana |`);
      }
    }
    if (each.type === 'fence') out.push('```', ...each.lines, '```');
    if (each.type === 'comment') out.push('<!--', ...each.lines, '-->');
    if (each.type === 'paragraph') out.push(each.text);
    if (each.type === 'heading') out.push(`${'#'.repeat(each.depth)} ${each.text}`);
  }
  return `${out.join('\n')}\n`;
}

function boxTexts(blocks: Block[]): string[] {
  const texts: string[] = [];
  const walk = (boxes: Box[]) => {
    for (const each of boxes) {
      texts.push(each.text);
      walk(each.children);
    }
  };
  for (const each of blocks) {
    if (each.type === 'list' || each.type === 'quote') walk(each.boxes);
    if (each.type === 'table') for (const row of each.rows) if (row.ticked !== null) texts.push(row.text);
  }
  return texts;
}

describe('the importer, over generated Markdown', () => {
  it('never throws, and every problem it reports is on a line of the file', () => {
    fc.assert(
      fc.property(markdownish, (source) => {
        const result = read(source);
        const lines = source.split('\n').length;
        for (const problem of result.problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lines + 1);
        }
        expect(result.checklist === null).toBe(
          result.problems.some((problem) => problem.severity === 'error'),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('turns every box outside fences and comments into exactly one item, in order', () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 8 }), (blocks) => {
        const expected = boxTexts(blocks);
        const result = read(render(blocks));
        if (expected.length === 0) {
          expect(result.checklist).toBeNull();
          return;
        }
        expect(result.checklist?.items.map((item) => item.text)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('the generator makes what it claims: nested, ticked, fenced and commented boxes all occur', () => {
    const samples = fc.sample(fc.array(block, { minLength: 1, maxLength: 8 }), { numRuns: 200, seed: 7 });
    const sources = samples.map(render);
    expect(sources.some((source) => /^ {2,}- \[ \]/m.test(source))).toBe(true);
    expect(sources.some((source) => /^\s*(?:-|\*|1\.) \[x\]/m.test(source))).toBe(true);
    expect(sources.some((source) => /```\n- \[ \]/.test(source))).toBe(true);
    expect(sources.some((source) => /<!--\n- \[ \]/.test(source))).toBe(true);
    expect(sources.some((source) => /^> {3}- \[[ x]\]/m.test(source))).toBe(true);
    expect(sources.some((source) => /^\| \[[ x]\] /m.test(source))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS } from '../../src/checklist/bounds.js';
import { readChecklist } from '../../src/checklist/parse.js';

/**
 * Hostile files: the shapes that used to take from seconds to minutes (a 1 MB `p95: ____` line took
 * 478 s, `☐` then 200k spaces 41 s, a 1,000-level list 6 s). Each is read with a clear problem at its
 * line and nothing after it is lost. How fast is `npm run bench` (parse, hostile).
 */
const read = (source: string) => readChecklist(source, { name: 'hostile', file: 'hostile.md' });
const texts = (source: string) => read(source).checklist?.items.map((item) => item.text) ?? null;

describe('the importer on hostile files', () => {
  it('a 1 MB line is cut to its first 16,384 characters, said at its line; the next item is kept', () => {
    const source = `# T\n## P\n- [ ] p95: ${'_'.repeat(1_000_000)} ms\n- [ ] after\n`;
    const result = read(source);
    expect(result.checklist?.items.map((item) => item.text.slice(0, 10))).toEqual(['p95: _____', 'after']);
    expect(result.checklist?.items[0]?.kind).toBe('input');
    expect(result.problems).toEqual([
      {
        line: 3,
        severity: 'warning',
        message: `this line is 1,000,014 characters long; only its first ${MAX_LINE_CHARS.toLocaleString('en-US')} are read`,
      },
    ]);
  });

  it('runs of spaces after a ballot, a letter in parentheses or a heading are ordinary text', () => {
    const spaces = ' '.repeat(15_000);
    expect(texts(`# T\n## P\n- [ ] ☐${spaces}Yes ☐ No\n`)).toEqual(['☐ Yes ☐ No']);
    expect(texts(`# T\n## P\n- [ ] (a)${spaces}x\n- [ ] b\n`)).toEqual(['(a) x', 'b']);
    expect(read(`# T\n## Phase${spaces}one\n- [ ] a\n## Two\n- [ ] b\n`).checklist?.phases[0]?.title).toBe(
      'Phase one',
    );
    expect(read(`# T\n## P\n- [ ] Name: __${spaces}x Date: __\n`).checklist?.items[0]?.kind).toBe('signoff');
  });

  it('a list nested 99 levels deep is read whole', () => {
    const depth = 99;
    const list = Array.from({ length: depth }, (_, level) => `${'  '.repeat(level)}- [ ] level ${level}`);
    const items = texts(`# T\n## P\n${list.join('\n')}\n- [ ] shallow\n`);
    expect(items).toHaveLength(depth + 1);
    expect(items?.at(-1)).toBe('shallow');
  });

  it('nesting past 100 levels refuses the file at the line where reading stopped, instead of dropping what follows', () => {
    const list = Array.from({ length: 150 }, (_, level) => `${'  '.repeat(level)}- [ ] level ${level}`);
    const result = read(`# T\n## P\n${list.join('\n')}\n- [ ] shallow\n`);
    expect(result.checklist).toBeNull();
    expect(result.problems).toContainEqual({
      line: 102,
      severity: 'error',
      message:
        'lists or quotes are nested too deep here (more than 100 levels); nothing below this line could be read: flatten the nesting',
    });
    const quotes = read(`# T\n## P\n- [ ] a\n${'>'.repeat(10_000)} deep\n`);
    expect(
      quotes.problems.filter((problem) => problem.severity === 'error').map((problem) => problem.line),
    ).toEqual([4]);
  });

  it('10,000 items in one phase are all read, in order', () => {
    const list = Array.from({ length: 10_000 }, (_, index) => `- [ ] item ${index} p95 < 50ms`);
    const items = texts(`# T\n## P\n${list.join('\n')}\n`);
    expect(items).toHaveLength(10_000);
    expect(items?.[9_999]).toBe('item 9999 p95 < 50ms');
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { corpusRows } from '../../src/corpusTable.js';
import { lintPaths } from '../../src/lintFiles.js';
import { CORPUS_DIR } from '../support/checklists.js';
import { describeWithCorpus } from '../support/seeds.js';

/**
 * The importer against real public checklists (../shared/corpus), file by file: every file imports, and
 * its items and pre-ticked boxes are the hand count in the corpus README's table. The figure it proves:
 * items = boxes a person would tick, pre-ticked = the author's ticks, for all 16 files.
 */

/** From the README's table: file → [boxes a person would tick, pre-ticked], the first number of each cell. */
function handCounts(): Map<string, [number, number]> {
  const counts = new Map<string, [number, number]>();
  for (const line of readFileSync(`${CORPUS_DIR}README.md`, 'utf8').split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const file = /^`(\d\d-[^`]+\.md)`$/.exec(cells[1] ?? '')?.[1];
    if (!file) continue;
    const first = (cell: string | undefined) => Number(/\d+/.exec(cell ?? '')?.[0] ?? Number.NaN);
    counts.set(file, [first(cells[4]), first(cells[5])]);
  }
  return counts;
}

describeWithCorpus('the import corpus', () => {
  it('imports every file with exactly the hand-counted boxes and pre-ticked boxes', async () => {
    const counts = handCounts();
    const files = readdirSync(CORPUS_DIR).filter((name) => /^\d\d-.*\.md$/.test(name));
    expect(files.length).toBeGreaterThan(0);
    expect([...counts.keys()].sort()).toEqual(files.sort());
    const rows = corpusRows(await lintPaths(files.map((name) => `${CORPUS_DIR}${name}`)));
    const measured = Object.fromEntries(
      rows.map((row) => [row.file.split('/').at(-1), [row.imported ? row.items : 'refused', row.preTicked]]),
    );
    expect(measured).toEqual(Object.fromEntries(counts));
    const total = rows.reduce((sum, row) => sum + row.items, 0);
    console.log(
      `corpus: ${rows.length} files imported, ${total} items; hand count ${[...counts.values()].reduce((sum, [boxes]) => sum + boxes, 0)}`,
    );
  });
});

it('shipcheck corpus: one row per file, the totals, and why a file was refused', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { renderCorpusTable } = await import('../../src/corpusTable.js');
  const dir = mkdtempSync(join(tmpdir(), 'shipcheck-corpus-'));
  try {
    writeFileSync(join(dir, 'a.md'), '## Go\n- [x] Tagged\n- [ ] Deployed (optional)\n- [ ] p95: ____ ms\n');
    writeFileSync(join(dir, 'b.md'), 'no boxes here\n');
    const rows = corpusRows(await lintPaths([dir]));
    expect(rows.map((row) => [row.items, row.preTicked, row.optional, row.errors])).toEqual([
      [3, 1, 2, 0],
      [0, 0, 0, 1],
    ]);
    const table = renderCorpusTable(rows).split('\n');
    expect(table[0]).toMatch(/^file\s+items\s+kinds\s+pre-ticked\s+optional\s+phases\s+errors\s+warnings$/);
    expect(table[2]).toMatch(/b\.md\s+refused/);
    expect(table[3]).toMatch(/^2 files, 1 imported\s+3\s+2 task, 1 input\s+1\s+2/);
    expect(table.at(-1)).toMatch(/b\.md: line 1: no task-list items found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

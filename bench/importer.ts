/**
 * Importer bench: how long `readChecklist` takes on hostile and very large files (the seeds' parse
 * times are in the command-path bench). Figures and the goal each is held to, never pass/fail.
 *
 *   node --import tsx bench/importer.ts
 */
import { readChecklist } from '../src/checklist/parse.js';
import { medianTime } from './support/stats.js';

const round = (value: number) => Math.round(value * 10) / 10;

function median(work: () => unknown, rounds = 5): number {
  return round(medianTime(work, rounds));
}

const nested = (depth: number) =>
  Array.from({ length: depth }, (_, level) => `${'  '.repeat(level)}- [ ] level ${level}`).join('\n');

/** name → [file, goal in ms]. */
const files: Record<string, [string, number]> = {
  '1 MB `p95: ____` line': [`# T\n## P\n- [ ] p95: ${'_'.repeat(1_000_000)} ms\n`, 100],
  '1 MB line of `*`': [`# T\n## P\n- [ ] a ${'*'.repeat(1_000_000)}\n`, 100],
  '1 MB line of `[`': [`# T\n## P\n- [ ] a ${'['.repeat(1_000_000)}\n`, 100],
  '☐ then 200k spaces': [`# T\n## P\n- [ ] ☐${' '.repeat(200_000)}x\n`, 100],
  '(a) then 100k spaces': [`# T\n## P\n- [ ] (a)${' '.repeat(100_000)}x\n`, 100],
  'heading with 100k spaces': [`# T\n## P${' '.repeat(100_000)}x\n- [ ] a\n`, 100],
  '10,000 items': [
    `# T\n## P\n${Array.from({ length: 10_000 }, (_, index) => `- [ ] item ${index} p95 < 50ms`).join('\n')}\n`,
    1000,
  ],
  'list nested 99 levels (read whole)': [`# T\n## P\n${nested(99)}\n`, 1000],
  'list nested 1,000 levels (refused at level 100)': [`# T\n## P\n${nested(1_000)}\n`, 1000],
  '10,000 nested quotes (refused at level 100)': [`# T\n## P\n- [ ] a\n${'>'.repeat(10_000)} deep\n`, 1000],
  '10,000 nested `- ` markers on one line': [`# T\n## P\n${'- '.repeat(10_000)}[ ] deep\n- [ ] a\n`, 1000],
};

const results: Record<string, unknown> = {};
for (const [name, [source, goal]] of Object.entries(files)) {
  const result = readChecklist(source, { name: 'bench', file: 'bench.md' });
  const ms = median(() => readChecklist(source, { name: 'bench', file: 'bench.md' }));
  results[name] = {
    'file (KB)': Math.round(source.length / 1024),
    'ms p50': ms,
    'goal (ms)': goal,
    'ratio to goal': Math.round((ms / goal) * 100) / 100,
    outcome: result.checklist
      ? `${result.checklist.items.length} items`
      : `refused at line ${result.problems.find((problem) => problem.severity === 'error')?.line}`,
  };
}
console.log(JSON.stringify(results, null, 2));

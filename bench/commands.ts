/**
 * Command parsing bench: how long `/deploy …` takes to read hostile lines, beside the backtracking regex
 * the tokenizer replaced (kept here only as the "before" figure). Figures, never pass/fail.
 *
 *   node --import tsx bench/commands.ts
 */
import { MAX_COMMAND_CHARS, parseDeployCommand } from '../src/chat/commands.js';
import { medianTime } from './support/stats.js';

const BEFORE = /"([^"]*)"|“([^”]*)”|(?<=^|\s)'([^']*)'(?=\s|$)|(?<=^|\s)‘([^’]*)’(?=\s|$)|(\S+)/g;

const round = (value: number) => Math.round(value * 1000) / 1000;

function median(work: () => unknown, rounds = 5): number {
  return round(medianTime(work, rounds));
}

const lines: Record<string, string> = {
  [`${MAX_COMMAND_CHARS} curly quotes, no spaces`]: `/deploy skip 1.2 ${'‘'.repeat(MAX_COMMAND_CHARS - 20)}`,
  [`${MAX_COMMAND_CHARS / 2} curly quotes between spaces`]: `/deploy skip 1.2 ${'‘ '.repeat(MAX_COMMAND_CHARS / 2 - 10)}`,
  '200 KB line (refused by length)': `/deploy skip 1.2 ${'x'.repeat(200_000)}`,
  '40,000 curly quotes (refused by length)': `/deploy skip 1.2 ${'‘'.repeat(40_000)}`,
};

const results: Record<string, unknown> = { 'longest command read (chars)': MAX_COMMAND_CHARS };
for (const [name, line] of Object.entries(lines)) {
  const now = median(() => parseDeployCommand(line));
  // The old regex on the same text, capped at 40,000 characters: past that it takes seconds per round.
  const sample = line.slice(0, 40_000);
  const before = median(() => [...sample.matchAll(BEFORE)].length, 1);
  results[name] = {
    'ms now': now,
    'ms before (old regex, first 40,000 chars)': before,
    'ratio before / now': now > 0 ? Math.round(before / now) : null,
  };
}
console.log(JSON.stringify(results, null, 2));

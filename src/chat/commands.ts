import { echo } from '../runs/limits.js';
import {
  type ArgValues,
  type ChatCommand,
  commandFrom,
  HELP_TEXT,
  usageError,
  VERBS,
  verbNamed,
} from './commandSpec.js';

/**
 * The text grammar: a typed `/deploy …` line (Slack, the terminal) read into the arguments of a verb of
 * the one command spec (commandSpec.ts), by position and `--flag`, and built there like Discord's typed
 * options. Only the reading of words is here.
 */

export type { ChatCommand } from './commandSpec.js';
export { HELP_TEXT, helpFor, mentionOf } from './commandSpec.js';

export type ParsedLine = { ok: true; command: ChatCommand } | { ok: false; message: string };

const PREFIX = /^\s*\/deploy(?:\s+|$)/i;

/** Every `--flag` some verb takes; `id` names a run for every verb that acts on one. */
const FLAGS = new Set(VERBS.flatMap((verb) => verb.args.flatMap((arg) => (arg.flag ? [arg.flag] : []))));
/** A flag whose one choice is its value is a switch: `--yes` alone. */
const SWITCHES = new Set(
  VERBS.flatMap((verb) =>
    verb.args.flatMap((arg) => (arg.flag && arg.choices?.length === 1 ? [arg.flag] : [])),
  ),
);

/** `/deploy …` text → ChatCommand. Never throws: anything it cannot read gets a sentence and the help. */
export function parseDeployCommand(text: string): ParsedLine {
  const tokenized = tokenize(text.replace(PREFIX, ''));
  if (!tokenized.ok) return tokenized;
  const flags = new Map<string, string>();
  const words: string[] = [];
  const tokens = tokenized.tokens;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string;
    if (token === '-y') {
      flags.set('yes', 'yes');
      continue;
    }
    const flag = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(token);
    if (flag && FLAGS.has(flag[1] as string)) {
      const name = flag[1] as string;
      if (SWITCHES.has(name)) {
        flags.set(name, name);
        continue;
      }
      const value = flag[2] ?? tokens[++index];
      if (!value || value.startsWith('--')) return refused(`--${name} needs a value.`, null);
      flags.set(name, value);
      continue;
    }
    if (token.startsWith('--') && token.length > 2) return refused(`unknown option ${echo(token)}.`, null);
    words.push(token);
  }
  const [verbWord, ...rest] = words;
  if (verbWord === undefined) return { ok: true, command: { kind: 'help', topic: null } };
  const verb = verbNamed(verbWord);
  if (!verb) return refused(`unknown command “${echo(verbWord)}”.`, null);

  const values: ArgValues = {};
  for (const [name, value] of flags) {
    const arg = verb.args.find((candidate) => candidate.flag === name);
    if (!arg) return refused(elsewhere(name), verb);
    values[arg.name] = value;
  }
  const left = [...rest];
  for (const arg of verb.args) {
    if ((arg.flag && !arg.positional) || left.length === 0) continue;
    const next = left[0] as string;
    if (arg.leading) {
      const found = arg.leading(next);
      if (!found) continue;
      values[arg.name] = found.value;
      if (found.rest) left[0] = found.rest;
      else left.shift();
      continue;
    }
    if (values[arg.name] !== undefined) break;
    values[arg.name] = arg.type === 'refs' || arg.type === 'text' ? left.splice(0).join(' ') : left.shift();
  }
  if (left.length > 0) return refused(verb.extra ?? `unexpected “${echo(left.join(' '))}”.`, verb);
  const command = commandFrom(verb, values);
  return typeof command === 'string' ? { ok: false, message: command } : { ok: true, command };
}

/** `--env only goes with start.`; "the commands that act on a run" for a flag most verbs take. */
function elsewhere(flag: string): string {
  const takers = VERBS.flatMap((verb) =>
    verb.args.filter((arg) => arg.flag === flag).map((arg) => ({ verb, arg })),
  );
  const said = takers.find(({ arg }) => arg.elsewhere)?.arg.elsewhere;
  if (said) return said;
  const names = takers.map(({ verb }) => verb.name);
  return `--${flag} only goes with ${names.length <= 3 ? names.join(' or ') : 'the commands that act on a run'}.`;
}

function refused(problem: string, verb: Parameters<typeof usageError>[1]): ParsedLine {
  return { ok: false, message: usageError(problem, verb) };
}

/**
 * The longest command read. Discord's typed options total at most 6,000 characters and no one types a
 * longer Slack command; past this a line is refused before it is read, so a hostile line costs nothing.
 */
export const MAX_COMMAND_CHARS = 8_000;

const QUOTES: Record<string, { close: string; wordStart: boolean }> = {
  '"': { close: '"', wordStart: false },
  '“': { close: '”', wordStart: false },
  // Single quotes open only at the start of a word and close only at its end: "it's" opens nothing.
  "'": { close: "'", wordStart: true },
  '‘': { close: '’', wordStart: true },
};

/** As the regex class \s, with the common ASCII cases first: this runs once per character. */
const isSpace = (char: string | undefined): boolean =>
  char === ' ' ||
  char === '\t' ||
  char === '\n' ||
  char === '\r' ||
  (char !== undefined && (char === '\v' || char === '\f' || (char > '\x7f' && /\s/.test(char))));

/**
 * Splits on whitespace, honouring "double" and “curly” quotes where a word starts and 'single' quotes
 * only around whole words. One pass: each closing quote is searched for once from where the last search
 * ended, so a line of ten thousand opening quotes costs no more than its length.
 */
function tokenize(text: string): { ok: true; tokens: string[] } | { ok: false; message: string } {
  if (text.length > MAX_COMMAND_CHARS)
    return {
      ok: false,
      message: `that command is ${text.length.toLocaleString('en-US')} characters long; the most Shipcheck reads is ${MAX_COMMAND_CHARS.toLocaleString('en-US')}.`,
    };
  // `\"` is a quote inside a quoted text (`"a 6\" pipe"`): held aside as a character no one types, so the
  // one pass below never sees it, and put back in the tokens.
  const line = text.trim().replaceAll('\\"', ESCAPED_QUOTE);
  const nextIndex = closingFinder(line);
  const tokens: string[] = [];
  let index = 0;
  while (index < line.length) {
    while (isSpace(line[index])) index++;
    if (index >= line.length) break;
    const char = line[index] as string;
    const quote = QUOTES[char];
    if (quote && (!quote.wordStart || index === 0 || isSpace(line[index - 1]))) {
      const close = nextIndex(quote.close, index + 1);
      if (close >= 0 && (!quote.wordStart || close + 1 >= line.length || isSpace(line[close + 1]))) {
        tokens.push(line.slice(index + 1, close));
        index = close + 1;
        continue;
      }
    }
    const start = index;
    while (index < line.length && !isSpace(line[index])) index++;
    tokens.push(line.slice(start, index));
  }
  let straight = 0;
  let opened = 0;
  let closed = 0;
  for (const char of line) {
    if (char === '"') straight++;
    else if (char === '“') opened++;
    else if (char === '”') closed++;
  }
  if (straight % 2 === 1 || opened !== closed)
    return {
      ok: false,
      message: `a quote is not closed (write \\" for a quote inside quoted text).\n${HELP_TEXT}`,
    };
  return { ok: true, tokens: tokens.map((token) => token.replaceAll(ESCAPED_QUOTE, '"')) };
}

/** A private-use character: stands for an escaped quote while the line is split. */
const ESCAPED_QUOTE = '\uE000';

/** `indexOf(char, from)` that remembers its last answer per character: searches never go back over text. */
function closingFinder(line: string): (char: string, from: number) => number {
  const last = new Map<string, number>();
  return (char, from) => {
    const known = last.get(char);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const found = line.indexOf(char, from);
    last.set(char, found);
    return found;
  };
}

import { echo } from '../runs/limits.js';
import type { RunCommand, Severity } from '../runs/types.js';

/** What a `/deploy …` line asks for, the same on every platform. */
export type ChatCommand =
  | { kind: 'help'; topic: string | null }
  | { kind: 'list' }
  | { kind: 'status'; runId: string | null }
  | { kind: 'start'; checklist: string; version: string | null; environment: string | null }
  | { kind: 'run'; command: RunCommand; runId: string | null }
  /** Run the automated checks of the whole run, one phase (`2`) or one item (`2.3`). */
  | { kind: 'run-checks'; scope: string | null; runId: string | null }
  /** The run's report again: the run named, else the active one, else the channel's latest. */
  | { kind: 'report'; runId: string | null }
  /** Recent runs here, with the median duration and the items most often skipped or failed. */
  | { kind: 'history'; checklist: string | null; limit: number | null }
  /** Who is on call now, per rotation and role. */
  | { kind: 'oncall' }
  | { kind: 'show'; ref: string; runId: string | null };

export type ParsedLine = { ok: true; command: ChatCommand } | { ok: false; message: string };

interface Usage {
  syntax: string;
  summary: string;
}

/** Every verb of `/deploy`: the text grammar's help and the Discord command's registration both read this. */
export const USAGE: Record<string, Usage> = {
  start: { syntax: 'start <checklist> [version] [--env <name>]', summary: 'start a run of a checklist here' },
  status: { syntax: 'status', summary: 'show the run: progress per phase and every item' },
  show: {
    syntax: 'show <ref>',
    summary: 'what an item asks (notes, check, section), or a phase (show 2): its window and items',
  },
  list: { syntax: 'list', summary: 'list the checklists you can start, and recent runs here' },
  check: {
    syntax: 'check <ref…> [--yes]',
    summary: 'tick items off: 1.1 1.2, a range 2.1-2.4, or a whole phase 2 (it asks first)',
  },
  undo: { syntax: 'undo <ref>', summary: 'reopen an item that was done, skipped, failed or N/A' },
  skip: { syntax: 'skip <ref> <reason>', summary: 'skip an item, saying why' },
  fail: { syntax: 'fail <ref> <detail>', summary: 'mark an item failed, saying what failed' },
  na: { syntax: 'na <ref>', summary: 'mark an item not applicable' },
  set: { syntax: 'set <ref> <value>', summary: 'record a value: set 3.2 420, or set 3.1 p50=180 p95=450' },
  decide: { syntax: 'decide <ref> <option>', summary: 'answer a decision: decide 4.5 keep' },
  signoff: { syntax: 'signoff <ref>', summary: 'sign off an item as yourself (your role must match)' },
  assign: { syntax: 'assign <role> <@person>', summary: 'give someone a role for this run' },
  escalate: { syntax: 'escalate [P0|P1|P2|P3] <reason>', summary: 'page the on-call path now' },
  ack: { syntax: 'ack', summary: 'acknowledge the open escalation: you own it, the paging stops' },
  resolve: { syntax: 'resolve', summary: 'close the open escalation' },
  oncall: { syntax: 'oncall', summary: 'who is on call now, per rotation and role' },
  'run-checks': {
    syntax: 'run-checks [<ref>|<phase>|all]',
    summary: 'run the automated checks now and record their results',
  },
  note: { syntax: 'note [<ref>:] <text>', summary: 'add a note to the run (or to one item)' },
  complete: { syntax: 'complete', summary: 'finish the run (every required item must be resolved)' },
  abort: { syntax: 'abort <reason>', summary: 'stop the run without deploying' },
  rollback: { syntax: 'rollback <reason>', summary: 'end the run as rolled back' },
  report: { syntax: 'report [run-id]', summary: 'the run’s report: durations, failures, values, sign-offs' },
  history: {
    syntax: 'history [checklist] [--limit n]',
    summary: 'recent runs here, the median duration, the items most often skipped or failed',
  },
  help: { syntax: 'help [command]', summary: 'this help' },
};

export const HELP_TEXT = [
  'Usage: /deploy <command>',
  ...Object.values(USAGE).map((usage) => `  ${usage.syntax.padEnd(44)} ${usage.summary}`),
  'Items are named by the reference shown next to them (1.2, 3.4.1). Add --id <run> to act on a run',
  'other than this channel’s active one. Quote text with spaces where it would be ambiguous: "like this".',
].join('\n');

/** Help for one command, or all of it. */
export function helpFor(topic: string | null): string {
  const usage = topic ? USAGE[topic] : undefined;
  return usage ? `Usage: /deploy ${usage.syntax}\n  ${usage.summary}` : HELP_TEXT;
}

const PREFIX = /^\s*\/deploy(?:\s+|$)/i;

/** `/deploy …` text → ChatCommand. Never throws: anything it cannot read gets a sentence and the help. */
export function parseDeployCommand(text: string): ParsedLine {
  const body = text.replace(PREFIX, '');
  const tokenized = tokenize(body);
  if (!tokenized.ok) return tokenized;
  const flags: { id: string | null; env: string | null; limit: string | null } = {
    id: null,
    env: null,
    limit: null,
  };
  const words: string[] = [];
  let confirmed = false;
  const tokens = tokenized.tokens;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string;
    if (token === '--yes' || token === '-y') {
      confirmed = true;
      continue;
    }
    const flag = /^--(id|env|limit)(?:=(.*))?$/.exec(token);
    if (flag) {
      const name = flag[1] as 'id' | 'env' | 'limit';
      const value = flag[2] ?? tokens[++index];
      if (!value || value.startsWith('--')) return usageError(`--${name} needs a value.`, null);
      flags[name] = value;
      continue;
    }
    if (token.startsWith('--') && token.length > 2) return usageError(`unknown option ${echo(token)}.`, null);
    words.push(token);
  }
  const [verbWord, ...args] = words;
  const verb = verbWord?.toLowerCase();
  if (!verb || verb === 'help') {
    return { ok: true, command: { kind: 'help', topic: args[0]?.toLowerCase() ?? null } };
  }
  if (flags.env && verb !== 'start') return usageError('--env only goes with start.', verb);
  if (flags.limit && verb !== 'history') return usageError('--limit only goes with history.', verb);
  if (confirmed && !['check', 'done', 'tick'].includes(verb))
    return usageError('--yes only goes with check, to tick a whole phase.', verb);
  const runId = flags.id;
  const run = (command: RunCommand): ParsedLine => ({ ok: true, command: { kind: 'run', command, runId } });
  const rest = args.join(' ').trim();

  switch (verb) {
    case 'start': {
      const [checklist, version, ...extra] = args;
      if (!checklist) return usageError('name the checklist to start.', verb);
      if (extra.length > 0) return usageError(`unexpected “${echo(extra.join(' '))}”.`, verb);
      return {
        ok: true,
        command: { kind: 'start', checklist, version: version ?? null, environment: flags.env },
      };
    }
    case 'status':
      if (args.length > 0) return usageError(`unexpected “${echo(rest)}”.`, verb);
      return { ok: true, command: { kind: 'status', runId } };
    case 'list':
      return { ok: true, command: { kind: 'list' } };
    case 'show':
    case 'details':
    case 'info': {
      if (args.length !== 1) return usageError('name one item, e.g. show 2.3.', 'show');
      return { ok: true, command: { kind: 'show', ref: args[0] as string, runId } };
    }
    case 'check':
    case 'done':
    case 'tick':
      if (args.length === 0) return usageError('name at least one item.', 'check');
      return run({
        type: 'check',
        refs: args.flatMap((arg) => arg.split(',')).filter(Boolean),
        ...(confirmed ? { confirmed } : {}),
      });
    case 'undo':
    case 'uncheck':
    case 'reopen':
      if (args.length !== 1) return usageError('name one item.', 'undo');
      return run({ type: 'uncheck', ref: args[0] as string });
    case 'skip':
    case 'fail': {
      const [ref, ...reason] = args;
      if (!ref) return usageError('name the item.', verb);
      if (reason.length === 0) {
        return usageError(verb === 'skip' ? 'say why it is skipped.' : 'say what failed.', verb);
      }
      const text = reason.join(' ');
      return run(verb === 'skip' ? { type: 'skip', ref, reason: text } : { type: 'fail', ref, detail: text });
    }
    case 'na':
    case 'n/a':
      if (args.length !== 1) return usageError('name one item.', 'na');
      return run({ type: 'na', ref: args[0] as string });
    case 'set':
    case 'record': {
      const [ref, ...value] = args;
      if (!ref || value.length === 0) return usageError('name the item and the value.', 'set');
      return run({ type: 'set', ref, value: value.join(' ') });
    }
    case 'decide':
    case 'choose': {
      const [ref, ...option] = args;
      if (!ref || option.length === 0) return usageError('name the item and the option.', 'decide');
      return run({ type: 'decide', ref, option: option.join(' ') });
    }
    case 'signoff':
    case 'sign':
    case 'sign-off':
      if (args.length !== 1) return usageError('name one sign-off item.', 'signoff');
      return run({ type: 'signoff', ref: args[0] as string });
    case 'escalate':
    case 'page':
    case 'help-me': {
      const [first, ...others] = args;
      if (first && /^p\d+$/i.test(first) && !/^p[0-3]$/i.test(first))
        return usageError(
          `there is no severity ${echo(first.toUpperCase())}: use P0 (worst), P1, P2 or P3.`,
          'escalate',
        );
      const severity = first && /^p[0-3]$/i.test(first) ? (first.toUpperCase() as Severity) : undefined;
      const reason = (severity ? others : args).join(' ').trim();
      if (!reason) return usageError('say what is wrong.', 'escalate');
      return run(severity ? { type: 'escalate', reason, severity } : { type: 'escalate', reason });
    }
    case 'ack':
    case 'acknowledge':
      if (args.length > 0) return usageError(`unexpected “${echo(rest)}”.`, 'ack');
      return run({ type: 'ack' });
    case 'resolve':
      if (args.length > 0) return usageError(`unexpected “${echo(rest)}”.`, 'resolve');
      return run({ type: 'resolve' });
    case 'oncall':
    case 'on-call':
      return { ok: true, command: { kind: 'oncall' } };
    case 'run-checks':
    case 'checks': {
      if (args.length > 1) return usageError('name one item, one phase, or all.', 'run-checks');
      const scope = args[0] && args[0].toLowerCase() !== 'all' ? args[0] : null;
      return { ok: true, command: { kind: 'run-checks', scope, runId } };
    }
    case 'assign': {
      const [role, person, ...extra] = args;
      if (!role || !person || extra.length > 0) return usageError('name one role and one person.', 'assign');
      const mention = mentionOf(person);
      return run(
        mention
          ? { type: 'assign', role, person: mention.display, personId: mention.id }
          : { type: 'assign', role, person },
      );
    }
    case 'note': {
      if (!rest) return usageError('write the note.', verb);
      const onItem = /^(\d+(?:\.\d+)+):\s*(.+)$/s.exec(rest);
      return run(
        onItem ? { type: 'note', ref: onItem[1], text: onItem[2] as string } : { type: 'note', text: rest },
      );
    }
    case 'complete':
    case 'finish':
      if (args.length > 0) return usageError(`unexpected “${echo(rest)}”.`, 'complete');
      return run({ type: 'complete' });
    case 'abort':
    case 'rollback':
      if (!rest) return usageError('say why.', verb);
      return run({ type: verb, reason: rest });
    case 'report': {
      if (args.length > 1 || (args.length === 1 && runId)) return usageError('name at most one run.', verb);
      return { ok: true, command: { kind: 'report', runId: args[0] ?? runId } };
    }
    case 'history': {
      if (args.length > 1) return usageError(`unexpected “${echo(args.slice(1).join(' '))}”.`, verb);
      const limit = flags.limit === null ? null : Number(flags.limit);
      if (limit !== null && !(Number.isInteger(limit) && limit >= 1 && limit <= 50))
        return usageError('--limit takes a whole number from 1 to 50.', verb);
      return { ok: true, command: { kind: 'history', checklist: args[0] ?? null, limit } };
    }
    default:
      return usageError(`unknown command “${echo(verbWord ?? '')}”.`, null);
  }
}

/**
 * A platform mention: Slack's escaped `<@U123|bo>` / `<@U123>`, Discord's `<@123>` / `<@!123>`. The id is
 * who is meant; the name after `|` is only how they are shown.
 */
export function mentionOf(word: string): { id: string; display: string } | null {
  const match = /^<@!?([A-Za-z0-9]{1,40})(?:\|([^<>]{1,80}))?>$/.exec(word);
  if (!match) return null;
  const id = match[1] as string;
  const name = match[2]?.trim();
  return { id, display: name ? `@${name.replace(/^@/, '')}` : `@${id}` };
}

function usageError(problem: string, verb: string | null): ParsedLine {
  return { ok: false, message: `${problem}\n${helpFor(verb)}` };
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

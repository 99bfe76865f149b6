import { echo } from '../runs/limits.js';
import type { RunCommand, Severity } from '../runs/types.js';

/**
 * `/deploy` in one place: every verb, its arguments, its help line and how its arguments become the
 * typed command. The text grammar (commands.ts) reads a typed line into these arguments by position and
 * flag; Discord's typed options arrive as them already (discord/slashCommand.ts), and its registration is
 * generated from them. Both then build the command here, so a reason carries `--id x`, quotes or a lone
 * `6"` verbatim and both platforms refuse the same things with the same sentence.
 */

/** What a `/deploy …` command asks for, the same on every platform. */
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

export type Completion = 'checklist' | 'item' | 'scope';
/** The arguments of one command by name, as typed (a Discord user is `<@id|name>`). */
export type ArgValues = Record<string, string | number | undefined>;

/**
 * `word`: one word (a reference, a name); `refs`: the rest of the line, read as references; `text`: the
 * rest of the line, verbatim; `user`: a person; `integer`: a whole number.
 */
export type ArgType = 'word' | 'refs' | 'text' | 'user' | 'integer';

export interface ArgSpec {
  /** The Discord option's name and the key in ArgValues. */
  name: string;
  type: ArgType;
  /** One line for Discord's option list. */
  description: string;
  /** How the argument reads in the help: `<reason>`, `[version]`, `[--env <name>]`. */
  syntax: string;
  /** The sentence when a required argument is missing. */
  missing?: string;
  /** In a typed line, given as `--<flag> <value>` (or `--<flag>` alone, for a yes) rather than by position. */
  flag?: string;
  /** The sentence when the flag is given to a verb that does not take it; else "only goes with <verbs>". */
  elsewhere?: string;
  /** Also read by position (report's run id, which `--id` gives too). */
  positional?: boolean;
  choices?: readonly string[];
  /** The sentence for a value outside `choices`. */
  invalid?: (value: string) => string;
  /**
   * In a typed line, an optional argument written before the rest, recognised by its form: escalate's
   * `P1`, note's `2.3:`. Returns the value and what of the word is left, or null for "not this argument".
   */
  leading?: (word: string) => { value: string; rest: string } | null;
  autocomplete?: Completion;
  maxLength?: number;
  range?: { min: number; max: number; sentence: string };
}

export interface VerbSpec {
  name: string;
  aliases: readonly string[];
  summary: string;
  args: readonly ArgSpec[];
  /** The sentence when a typed line has words left over; "unexpected …" when not given. */
  extra?: string;
  build(values: ArgValues): ChatCommand;
}

/** A name or reference: surrounding spaces mean nothing. */
const word = (value: string | number | undefined): string =>
  value === undefined ? '' : String(value).trim();
/** Free text as typed (a reason, a value, a version): verbatim. */
const free = (value: string | number | undefined): string | null =>
  value === undefined ? null : String(value);
const runOf = (values: ArgValues): string | null => word(values.run) || null;
const onRun = (values: ArgValues, command: RunCommand): ChatCommand => ({
  kind: 'run',
  command,
  runId: runOf(values),
});

const SEVERITIES: readonly Severity[] = ['P0', 'P1', 'P2', 'P3'];
const REF_PREFIX = /^(\d+(?:\.\d+)+):(.*)$/s;

const run: ArgSpec = {
  name: 'run',
  type: 'word',
  description: 'a run id, when not this channel’s active run',
  syntax: '',
  flag: 'id',
};
const item = (missing: string, description = 'the item, by its reference (1.2)'): ArgSpec => ({
  name: 'item',
  type: 'word',
  description,
  syntax: '<ref>',
  missing,
  autocomplete: 'item',
});
const because = (syntax: string, description: string, missing: string): ArgSpec => ({
  name: 'reason',
  type: 'text',
  description,
  syntax,
  missing,
  maxLength: 500,
});

export const VERBS: readonly VerbSpec[] = [
  {
    name: 'start',
    aliases: [],
    summary: 'start a run of a checklist here',
    args: [
      {
        name: 'checklist',
        type: 'word',
        description: 'the checklist',
        syntax: '<checklist>',
        missing: 'name the checklist to start.',
        autocomplete: 'checklist',
      },
      { name: 'version', type: 'word', description: 'what is deployed, e.g. v1.4.2', syntax: '[version]' },
      {
        name: 'env',
        type: 'word',
        description: 'where it is deployed, e.g. production',
        syntax: '[--env <name>]',
        flag: 'env',
      },
    ],
    build: (v) => ({
      kind: 'start',
      checklist: word(v.checklist),
      version: free(v.version),
      environment: free(v.env),
    }),
  },
  {
    name: 'status',
    aliases: [],
    summary: 'show the run: progress per phase and every item',
    args: [run],
    build: (v) => ({ kind: 'status', runId: runOf(v) }),
  },
  {
    name: 'show',
    aliases: ['details', 'info'],
    summary: 'what an item asks (notes, check, section), or a phase (show 2): its window and items',
    args: [item('name one item, e.g. show 2.3.'), run],
    extra: 'name one item, e.g. show 2.3.',
    build: (v) => ({ kind: 'show', ref: word(v.item), runId: runOf(v) }),
  },
  {
    name: 'list',
    aliases: [],
    summary: 'list the checklists you can start, and recent runs here',
    args: [],
    build: () => ({ kind: 'list' }),
  },
  {
    name: 'check',
    aliases: ['done', 'tick'],
    summary: 'tick items off: 1.1 1.2, a range 2.1-2.4, or a whole phase 2 (it asks first)',
    args: [
      {
        name: 'item',
        type: 'refs',
        description: 'the items, by reference: 1.1 1.2, 2.1-2.4, or a phase: 2',
        syntax: '<ref…>',
        missing: 'name at least one item.',
        autocomplete: 'item',
      },
      {
        name: 'confirm',
        type: 'word',
        description: 'yes, to tick every open item of a phase',
        syntax: '[--yes]',
        flag: 'yes',
        elsewhere: '--yes only goes with check, to tick a whole phase.',
        choices: ['yes'],
      },
      run,
    ],
    build: (v) =>
      onRun(v, {
        type: 'check',
        refs: word(v.item)
          .split(/[\s,]+/)
          .filter(Boolean),
        ...(word(v.confirm) === 'yes' ? { confirmed: true } : {}),
      }),
  },
  {
    name: 'undo',
    aliases: ['uncheck', 'reopen'],
    summary: 'reopen an item that was done, skipped, failed or N/A',
    args: [item('name one item.'), run],
    extra: 'name one item.',
    build: (v) => onRun(v, { type: 'uncheck', ref: word(v.item) }),
  },
  {
    name: 'skip',
    aliases: [],
    summary: 'skip an item, saying why',
    args: [item('name the item.'), because('<reason>', 'why it is skipped', 'say why it is skipped.'), run],
    build: (v) => onRun(v, { type: 'skip', ref: word(v.item), reason: free(v.reason) ?? '' }),
  },
  {
    name: 'fail',
    aliases: [],
    summary: 'mark an item failed, saying what failed',
    args: [item('name the item.'), because('<detail>', 'what failed', 'say what failed.'), run],
    build: (v) => onRun(v, { type: 'fail', ref: word(v.item), detail: free(v.reason) ?? '' }),
  },
  {
    name: 'na',
    aliases: ['n/a'],
    summary: 'mark an item not applicable',
    args: [item('name one item.'), run],
    extra: 'name one item.',
    build: (v) => onRun(v, { type: 'na', ref: word(v.item) }),
  },
  {
    name: 'set',
    aliases: ['record'],
    summary: 'record a value: set 3.2 420, or set 3.1 p50=180 p95=450',
    args: [
      item('name the item and the value.'),
      {
        name: 'value',
        type: 'text',
        description: 'the value',
        syntax: '<value>',
        missing: 'name the item and the value.',
        maxLength: 200,
      },
      run,
    ],
    build: (v) => onRun(v, { type: 'set', ref: word(v.item), value: free(v.value) ?? '' }),
  },
  {
    name: 'decide',
    aliases: ['choose'],
    summary: 'answer a decision: decide 4.5 keep',
    args: [
      item('name the item and the option.'),
      {
        name: 'option',
        type: 'text',
        description: 'the option chosen',
        syntax: '<option>',
        missing: 'name the item and the option.',
      },
      run,
    ],
    build: (v) => onRun(v, { type: 'decide', ref: word(v.item), option: free(v.option) ?? '' }),
  },
  {
    name: 'signoff',
    aliases: ['sign', 'sign-off'],
    summary: 'sign off an item as yourself (your role must match)',
    args: [item('name one sign-off item.'), run],
    extra: 'name one sign-off item.',
    build: (v) => onRun(v, { type: 'signoff', ref: word(v.item) }),
  },
  {
    name: 'assign',
    aliases: [],
    summary: 'give someone a role for this run',
    args: [
      {
        name: 'role',
        type: 'word',
        description: 'the role',
        syntax: '<role>',
        missing: 'name one role and one person.',
      },
      {
        name: 'person',
        type: 'user',
        description: 'who',
        syntax: '<@person>',
        missing: 'name one role and one person.',
      },
      run,
    ],
    extra: 'name one role and one person.',
    build: (v) => {
      const person = word(v.person);
      const mention = mentionOf(person);
      return onRun(
        v,
        mention
          ? { type: 'assign', role: word(v.role), person: mention.display, personId: mention.id }
          : { type: 'assign', role: word(v.role), person },
      );
    },
  },
  {
    name: 'escalate',
    aliases: ['page', 'help-me'],
    summary: 'page the on-call path now',
    args: [
      {
        name: 'severity',
        type: 'word',
        description: 'how bad',
        syntax: '[P0|P1|P2|P3]',
        choices: SEVERITIES,
        invalid: (value) =>
          `there is no severity ${echo(value.toUpperCase())}: use P0 (worst), P1, P2 or P3.`,
        leading: (typed) => (/^p\d+$/i.test(typed) ? { value: typed.toUpperCase(), rest: '' } : null),
      },
      because('<reason>', 'what is wrong', 'say what is wrong.'),
      run,
    ],
    build: (v) => {
      const reason = free(v.reason) ?? '';
      const severity = SEVERITIES.find((known) => known === word(v.severity).toUpperCase());
      return onRun(v, severity ? { type: 'escalate', reason, severity } : { type: 'escalate', reason });
    },
  },
  {
    name: 'ack',
    aliases: ['acknowledge'],
    summary: 'acknowledge the open escalation: you own it, the paging stops',
    args: [run],
    build: (v) => onRun(v, { type: 'ack' }),
  },
  {
    name: 'resolve',
    aliases: [],
    summary: 'close the open escalation',
    args: [run],
    build: (v) => onRun(v, { type: 'resolve' }),
  },
  {
    name: 'oncall',
    aliases: ['on-call'],
    summary: 'who is on call now, per rotation and role',
    args: [],
    build: () => ({ kind: 'oncall' }),
  },
  {
    name: 'run-checks',
    aliases: ['checks'],
    summary: 'run the automated checks now and record their results',
    args: [
      {
        name: 'scope',
        type: 'word',
        description: 'an item, a phase, or all',
        syntax: '[<ref>|<phase>|all]',
        autocomplete: 'scope',
      },
      run,
    ],
    extra: 'name one item, one phase, or all.',
    build: (v) => {
      const scope = word(v.scope);
      return {
        kind: 'run-checks',
        scope: scope && scope.toLowerCase() !== 'all' ? scope : null,
        runId: runOf(v),
      };
    },
  },
  {
    name: 'note',
    aliases: [],
    summary: 'add a note to the run (or to one item)',
    args: [
      {
        name: 'item',
        type: 'word',
        description: 'the item it is about',
        syntax: '[<ref>:]',
        autocomplete: 'item',
        leading: (typed) => {
          const onItem = REF_PREFIX.exec(typed);
          return onItem ? { value: onItem[1] as string, rest: onItem[2] as string } : null;
        },
      },
      {
        name: 'text',
        type: 'text',
        description: 'the note',
        syntax: '<text>',
        missing: 'write the note.',
        maxLength: 1000,
      },
      run,
    ],
    build: (v) => {
      const text = free(v.text) ?? '';
      return onRun(v, word(v.item) ? { type: 'note', ref: word(v.item), text } : { type: 'note', text });
    },
  },
  {
    name: 'complete',
    aliases: ['finish'],
    summary: 'finish the run (every required item must be resolved)',
    args: [run],
    build: (v) => onRun(v, { type: 'complete' }),
  },
  {
    name: 'abort',
    aliases: [],
    summary: 'stop the run without deploying',
    args: [because('<reason>', 'why', 'say why.'), run],
    build: (v) => onRun(v, { type: 'abort', reason: free(v.reason) ?? '' }),
  },
  {
    name: 'rollback',
    aliases: [],
    summary: 'end the run as rolled back',
    args: [because('<reason>', 'why', 'say why.'), run],
    build: (v) => onRun(v, { type: 'rollback', reason: free(v.reason) ?? '' }),
  },
  {
    name: 'report',
    aliases: [],
    summary: 'the run’s report: durations, failures, values, sign-offs',
    args: [{ ...run, syntax: '[run-id]', positional: true }],
    extra: 'name at most one run.',
    build: (v) => ({ kind: 'report', runId: runOf(v) }),
  },
  {
    name: 'history',
    aliases: [],
    summary: 'recent runs here, the median duration, the items most often skipped or failed',
    args: [
      {
        name: 'checklist',
        type: 'word',
        description: 'only this checklist',
        syntax: '[checklist]',
        autocomplete: 'checklist',
      },
      {
        name: 'limit',
        type: 'integer',
        description: 'how many runs (1–50)',
        syntax: '[--limit n]',
        flag: 'limit',
        range: { min: 1, max: 50, sentence: '--limit takes a whole number from 1 to 50.' },
      },
    ],
    build: (v) => ({
      kind: 'history',
      checklist: word(v.checklist) || null,
      limit: v.limit === undefined ? null : Number(v.limit),
    }),
  },
  {
    name: 'help',
    aliases: [],
    summary: 'this help',
    args: [{ name: 'command', type: 'word', description: 'help for one command', syntax: '[command]' }],
    build: (v) => ({ kind: 'help', topic: word(v.command).toLowerCase() || null }),
  },
];

const BY_WORD = new Map<string, VerbSpec>(
  VERBS.flatMap((verb) => [verb.name, ...verb.aliases].map((name) => [name, verb] as const)),
);

/** The verb a word names, by its name or an alias, in any case. */
export function verbNamed(typed: string): VerbSpec | undefined {
  return BY_WORD.get(typed.toLowerCase());
}

/** `skip <ref> <reason>`: the verb and the help form of each argument (the run id is in the footer). */
function syntaxOf(verb: VerbSpec): string {
  return [verb.name, ...verb.args.map((arg) => arg.syntax).filter(Boolean)].join(' ');
}

export const HELP_TEXT = [
  'Usage: /deploy <command>',
  ...VERBS.map((verb) => `  ${syntaxOf(verb).padEnd(44)} ${verb.summary}`),
  'Items are named by the reference shown next to them (1.2, 3.4.1). Add --id <run> to act on a run',
  'other than this channel’s active one. Quote text with spaces where it would be ambiguous: "like this".',
].join('\n');

/** Help for one command, or all of it. */
export function helpFor(topic: string | null): string {
  const verb = topic ? verbNamed(topic) : undefined;
  return verb ? `Usage: /deploy ${syntaxOf(verb)}\n  ${verb.summary}` : HELP_TEXT;
}

/** A refusal: what is wrong, then how to say it instead. */
export function usageError(problem: string, verb: VerbSpec | null): string {
  return `${problem}\n${helpFor(verb?.name ?? null)}`;
}

/**
 * The typed command the arguments stand for, or the refusal to show (with the verb's usage). Whatever
 * platform the arguments came from, the same checks: required present, choices and ranges kept.
 */
export function commandFrom(verb: VerbSpec, values: ArgValues): ChatCommand | string {
  for (const arg of verb.args) {
    const value = values[arg.name];
    const given = value !== undefined && String(value).trim() !== '';
    if (!given) {
      if (arg.missing) return usageError(arg.missing, verb);
      continue;
    }
    if (
      arg.choices &&
      !arg.choices.some((choice) => choice.toLowerCase() === String(value).trim().toLowerCase())
    )
      return usageError(
        arg.invalid?.(String(value)) ??
          `${arg.name} is one of ${arg.choices.join(', ')}, not ${echo(String(value))}.`,
        verb,
      );
    if (arg.range) {
      const number = Number(value);
      if (!(Number.isInteger(number) && number >= arg.range.min && number <= arg.range.max))
        return usageError(arg.range.sentence, verb);
    }
  }
  return verb.build(values);
}

/**
 * A platform mention: Slack's escaped `<@U123|bo>` / `<@U123>`, Discord's `<@123>` / `<@!123>`. The id is
 * who is meant; the name after `|` is only how they are shown.
 */
export function mentionOf(typed: string): { id: string; display: string } | null {
  const match = /^<@!?([A-Za-z0-9]{1,40})(?:\|([^<>]{1,80}))?>$/.exec(typed);
  if (!match) return null;
  const id = match[1] as string;
  const name = match[2]?.trim();
  return { id, display: name ? `@${name.replace(/^@/, '')}` : `@${id}` };
}

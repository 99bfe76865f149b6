import type { RunCommand, Severity } from '../../runs/types.js';
import { type ChatCommand, mentionOf, USAGE } from '../commands.js';

/** The one description of a verb, shared with the text help. */
function summaryOf(verb: string): string {
  const usage = USAGE[verb];
  if (!usage) throw new Error(`the Discord subcommand ${verb} is not a verb of the /deploy grammar`);
  return usage.summary;
}

/**
 * `/deploy` as a Discord application command: one subcommand per verb of the shared grammar, each
 * option typed, checklist names and item references autocompleted. A submitted command becomes the same
 * typed command a Slack or terminal line parses to, built from the typed options directly.
 */

export type Completion = 'checklist' | 'item' | 'scope';
export type OptionValues = Record<string, string | number | undefined>;

interface OptionSpec {
  name: string;
  description: string;
  type: 'string' | 'integer' | 'user';
  required?: boolean;
  autocomplete?: Completion;
  choices?: string[];
  maxLength?: number;
}

interface SubcommandSpec {
  /** A verb of the shared grammar: its description is the grammar's summary (commands.ts USAGE). */
  name: string;
  options: OptionSpec[];
  /**
   * The typed command, straight from the typed options: nothing is joined into text to be parsed
   * again, so a reason carries `--id x`, quotes or a lone `6"` verbatim. A string is what is missing.
   */
  build(values: OptionValues): ChatCommand | string;
}

const SEVERITIES = ['P0', 'P1', 'P2', 'P3'];
const str = (name: string, description: string, extra: Partial<OptionSpec> = {}): OptionSpec => ({
  name,
  description,
  type: 'string',
  ...extra,
});
const item = (description = 'the item, by its reference (1.2)') =>
  str('item', description, { required: true, autocomplete: 'item' });
const reason = (description: string) => str('reason', description, { required: true, maxLength: 500 });
const run = str('run', 'a run id, when not this channel’s active run');
/** Free text as typed (a reason, a value, a version): verbatim. */
const free = (value: string | number | undefined) => (value === undefined ? null : String(value));
/** A name or reference: surrounding spaces mean nothing. */
const id = (value: string | number | undefined) => (value === undefined ? '' : String(value).trim());
const runOf = (values: OptionValues) => id(values.run) || null;
const onRun = (values: OptionValues, command: RunCommand): ChatCommand => ({
  kind: 'run',
  command,
  runId: runOf(values),
});

const SUBCOMMANDS: SubcommandSpec[] = [
  {
    name: 'start',
    options: [
      str('checklist', 'the checklist', { required: true, autocomplete: 'checklist' }),
      str('version', 'what is deployed, e.g. v1.4.2'),
      str('env', 'where it is deployed, e.g. production'),
    ],
    build: (v) => ({
      kind: 'start',
      checklist: id(v.checklist),
      version: free(v.version),
      environment: free(v.env),
    }),
  },
  {
    name: 'status',
    options: [run],
    build: (v) => ({ kind: 'status', runId: runOf(v) }),
  },
  {
    name: 'show',
    options: [item(), run],
    build: (v) => ({ kind: 'show', ref: id(v.item), runId: runOf(v) }),
  },
  {
    name: 'list',
    options: [],
    build: () => ({ kind: 'list' }),
  },
  {
    name: 'check',
    options: [
      item('the items, by reference: 1.1 1.2, 2.1-2.4, or a phase: 2'),
      str('confirm', 'yes, to tick every open item of a phase', { choices: ['yes'] }),
      run,
    ],
    build: (v) =>
      onRun(v, {
        type: 'check',
        refs: id(v.item)
          .split(/[\s,]+/)
          .filter(Boolean),
        ...(id(v.confirm) === 'yes' ? { confirmed: true } : {}),
      }),
  },
  {
    name: 'undo',
    options: [item(), run],
    build: (v) => onRun(v, { type: 'uncheck', ref: id(v.item) }),
  },
  {
    name: 'skip',
    options: [item(), reason('why it is skipped'), run],
    build: (v) => onRun(v, { type: 'skip', ref: id(v.item), reason: free(v.reason) ?? '' }),
  },
  {
    name: 'fail',
    options: [item(), reason('what failed'), run],
    build: (v) => onRun(v, { type: 'fail', ref: id(v.item), detail: free(v.reason) ?? '' }),
  },
  {
    name: 'na',
    options: [item(), run],
    build: (v) => onRun(v, { type: 'na', ref: id(v.item) }),
  },
  {
    name: 'set',
    options: [item(), str('value', 'the value', { required: true, maxLength: 200 }), run],
    build: (v) => onRun(v, { type: 'set', ref: id(v.item), value: free(v.value) ?? '' }),
  },
  {
    name: 'decide',
    options: [item(), str('option', 'the option chosen', { required: true }), run],
    build: (v) => onRun(v, { type: 'decide', ref: id(v.item), option: free(v.option) ?? '' }),
  },
  {
    name: 'signoff',
    options: [item(), run],
    build: (v) => onRun(v, { type: 'signoff', ref: id(v.item) }),
  },
  {
    name: 'assign',
    options: [
      str('role', 'the role', { required: true }),
      { name: 'person', description: 'who', type: 'user', required: true },
      run,
    ],
    build: (v) => {
      const person = mentionOf(id(v.person));
      return person
        ? onRun(v, { type: 'assign', role: id(v.role), person: person.display, personId: person.id })
        : 'choose the person from the list Discord offers.';
    },
  },
  {
    name: 'note',
    options: [
      str('text', 'the note', { required: true, maxLength: 1000 }),
      str('item', 'the item it is about', { autocomplete: 'item' }),
      run,
    ],
    build: (v) => {
      const note = free(v.text) ?? '';
      return onRun(v, v.item ? { type: 'note', ref: id(v.item), text: note } : { type: 'note', text: note });
    },
  },
  {
    name: 'complete',
    options: [run],
    build: (v) => onRun(v, { type: 'complete' }),
  },
  {
    name: 'abort',
    options: [reason('why'), run],
    build: (v) => onRun(v, { type: 'abort', reason: free(v.reason) ?? '' }),
  },
  {
    name: 'rollback',
    options: [reason('why'), run],
    build: (v) => onRun(v, { type: 'rollback', reason: free(v.reason) ?? '' }),
  },
  {
    name: 'escalate',
    options: [reason('what is wrong'), str('severity', 'how bad', { choices: SEVERITIES }), run],
    build: (v) => {
      const reason = free(v.reason) ?? '';
      const severity = SEVERITIES.find((known) => known === v.severity) as Severity | undefined;
      return onRun(v, severity ? { type: 'escalate', reason, severity } : { type: 'escalate', reason });
    },
  },
  {
    name: 'ack',
    options: [run],
    build: (v) => onRun(v, { type: 'ack' }),
  },
  {
    name: 'resolve',
    options: [run],
    build: (v) => onRun(v, { type: 'resolve' }),
  },
  {
    name: 'oncall',
    options: [],
    build: () => ({ kind: 'oncall' }),
  },
  {
    name: 'run-checks',
    options: [str('scope', 'an item, a phase, or all', { autocomplete: 'scope' }), run],
    build: (v) => {
      const scope = free(v.scope)?.trim() ?? null;
      return {
        kind: 'run-checks',
        scope: scope && scope.toLowerCase() !== 'all' ? scope : null,
        runId: runOf(v),
      };
    },
  },
  {
    name: 'report',
    options: [run],
    build: (v) => ({ kind: 'report', runId: runOf(v) }),
  },
  {
    name: 'history',
    options: [
      str('checklist', 'only this checklist', { autocomplete: 'checklist' }),
      { name: 'limit', description: 'how many runs (1–50)', type: 'integer' },
    ],
    build: (v) => ({
      kind: 'history',
      checklist: free(v.checklist)?.trim() || null,
      limit: typeof v.limit === 'number' ? v.limit : null,
    }),
  },
  {
    name: 'help',
    options: [str('command', 'help for one command')],
    build: (v) => ({ kind: 'help', topic: free(v.command)?.trim().toLowerCase() || null }),
  },
];

const BY_NAME = new Map(SUBCOMMANDS.map((spec) => [spec.name, spec]));

/** The command a submitted subcommand stands for, or what is wrong with it (an unknown subcommand shows the help). */
export function subcommandToCommand(subcommand: string, values: OptionValues): ChatCommand | string {
  const spec = BY_NAME.get(subcommand);
  if (!spec) return { kind: 'help', topic: null };
  return spec.build(values);
}

/** How a submitted subcommand reads back to the person who typed it. */
export function describeSubcommand(subcommand: string, values: OptionValues): string {
  const options = Object.entries(values).map(([name, value]) => `${name}: ${String(value)}`);
  return [`/deploy ${subcommand}`, ...options].join(' · ');
}

/** Which completion an option asks for, or null. */
export function completionOf(subcommand: string, option: string): Completion | null {
  return BY_NAME.get(subcommand)?.options.find((spec) => spec.name === option)?.autocomplete ?? null;
}

const OPTION_TYPE = { string: 3, integer: 4, user: 6 } as const;

/** The command as Discord's "create application command" endpoint takes it. */
export function deployCommandDefinition(name = 'deploy') {
  return {
    name,
    type: 1,
    description: 'Run a deployment checklist in this channel',
    options: SUBCOMMANDS.map((spec) => ({
      type: 1,
      name: spec.name,
      description: summaryOf(spec.name).slice(0, 100),
      options: spec.options.map((option) => ({
        type: OPTION_TYPE[option.type],
        name: option.name,
        description: option.description.slice(0, 100),
        required: option.required ?? false,
        ...(option.autocomplete ? { autocomplete: true } : {}),
        ...(option.choices
          ? { choices: option.choices.map((choice) => ({ name: choice, value: choice })) }
          : {}),
        ...(option.maxLength ? { max_length: option.maxLength } : {}),
        ...(option.type === 'integer' ? { min_value: 1, max_value: 50 } : {}),
      })),
    })),
  };
}

/**
 * `/deploy` as a Discord application command: one subcommand per verb of the shared grammar, each
 * option typed, checklist names and item references autocompleted. A submitted command becomes the same
 * `/deploy …` text a Slack or terminal user types, so it behaves exactly the same everywhere.
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
  name: string;
  description: string;
  options: OptionSpec[];
  /** The words after `/deploy`, from the option values. */
  words(values: OptionValues): (string | undefined)[];
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
const text = (value: string | number | undefined) => (value === undefined ? undefined : String(value));
const runFlag = (values: OptionValues) => (values.run ? `--id ${values.run}` : undefined);

const SUBCOMMANDS: SubcommandSpec[] = [
  {
    name: 'start',
    description: 'start a run of a checklist here',
    options: [
      str('checklist', 'the checklist', { required: true, autocomplete: 'checklist' }),
      str('version', 'what is deployed, e.g. v1.4.2'),
      str('env', 'where it is deployed, e.g. production'),
    ],
    words: (v) => ['start', text(v.checklist), text(v.version), v.env ? `--env ${v.env}` : undefined],
  },
  {
    name: 'status',
    description: 'show the run: progress per phase and every item',
    options: [run],
    words: (v) => ['status', runFlag(v)],
  },
  {
    name: 'show',
    description: 'what an item asks: the notes under it, its check, its section',
    options: [item(), run],
    words: (v) => ['show', runFlag(v), text(v.item)],
  },
  {
    name: 'list',
    description: 'the checklists you can start, and recent runs here',
    options: [],
    words: () => ['list'],
  },
  {
    name: 'check',
    description: 'tick items off, e.g. 1.1 1.2',
    options: [item('the items, by reference: 1.1 1.2'), run],
    words: (v) => ['check', text(v.item), runFlag(v)],
  },
  {
    name: 'undo',
    description: 'reopen an item that was done, skipped, failed or N/A',
    options: [item(), run],
    words: (v) => ['undo', text(v.item), runFlag(v)],
  },
  {
    name: 'skip',
    description: 'skip an item, saying why',
    options: [item(), reason('why it is skipped'), run],
    words: (v) => ['skip', runFlag(v), text(v.item), text(v.reason)],
  },
  {
    name: 'fail',
    description: 'mark an item failed, saying what failed',
    options: [item(), reason('what failed'), run],
    words: (v) => ['fail', runFlag(v), text(v.item), text(v.reason)],
  },
  {
    name: 'na',
    description: 'mark an item not applicable',
    options: [item(), run],
    words: (v) => ['na', text(v.item), runFlag(v)],
  },
  {
    name: 'set',
    description: 'record a value: 420, or p50=180 p95=450',
    options: [item(), str('value', 'the value', { required: true, maxLength: 200 }), run],
    words: (v) => ['set', runFlag(v), text(v.item), text(v.value)],
  },
  {
    name: 'decide',
    description: 'answer a decision, e.g. keep',
    options: [item(), str('option', 'the option chosen', { required: true }), run],
    words: (v) => ['decide', runFlag(v), text(v.item), text(v.option)],
  },
  {
    name: 'signoff',
    description: 'sign off an item as yourself (your role must match)',
    options: [item(), run],
    words: (v) => ['signoff', text(v.item), runFlag(v)],
  },
  {
    name: 'assign',
    description: 'give someone a role for this run',
    options: [
      str('role', 'the role', { required: true }),
      { name: 'person', description: 'who', type: 'user', required: true },
      run,
    ],
    words: (v) => ['assign', runFlag(v), text(v.role), text(v.person)],
  },
  {
    name: 'note',
    description: 'add a note to the run, or to one item',
    options: [
      str('text', 'the note', { required: true, maxLength: 1000 }),
      str('item', 'the item it is about', { autocomplete: 'item' }),
      run,
    ],
    words: (v) => ['note', runFlag(v), v.item ? `${v.item}:` : undefined, text(v.text)],
  },
  {
    name: 'complete',
    description: 'finish the run (every required item must be resolved)',
    options: [run],
    words: (v) => ['complete', runFlag(v)],
  },
  {
    name: 'abort',
    description: 'stop the run without deploying',
    options: [reason('why'), run],
    words: (v) => ['abort', runFlag(v), text(v.reason)],
  },
  {
    name: 'rollback',
    description: 'end the run as rolled back',
    options: [reason('why'), run],
    words: (v) => ['rollback', runFlag(v), text(v.reason)],
  },
  {
    name: 'escalate',
    description: 'page the on-call path now',
    options: [reason('what is wrong'), str('severity', 'how bad', { choices: SEVERITIES }), run],
    words: (v) => ['escalate', runFlag(v), text(v.severity), text(v.reason)],
  },
  {
    name: 'ack',
    description: 'acknowledge the open escalation: you own it, the paging stops',
    options: [run],
    words: (v) => ['ack', runFlag(v)],
  },
  {
    name: 'resolve',
    description: 'close the open escalation',
    options: [run],
    words: (v) => ['resolve', runFlag(v)],
  },
  {
    name: 'oncall',
    description: 'who is on call now, per rotation and role',
    options: [],
    words: () => ['oncall'],
  },
  {
    name: 'run-checks',
    description: 'run the automated checks now and record their results',
    options: [str('scope', 'an item, a phase, or all', { autocomplete: 'scope' }), run],
    words: (v) => ['run-checks', text(v.scope), runFlag(v)],
  },
  {
    name: 'report',
    description: 'the run’s report: durations, failures, values, sign-offs',
    options: [run],
    words: (v) => ['report', text(v.run)],
  },
  {
    name: 'history',
    description: 'recent runs here, median duration, items most often skipped or failed',
    options: [
      str('checklist', 'only this checklist', { autocomplete: 'checklist' }),
      { name: 'limit', description: 'how many runs (1–50)', type: 'integer' },
    ],
    words: (v) => ['history', text(v.checklist), v.limit !== undefined ? `--limit ${v.limit}` : undefined],
  },
  {
    name: 'help',
    description: 'how to use /deploy',
    options: [str('command', 'help for one command')],
    words: (v) => ['help', text(v.command)],
  },
];

const BY_NAME = new Map(SUBCOMMANDS.map((spec) => [spec.name, spec]));

/** The `/deploy …` line a submitted subcommand stands for; null for a subcommand this version does not know. */
export function deployTextOf(subcommand: string, values: OptionValues): string | null {
  const spec = BY_NAME.get(subcommand);
  if (!spec) return null;
  const words = spec.words(values).filter((word): word is string => Boolean(word?.trim()));
  return `/deploy ${words.map((word) => word.trim()).join(' ')}`;
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
      description: spec.description.slice(0, 100),
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

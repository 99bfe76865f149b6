import {
  type ArgSpec,
  type ArgValues,
  type ChatCommand,
  type Completion,
  commandFrom,
  VERBS,
} from '../commandSpec.js';

/**
 * `/deploy` as a Discord application command, generated from the one command spec: one subcommand per
 * verb, each argument a typed option (checklists and item references autocompleted). A submitted
 * command's options are the spec's arguments as they are, built into the typed command there: nothing
 * is joined into text and parsed again.
 */

export type { Completion } from '../commandSpec.js';

const BY_NAME = new Map(VERBS.map((verb) => [verb.name, verb]));

/** The command a submitted subcommand stands for, or the refusal to show (an unknown one shows the help). */
export function subcommandToCommand(subcommand: string, values: ArgValues): ChatCommand | string {
  const verb = BY_NAME.get(subcommand);
  if (!verb) return { kind: 'help', topic: null };
  return commandFrom(verb, values);
}

/** How a submitted subcommand reads back to the person who typed it. */
export function describeSubcommand(subcommand: string, values: ArgValues): string {
  const options = Object.entries(values).map(([name, value]) => `${name}: ${String(value)}`);
  return [`/deploy ${subcommand}`, ...options].join(' · ');
}

/** Which completion an option asks for, or null. */
export function completionOf(subcommand: string, option: string): Completion | null {
  return BY_NAME.get(subcommand)?.args.find((arg) => arg.name === option)?.autocomplete ?? null;
}

const OPTION_TYPE = { word: 3, refs: 3, text: 3, integer: 4, user: 6 } as const;

function optionOf(arg: ArgSpec) {
  return {
    type: OPTION_TYPE[arg.type],
    name: arg.name,
    description: arg.description.slice(0, 100),
    required: arg.missing !== undefined,
    ...(arg.autocomplete ? { autocomplete: true } : {}),
    ...(arg.choices ? { choices: arg.choices.map((choice) => ({ name: choice, value: choice })) } : {}),
    ...(arg.maxLength ? { max_length: arg.maxLength } : {}),
    ...(arg.range ? { min_value: arg.range.min, max_value: arg.range.max } : {}),
  };
}

/** The command as Discord's "create application command" endpoint takes it. */
export function deployCommandDefinition(name = 'deploy') {
  return {
    name,
    type: 1,
    description: 'Run a deployment checklist in this channel',
    options: VERBS.map((verb) => ({
      type: 1,
      name: verb.name,
      description: verb.summary.slice(0, 100),
      // Discord takes a subcommand's required options before its optional ones.
      options: [
        ...verb.args.filter((arg) => arg.missing !== undefined),
        ...verb.args.filter((arg) => arg.missing === undefined),
      ].map(optionOf),
    })),
  };
}

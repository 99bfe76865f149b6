import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  MessageFlags,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
  type RepliableInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { Logger } from '../../logger.js';
import { observeInteraction } from '../../metrics.js';
import { sinceReceipt } from '../../requestContext.js';
import type { RunCommand, RunState, Severity } from '../../runs/types.js';
import { viewRun } from '../../runs/view.js';
import type { ArgValues } from '../commandSpec.js';
import type { ChatCommand } from '../commands.js';
import { type ChatContext, type ChatDeps, handleCommand, handleParsed, type Reply } from '../handle.js';
import { guarded as guardedWork, presentReply, typedConfirmation } from '../present.js';
import type { RunPublisher } from '../runPublisher.js';
import type { DiscordApi } from './api.js';
import { suggest } from './autocomplete.js';
import { type DiscordMessage, NO_MENTIONS } from './components.js';
import { type Control, decodeControl, type ModalVerb } from './ids.js';
import { FIELD, modalFor } from './modals.js';
import { renderItemPanel, renderNotice } from './render.js';
import { completionOf, describeSubcommand, subcommandToCommand } from './slashCommand.js';
import { clip } from './text.js';

/**
 * What Shipcheck does with each thing a person does in Discord: a `/deploy` subcommand, a button, a
 * select, a submitted modal. Each is answered at once (a deferral, or the modal it opens: Discord waits
 * three seconds at most) and the work follows, tracked so a stop can wait for it. Notices go to the one
 * person as ephemeral messages; the run's change shows in the run's own messages.
 */

export const DISCORD_PLATFORM = 'discord';

export interface InteractionEnv {
  deps: ChatDeps;
  api: DiscordApi;
  publisher: RunPublisher<DiscordMessage>;
  logger: Logger;
  /** Runs work after the answer, in arrival order per channel, and remembers it until it is done. */
  track(channelId: string, work: () => Promise<void>): void;
  /**
   * Runs work outside the channel's order: showing a command's effect. The next interaction in the
   * channel is committed without waiting for the previous one's messages to be posted.
   */
  detach(work: () => Promise<void>): void;
  /** True the first time an interaction id is seen by this process. */
  firstSight(interactionId: string): boolean;
  /**
   * The channel of the run whose thread this is, when the thread is one Shipcheck started on a run's
   * summary and discord.js has not cached it (no thread event reached this process).
   */
  threadParent(threadId: string): Promise<string | null>;
}

const THREAD_TYPES = new Set([10, 11, 12]);

export async function onInteraction(env: InteractionEnv, interaction: Interaction): Promise<void> {
  if (interaction.isAutocomplete()) return onAutocomplete(env, interaction);
  // Discord sends each interaction once; a repeat (a replayed delivery) must not act twice. The run
  // service's idempotency key `discord:<id>` makes that so across processes; this skips the work here.
  if (!env.firstSight(interaction.id)) return;
  if (interaction.isChatInputCommand()) return onSlashCommand(env, interaction);
  if (interaction.isButton()) return onButton(env, interaction);
  if (interaction.isStringSelectMenu()) return onSelect(env, interaction);
  if (interaction.isModalSubmit()) return onModalSubmit(env, interaction);
}

/** The channel a run lives in: a thread's parent, since the run's sections are in a thread of its channel. */
function runChannelOf(interaction: Interaction): string {
  const channel = interaction.channel as { type?: number; parentId?: string | null } | null;
  if (channel && THREAD_TYPES.has(channel.type ?? -1) && channel.parentId) return channel.parentId;
  return interaction.channelId ?? '';
}

/**
 * Who asked, from where. A click inside a run's thread comes from the run's channel: the thread's parent,
 * from discord.js's cache or, for a thread it has not seen, from the summary message the thread started on.
 */
async function contextOf(env: InteractionEnv, interaction: Interaction): Promise<ChatContext> {
  const known = runChannelOf(interaction);
  const uncached = interaction.channel === null && interaction.guildId !== null;
  const channelId = (uncached ? await env.threadParent(known) : null) ?? known;
  return {
    platform: DISCORD_PLATFORM,
    channelId,
    workspaceId: interaction.guildId ?? null,
    channelPrivate: isPrivateChannel(interaction),
    actor: `@${interaction.user.username || interaction.user.id}`,
    // Roles from oncall.yaml are looked up by the Discord user id, and by the server roles they hold.
    userId: interaction.user.id,
    groups: serverRolesOf(interaction),
    idempotencyKey: `discord:${interaction.id}`,
  };
}

/**
 * Private when it is a DM or a private thread, or @everyone may not view the channel; null when the
 * channel's permission overwrites are not known here (then it counts as private).
 */
function isPrivateChannel(interaction: Interaction): boolean | null {
  const guildId = interaction.guildId;
  if (!guildId) return true;
  const channel = interaction.channel as {
    type?: number;
    parent?: unknown;
    permissionOverwrites?: { cache: Map<string, { deny: { has(bit: bigint): boolean } }> };
  } | null;
  if (!channel) return null;
  if (channel.type === 12) return true;
  const home = (THREAD_TYPES.has(channel.type ?? -1) ? channel.parent : channel) as typeof channel;
  const everyone = home?.permissionOverwrites?.cache;
  if (!everyone) return null;
  return everyone.get(guildId)?.deny.has(PermissionFlagsBits.ViewChannel) ?? false;
}

/** The ids of the server roles the person holds; none in a DM. */
function serverRolesOf(interaction: Interaction): string[] {
  const roles = interaction.member?.roles;
  if (!roles) return [];
  // A cached member carries a role manager; an uncached one the raw list of ids.
  return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

async function onAutocomplete(env: InteractionEnv, interaction: AutocompleteInteraction): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const completion = completionOf(interaction.options.getSubcommand(false) ?? '', focused.name);
  try {
    const run =
      completion === 'checklist'
        ? null
        : await env.deps.runs.activeRun(DISCORD_PLATFORM, runChannelOf(interaction));
    await interaction.respond(suggest(completion, String(focused.value ?? ''), env.deps.library, run));
  } catch (error) {
    env.logger.warn({ err: error }, 'autocomplete failed');
  }
}

async function onSlashCommand(env: InteractionEnv, interaction: ChatInputCommandInteraction): Promise<void> {
  if (!(await answered(env, () => interaction.deferReply({ flags: MessageFlags.Ephemeral })))) return;
  const context = await contextOf(env, interaction);
  env.track(context.channelId, async () => {
    await guarded(env, interaction, async () => {
      const subcommand = interaction.options.getSubcommand(false) ?? 'help';
      const values = optionValues(interaction);
      const reply = await handleParsed(env.deps, context, subcommandToCommand(subcommand, values));
      env.detach(() =>
        guarded(env, interaction, async () => {
          const said = await present(env, interaction, reply);
          if (!said)
            await tell(interaction, typedConfirmation(reply, describeSubcommand(subcommand, values)));
        }),
      );
    });
  });
}

/** The subcommand's options by name; a person option becomes `@name`, as the grammar names people. */
function optionValues(interaction: ChatInputCommandInteraction): ArgValues {
  const values: ArgValues = {};
  const options = interaction.options.data[0]?.options ?? [];
  for (const option of options) {
    // The mention form carries the user id: a role is held by the id, the name is only shown.
    if (option.user) values[option.name] = `<@${option.user.id}|${option.user.username}>`;
    else if (typeof option.value === 'string' || typeof option.value === 'number')
      values[option.name] = option.value;
  }
  return values;
}

async function onButton(env: InteractionEnv, interaction: ButtonInteraction): Promise<void> {
  const control = decodeControl(interaction.customId);
  if (!control || (control.kind !== 'run' && control.kind !== 'item')) return stale(env, interaction);
  const modalVerb = modalVerbOf(control);
  if (modalVerb) {
    const item = control.kind === 'item' ? control.item : undefined;
    const subject = control.kind === 'item' ? subjectOf(interaction) : `run ${control.runId}`;
    await answered(env, () => interaction.showModal(modalFor(modalVerb, control.runId, item, subject)));
    return;
  }
  if (!(await answered(env, () => interaction.deferUpdate()))) return;
  const command = commandOf(control);
  if (!command) return;
  env.track(runChannelOf(interaction), () => act(env, interaction, control.runId, command));
}

/** The item a panel is about, from the panel's own text: `✅ **1.2** Deploy started` → `1.2 Deploy started`. */
function subjectOf(interaction: ButtonInteraction): string {
  const text = interaction.message?.content ?? '';
  return clip(text.replace(/[*\\\u200b]/g, '').replace(/^\S+\s+/, ''), 40);
}

function modalVerbOf(control: Control): ModalVerb | null {
  if (
    control.kind === 'run' &&
    (control.verb === 'escalate' || control.verb === 'abort' || control.verb === 'rollback')
  )
    return control.verb;
  if (
    control.kind === 'item' &&
    (control.verb === 'skip' || control.verb === 'fail' || control.verb === 'set')
  )
    return control.verb;
  return null;
}

function commandOf(control: Control): ChatCommand | null {
  const run = (command: RunCommand): ChatCommand => ({ kind: 'run', command, runId: control.runId });
  if (control.kind === 'run') {
    switch (control.verb) {
      case 'checks':
        return { kind: 'run-checks', scope: null, runId: control.runId };
      case 'complete':
        return run({ type: 'complete' });
      case 'ack':
        return run({ type: 'ack' });
      case 'resolve':
        return run({ type: 'resolve' });
      default:
        return null;
    }
  }
  if (control.kind !== 'item') return null;
  switch (control.verb) {
    case 'check':
      return run({ type: 'check', refs: [control.item] });
    case 'uncheck':
      return run({ type: 'uncheck', ref: control.item });
    case 'na':
      return run({ type: 'na', ref: control.item });
    case 'decide':
      return run({ type: 'decide', ref: control.item, option: control.option ?? '' });
    case 'signoff':
      return run({ type: 'signoff', ref: control.item });
    default:
      return null;
  }
}

async function onSelect(env: InteractionEnv, interaction: StringSelectMenuInteraction): Promise<void> {
  const control = decodeControl(interaction.customId);
  if (control?.kind === 'tick') {
    if (!(await answered(env, () => interaction.deferUpdate()))) return;
    const command: ChatCommand = {
      kind: 'run',
      command: { type: 'check', refs: [...interaction.values] },
      runId: control.runId,
    };
    env.track(runChannelOf(interaction), () => act(env, interaction, control.runId, command));
    return;
  }
  if (control?.kind === 'pick') {
    if (!(await answered(env, () => interaction.deferReply({ flags: MessageFlags.Ephemeral })))) return;
    env.track(runChannelOf(interaction), () =>
      guarded(env, interaction, () =>
        showPanel(env, interaction, control.runId, interaction.values[0] ?? ''),
      ),
    );
    return;
  }
  return stale(env, interaction);
}

/** One item's buttons, to the person who picked it. */
async function showPanel(
  env: InteractionEnv,
  interaction: StringSelectMenuInteraction,
  runId: string,
  name: string,
): Promise<void> {
  const run = await env.deps.runs.get(runId);
  const item = run
    ? viewRun(run)
        .sections.flatMap((section) => section.items)
        .find((it) => it.key === name || it.ref === name)
    : null;
  if (!run || !item)
    return tell(interaction, 'That item is not in the run any more; /deploy status shows the run.');
  if (run.status !== 'active')
    return tell(interaction, `Run ${run.id} has ended; its items no longer change.`);
  const panel = renderItemPanel(item, run.id);
  await interaction.editReply({
    content: panel.content,
    components: panel.components,
    allowedMentions: NO_MENTIONS,
  });
}

async function onModalSubmit(env: InteractionEnv, interaction: ModalSubmitInteraction): Promise<void> {
  const control = decodeControl(interaction.customId);
  if (control?.kind !== 'modal') return stale(env, interaction);
  const text = interaction.fields.getTextInputValue(FIELD.text).trim();
  const severityText = control.verb === 'escalate' ? readSeverity(interaction) : null;
  const answer = () =>
    interaction.isFromMessage()
      ? interaction.deferUpdate()
      : interaction.deferReply({ flags: MessageFlags.Ephemeral });
  if (!(await answered(env, answer))) return;
  if (!text || severityText === false) {
    const why =
      severityText === false
        ? 'Severity is P0, P1, P2 or P3 (or blank).'
        : 'Say why: the audit trail keeps it.';
    return tell(interaction, why);
  }
  const item = control.item ?? '';
  const severity = severityText || undefined;
  const commands: Record<ModalVerb, RunCommand> = {
    skip: { type: 'skip', ref: item, reason: text },
    fail: { type: 'fail', ref: item, detail: text },
    set: { type: 'set', ref: item, value: text },
    escalate: severity ? { type: 'escalate', reason: text, severity } : { type: 'escalate', reason: text },
    abort: { type: 'abort', reason: text },
    rollback: { type: 'rollback', reason: text },
  };
  const command: ChatCommand = { kind: 'run', command: commands[control.verb], runId: control.runId };
  env.track(runChannelOf(interaction), () => act(env, interaction, control.runId, command));
}

/** The severity typed in the escalate modal: a severity, '' for the default, false for anything else. */
function readSeverity(interaction: ModalSubmitInteraction): Severity | '' | false {
  let typed = '';
  try {
    typed = interaction.fields.getTextInputValue(FIELD.severity).trim().toUpperCase();
  } catch {
    return '';
  }
  if (!typed) return '';
  return /^P[0-3]$/.test(typed) ? (typed as Severity) : false;
}

/** Applies a command for the person who clicked; a refusal is theirs alone, and changes nothing. */
async function act(
  env: InteractionEnv,
  interaction: RepliableInteraction,
  _runId: string,
  command: ChatCommand,
): Promise<void> {
  await guarded(env, interaction, async () => {
    const reply = await handleCommand(env.deps, await contextOf(env, interaction), command);
    env.detach(() => guarded(env, interaction, async () => void (await present(env, interaction, reply))));
  });
}

/** Shows a reply (chat/present.ts) with Discord's ways of saying and showing; true when something was said. */
function present(env: InteractionEnv, interaction: RepliableInteraction, reply: Reply): Promise<boolean> {
  return presentReply(
    env.publisher,
    env.logger,
    {
      platform: DISCORD_PLATFORM,
      platformName: 'Discord',
      tell: (text) => tell(interaction, text),
      showClick: (run) => showClickNow(env, interaction, run),
      cannotPost: (_problem, run) =>
        `Run ${run.id} is recorded, but not all of its messages could be posted here (does Shipcheck have Send Messages and Create Public Threads in this channel?). /deploy status tries again.`,
      postReport: (run, report) => postReport(env, run, report),
    },
    reply,
  );
}

/**
 * A click on one of the run's own messages (a button or the section's select, answered with a deferred
 * update) rewrites that message through the interaction's webhook at once, outside the channel's edit
 * limit; the rest of the run follows through the edit queue, which then skips this message.
 */
async function showClickNow(
  env: InteractionEnv,
  interaction: RepliableInteraction,
  run: RunState,
): Promise<void> {
  if (!interaction.isMessageComponent() || !interaction.deferred) return;
  const clicked = interaction.message;
  if (!clicked || clicked.flags.has(MessageFlags.Ephemeral)) return;
  await env.publisher.showNow(run, clicked.id, async (message) => {
    await interaction.editReply({
      content: message.content,
      components: message.components as never,
      allowedMentions: NO_MENTIONS,
    });
  });
}

/** Under the run's summary, in its thread, as on Slack; in the channel when the run has no summary. */
async function postReport(env: InteractionEnv, run: RunState, report: string): Promise<void> {
  for (const content of renderNotice(report)) {
    const message = { content, components: [], allowed_mentions: NO_MENTIONS };
    const posted = await env.publisher.postInThread(run, message);
    if (!posted) await env.api.postMessage(run.channelId, message);
  }
}

/** Deferred ephemeral replies already filled in: what follows goes as follow-ups. */
const filled = new WeakSet<RepliableInteraction>();

/** An ephemeral message to the person: the deferred reply when it is still "thinking", else a follow-up. */
async function tell(interaction: RepliableInteraction, text: string): Promise<void> {
  for (const content of renderNotice(text)) {
    const message = { content, components: [], allowedMentions: NO_MENTIONS };
    if (interaction.deferred && isEphemeralDeferral(interaction) && !filled.has(interaction)) {
      filled.add(interaction);
      await interaction.editReply(message);
    } else {
      await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
    }
  }
}

/** A slash command or a pick was deferred as an ephemeral reply; a click on a message was deferred as an update. */
function isEphemeralDeferral(interaction: RepliableInteraction): boolean {
  return interaction.ephemeral === true;
}

async function stale(env: InteractionEnv, interaction: RepliableInteraction): Promise<void> {
  env.logger.warn({ customId: (interaction as { customId?: string }).customId }, 'control not understood');
  await answered(env, () =>
    interaction.reply({
      content: 'That control is from an older version of Shipcheck; /deploy status shows the run.',
      flags: MessageFlags.Ephemeral,
    }),
  );
}

/** Makes the initial response; false (logged) when Discord no longer takes it, so nothing is applied. */
async function answered(env: InteractionEnv, answer: () => Promise<unknown>): Promise<boolean> {
  try {
    await answer();
    const elapsed = sinceReceipt();
    if (elapsed !== null) observeInteraction(env.deps.metrics, 'discord', 'ack', elapsed);
    return true;
  } catch (error) {
    env.logger.warn({ err: error }, 'could not answer the interaction in time; not acting on it');
    return false;
  }
}

function guarded(
  env: InteractionEnv,
  interaction: RepliableInteraction,
  work: () => Promise<void>,
): Promise<void> {
  return guardedWork(env.logger, (text) => tell(interaction, text), work);
}

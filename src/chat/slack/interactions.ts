import type {
  App,
  BlockAction,
  ButtonAction,
  OverflowAction,
  RespondFn,
  SlackCommandMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Logger } from '../../logger.js';
import type { RunCommand, RunState } from '../../runs/types.js';
import type { ChatCommand } from '../commands.js';
import { type ChatContext, type ChatDeps, handleCommand, handleDeployText, type Reply } from '../handle.js';
import { cannotPostGeneric, guarded as guardedWork, presentReply, typedConfirmation } from '../present.js';
import type { RunPublisher } from '../runPublisher.js';
import {
  ACTION,
  decodeItemChoice,
  decodeModalContext,
  type ItemChoice,
  type ModalContext,
  VIEW,
} from './actions.js';
import { type SlackApi, SlackApiError } from './api.js';
import type { SlackMessage, SlackModal } from './blocks.js';
import {
  endModal,
  escalateModal,
  failModal,
  howError,
  readEndHow,
  readReason,
  readSeverity,
  readValue,
  reasonError,
  setModal,
  skipModal,
  type ViewValues,
  valueError,
} from './modals.js';
import { renderNotice, renderReport } from './render.js';

/**
 * What Shipcheck does with each thing a person does in Slack: a `/deploy` command, a choice in an item's
 * menu, a button, a submitted modal. Every listener acknowledges first (Slack waits three seconds at
 * most) and does the work after, tracked so a stop can wait for it.
 */

export const SLACK_PLATFORM = 'slack';

export interface InteractionEnv {
  deps: ChatDeps;
  api: SlackApi;
  publisher: RunPublisher<SlackMessage>;
  logger: Logger;
  /** Runs work after the acknowledgement, in arrival order per channel, and remembers it until it is done. */
  track(channelId: string, work: () => Promise<void>): void;
  /**
   * Runs work outside the channel's order: showing a command's effect. The next click in the channel is
   * committed without waiting for the previous one's messages (posting a big run takes many seconds).
   */
  detach(work: () => Promise<void>): void;
}

/** The person as a click or a submitted modal names them: the id and team are who they are. */
type SlackUser = { id: string; username?: string; name?: string; team_id?: string };

/**
 * What the payload tells of a channel's privacy: Slack names private channels `privategroup` in a command,
 * and legacy private channels and DMs have G/D ids. Anything else is taken as public.
 */
function isPrivateChannel(channelId: string, channelName: string | undefined): boolean {
  if (/^[GD]/.test(channelId)) return true;
  return (
    channelName === 'privategroup' || channelName === 'directmessage' || /^mpdm-/.test(channelName ?? '')
  );
}

/** Where an answer for one person goes. */
interface Audience {
  channelId: string;
  userId: string;
  respond?: RespondFn;
  /** The run message that was clicked, and how to rewrite it at once through the click's response_url. */
  clicked?: { messageTs: string; replace: (message: SlackMessage) => Promise<void> };
}

export function registerInteractions(app: App, env: InteractionEnv): void {
  // The app receives only its own commands, so any command name works (`/deploy`, or another in a test app).
  app.command(/.*/, async (args) => {
    const audience: Audience = {
      channelId: args.command.channel_id,
      userId: args.command.user_id,
      respond: args.respond,
    };
    durably(env, args.ack, audience, () => onSlashCommand(env, args));
  });

  const itemChoice = async (
    ack: () => Promise<void>,
    body: BlockAction,
    action: OverflowAction | ButtonAction,
    value: string,
    respond: RespondFn,
  ) => {
    const choice = decodeItemChoice(value);
    // A choice that opens a modal has a trigger id that expires in three seconds, and one that only
    // shows something writes nothing: neither waits in the channel's lane.
    if (!choice || choice.verb === 'show' || modalVerbs.has(choice.verb)) {
      await ack();
      env.detach(() => onItemChoice(env, body, action, value));
      return;
    }
    durably(env, ack, audienceOf(body), () => onItemChoice(env, body, action, value, respond));
  };
  app.action<BlockAction<OverflowAction>>(ACTION.item, ({ ack, body, action, respond }) =>
    itemChoice(ack, body, action, action.selected_option?.value ?? '', respond),
  );
  app.action<BlockAction<ButtonAction>>(ACTION.itemButton, ({ ack, body, action, respond }) =>
    itemChoice(ack, body, action, action.value ?? '', respond),
  );

  app.action<BlockAction<ButtonAction>>(ACTION.complete, async ({ ack, body, action, respond }) => {
    const audience = withClicked(audienceOf(body, respond), body, respond);
    const runId = action.value ?? '';
    durably(env, ack, audience, () =>
      runAndShow(env, slackUser(body), audience, runId, { type: 'complete' }, actionKey(body, action)),
    );
  });

  app.action<BlockAction<ButtonAction>>(ACTION.ack, async ({ ack, body, action, respond }) => {
    const audience = withClicked(audienceOf(body, respond), body, respond);
    const runId = action.value ?? '';
    durably(env, ack, audience, () =>
      runAndShow(env, slackUser(body), audience, runId, { type: 'ack' }, actionKey(body, action)),
    );
  });

  app.action<BlockAction<ButtonAction>>(ACTION.end, async ({ ack, body, action, respond }) => {
    await ack();
    const audience = audienceOf(body, respond);
    const context: ModalContext = { runId: action.value ?? '', channelId: audience.channelId };
    env.detach(() => openModal(env, audience, body.trigger_id, endModal(`run ${context.runId}`, context)));
  });

  app.action<BlockAction<ButtonAction>>(ACTION.runChecks, async ({ ack, body, action, respond }) => {
    await ack();
    const audience = audienceOf(body, respond);
    const chat: ChatCommand = { kind: 'run-checks', scope: null, runId: action.value ?? '' };
    env.track(audience.channelId, () =>
      handleAndShow(env, slackUser(body), audience, chat, actionKey(body, action)),
    );
  });

  app.action<BlockAction<ButtonAction>>(ACTION.escalate, async ({ ack, body, action, respond }) => {
    await ack();
    const audience = audienceOf(body, respond);
    const context: ModalContext = { runId: action.value ?? '', channelId: audience.channelId };
    env.detach(() => openModal(env, audience, body.trigger_id, escalateModal(context)));
  });

  app.view<ViewSubmitAction>(VIEW.escalate, async ({ ack, body, view }) => {
    const values = view.state.values as ViewValues;
    const reason = readReason(values);
    if (!reason)
      return ack(reasonError('Say what is wrong: it is the first thing the on-call person reads.'));
    const context = decodeModalContext(view.private_metadata);
    if (!context) return ack();
    const severity = readSeverity(values);
    const command: RunCommand = severity
      ? { type: 'escalate', reason, severity }
      : { type: 'escalate', reason };
    const audience = { channelId: context.channelId, userId: body.user.id };
    durably(
      env,
      () => ack(),
      audience,
      () => runAndShow(env, slackUser(body), audience, context.runId, command, `slack:view:${body.view.id}`),
    );
  });

  app.view<ViewSubmitAction>(VIEW.set, async ({ ack, body, view }) => {
    const value = readValue(view.state.values as ViewValues);
    if (!value) return ack(valueError('Type the value to record.'));
    const context = decodeModalContext(view.private_metadata);
    if (!context?.item) return ack();
    const audience = { channelId: context.channelId, userId: body.user.id };
    const command: RunCommand = { type: 'set', ref: context.item, value };
    durably(
      env,
      () => ack(),
      audience,
      () => runAndShow(env, slackUser(body), audience, context.runId, command, `slack:view:${body.view.id}`),
    );
  });
  app.view<ViewSubmitAction>(VIEW.skip, async ({ ack, body, view }) => {
    await onReasonSubmitted(env, ack, body, view.state.values as ViewValues, 'skip');
  });
  app.view<ViewSubmitAction>(VIEW.fail, async ({ ack, body, view }) => {
    await onReasonSubmitted(env, ack, body, view.state.values as ViewValues, 'fail');
  });
  app.view<ViewSubmitAction>(VIEW.end, async ({ ack, body, view }) => {
    const context = decodeModalContext(view.private_metadata);
    const values = view.state.values as ViewValues;
    const how = readEndHow(values);
    const reason = readReason(values);
    if (!how) return ack(howError('Choose abort or roll back.'));
    if (!reason) return ack(reasonError('Say why the run ends: the audit trail keeps it.'));
    if (!context) return ack();
    const audience = { channelId: context.channelId, userId: body.user.id };
    durably(
      env,
      () => ack(),
      audience,
      () =>
        runAndShow(
          env,
          slackUser(body),
          audience,
          context.runId,
          { type: how, reason },
          `slack:view:${body.view.id}`,
        ),
    );
  });
}

async function onSlashCommand(env: InteractionEnv, args: SlackCommandMiddlewareArgs): Promise<void> {
  const { command, respond } = args;
  const audience: Audience = { channelId: command.channel_id, userId: command.user_id, respond };
  const context: ChatContext = {
    platform: SLACK_PLATFORM,
    channelId: command.channel_id,
    workspaceId: command.team_id || null,
    channelPrivate: isPrivateChannel(command.channel_id, command.channel_name),
    actor: actorName(command.user_name, command.user_id),
    userId: command.user_id,
    // Slack gives every invocation its own trigger id: a redelivered command carries the same one.
    idempotencyKey: `slack:cmd:${command.trigger_id}`,
  };
  await guarded(env, audience, async () => {
    const typed = `/deploy ${command.text ?? ''}`.trim();
    const reply = await handleDeployText(env.deps, context, typed);
    env.detach(() =>
      guarded(env, audience, async () => {
        if (!(await present(env, reply, audience)))
          await tell(env, audience, typedConfirmation(reply, typed));
      }),
    );
  });
}

async function onItemChoice(
  env: InteractionEnv,
  body: BlockAction,
  action: OverflowAction | ButtonAction,
  value: string,
  respond?: RespondFn,
): Promise<void> {
  const audience = respond ? withClicked(audienceOf(body), body, respond) : audienceOf(body);
  const choice = decodeItemChoice(value);
  if (!choice) {
    env.logger.warn({ value }, 'item menu choice not understood');
    return tell(
      env,
      audience,
      'That menu is from an older version of Shipcheck; /deploy status shows the run.',
    );
  }
  if (choice.verb === 'show') {
    const show: ChatCommand = { kind: 'show', ref: choice.item, runId: choice.runId };
    return handleAndShow(env, slackUser(body), audience, show, actionKey(body, action));
  }
  const modal = modalFor(choice, shownLine(body, action.block_id) ?? `item ${choice.item}`, audience);
  if (modal) return openModal(env, audience, body.trigger_id, modal);
  const command = commandOf(choice);
  if (command)
    await runAndShow(env, slackUser(body), audience, choice.runId, command, actionKey(body, action));
}

/** Skip, fail and record need words a click cannot carry: they open a modal that asks for them. */
function modalFor(choice: ItemChoice, line: string, audience: Audience): SlackModal | null {
  const context: ModalContext = { runId: choice.runId, item: choice.item, channelId: audience.channelId };
  switch (choice.verb) {
    case 'skip':
      return skipModal(line, context);
    case 'fail':
      return failModal(line, context);
    case 'set':
      return setModal(line, context);
    default:
      return null;
  }
}

function commandOf(choice: ItemChoice): RunCommand | null {
  switch (choice.verb) {
    case 'check':
      return { type: 'check', refs: [choice.item] };
    case 'uncheck':
      return { type: 'uncheck', ref: choice.item };
    case 'na':
      return { type: 'na', ref: choice.item };
    case 'decide':
      return { type: 'decide', ref: choice.item, option: choice.option ?? '' };
    case 'signoff':
      return { type: 'signoff', ref: choice.item };
    default:
      return null;
  }
}

async function onReasonSubmitted(
  env: InteractionEnv,
  ack: (response?: ReturnType<typeof reasonError>) => Promise<void>,
  body: ViewSubmitAction,
  values: ViewValues,
  verb: 'skip' | 'fail',
): Promise<void> {
  const reason = readReason(values);
  if (!reason) {
    return ack(reasonError(verb === 'skip' ? 'Say why it is skipped.' : 'Say what failed.'));
  }
  const context = decodeModalContext(body.view.private_metadata);
  if (!context?.item) return ack();
  const command: RunCommand =
    verb === 'skip'
      ? { type: 'skip', ref: context.item, reason }
      : { type: 'fail', ref: context.item, detail: reason };
  const audience = { channelId: context.channelId, userId: body.user.id };
  // A view is submitted once; a redelivery of that submission carries the same view id.
  durably(
    env,
    () => ack(),
    audience,
    () => runAndShow(env, slackUser(body), audience, context.runId, command, `slack:view:${body.view.id}`),
  );
}

/** Slack waits three seconds for an answer; a commit still running after this is answered as "recording". */
export const ACK_BUDGET_MS = 2_000;

export const RECORDING_NOTICE =
  'Received: still recording it (the database is slow). You will see the outcome here in a moment.';

/** What a choice opens a modal for: skip, fail and record need words a click cannot carry. */
const modalVerbs = new Set(['skip', 'fail', 'set']);

/**
 * Answers Slack only once `commit` has recorded what the person did, in the channel's ordered lane:
 * Slack never resends a request that got its answer, so an answer before the commit is a click a crash
 * can lose. When the commit outlasts ACK_BUDGET_MS, Slack is answered anyway and the person is told,
 * truthfully, that it is still being recorded; the outcome follows as it always does.
 */
function durably(
  env: InteractionEnv,
  ack: () => Promise<void>,
  audience: Audience,
  commit: () => Promise<void>,
): void {
  let answered: Promise<void> | null = null;
  const answer = () => {
    answered ??= ack().catch((error: unknown) => env.logger.warn({ err: error }, 'could not answer Slack'));
    return answered;
  };
  const slow = setTimeout(() => {
    void answer().then(() =>
      tell(env, audience, RECORDING_NOTICE).catch((error: unknown) =>
        env.logger.warn({ err: error }, 'could not say the click is being recorded'),
      ),
    );
  }, ACK_BUDGET_MS);
  env.track(audience.channelId, async () => {
    try {
      await commit();
    } finally {
      clearTimeout(slow);
      await answer();
    }
  });
}

/** Applies a command to a named run for the person who clicked, then shows what changed. */
async function runAndShow(
  env: InteractionEnv,
  user: SlackUser,
  audience: Audience,
  runId: string,
  command: RunCommand,
  idempotencyKey: string,
): Promise<void> {
  await handleAndShow(env, user, audience, { kind: 'run', command, runId }, idempotencyKey);
}

/** Any command on behalf of the person who clicked, then what it changed. */
async function handleAndShow(
  env: InteractionEnv,
  user: SlackUser,
  audience: Audience,
  chat: ChatCommand,
  idempotencyKey: string,
): Promise<void> {
  const context: ChatContext = {
    platform: SLACK_PLATFORM,
    channelId: audience.channelId,
    workspaceId: user.team_id || null,
    actor: actorName(user.username ?? user.name, user.id),
    // Roles from oncall.yaml are looked up by the Slack user id.
    userId: user.id,
    idempotencyKey,
  };
  await guarded(env, audience, async () => {
    const reply = await handleCommand(env.deps, context, chat);
    env.detach(() => guarded(env, audience, async () => void (await present(env, reply, audience))));
  });
}

/** Shows a reply (chat/present.ts) with Slack's ways of saying and showing. */
async function present(env: InteractionEnv, reply: Reply, audience: Audience): Promise<boolean> {
  const clicked = audience.clicked;
  return presentReply(
    env.publisher,
    env.logger,
    {
      platform: SLACK_PLATFORM,
      platformName: 'Slack',
      tell: (text) => tell(env, audience, text),
      // The person who clicked sees the click in that message now; chat.update's queue serves the rest.
      ...(clicked
        ? {
            showClick: async (run, publisher) =>
              void (await publisher.showNow(run, clicked.messageTs, clicked.replace)),
          }
        : {}),
      cannotPost: cannotPostNotice,
      postReport: async (run, report) => void (await env.publisher.postInThread(run, renderReport(report))),
    },
    reply,
  );
}

function cannotPostNotice(problem: unknown, run: RunState): string {
  const code = problem instanceof SlackApiError ? problem.error : null;
  if (code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived') {
    return `Run ${run.id} is recorded, but Shipcheck cannot post in this channel (${code}). Invite it with /invite @Shipcheck, then /deploy status shows the run here.`;
  }
  return cannotPostGeneric(run);
}

/** An ephemeral message to one person; through response_url when the app cannot post in the channel. */
async function tell(env: InteractionEnv, audience: Audience, text: string): Promise<void> {
  const message = renderNotice(text);
  try {
    await env.api.postEphemeral(audience.channelId, audience.userId, message);
  } catch (error) {
    if (!audience.respond) throw error;
    env.logger.debug({ err: error }, 'postEphemeral failed; answering through response_url');
    await audience.respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: message.text,
      blocks: message.blocks,
    });
  }
}

async function openModal(
  env: InteractionEnv,
  audience: Audience,
  triggerId: string,
  modal: SlackModal,
): Promise<void> {
  await guarded(env, audience, () => env.api.openView(triggerId, modal));
}

function guarded(env: InteractionEnv, audience: Audience, work: () => Promise<void>): Promise<void> {
  return guardedWork(env.logger, (text) => tell(env, audience, text), work);
}

/** The clicked message, when the click came from one, rewritten in place through the click's response_url. */
function withClicked(audience: Audience, body: BlockAction, respond: RespondFn): Audience {
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  if (!messageTs) return audience;
  const replace = async (message: SlackMessage) => {
    await respond({ replace_original: true, text: message.text, blocks: message.blocks as never });
  };
  return { ...audience, clicked: { messageTs: String(messageTs), replace } };
}

function audienceOf(body: BlockAction, respond?: RespondFn): Audience {
  const channelId = body.channel?.id ?? body.container?.channel_id ?? '';
  return { channelId, userId: body.user.id, ...(respond ? { respond } : {}) };
}

/**
 * One click, one key: Slack stamps each click with its own action_ts, and a redelivery of the same click
 * carries the same one, so the run service applies it once.
 */
function actionKey(
  body: BlockAction,
  action: { action_ts: string; action_id: string; block_id: string },
): string {
  return `slack:act:${action.action_ts}:${body.user.id}:${action.block_id}:${action.action_id}`;
}

/** How people are named on messages and in the audit trail: `@ana`, as in every other channel. */
function actorName(username: string | undefined, userId: string): string {
  return `@${username || userId}`;
}

/** The item's line as the clicked message showed it: already escaped mrkdwn that Shipcheck wrote. */
function shownLine(body: BlockAction, blockId: string): string | null {
  const blocks = (body.message as { blocks?: { block_id?: string; text?: { text?: string } }[] } | undefined)
    ?.blocks;
  const block = blocks?.find((candidate) => candidate.block_id === blockId);
  return block?.text?.text ?? null;
}

/** Who acted, in which workspace: the request's team, else the user's own. */
function slackUser(body: BlockAction | ViewSubmitAction): SlackUser {
  const team = body.team?.id ?? (body.user as { team_id?: string }).team_id;
  return { ...body.user, ...(team ? { team_id: team } : {}) };
}

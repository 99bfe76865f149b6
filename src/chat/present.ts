import type { Logger } from '../logger.js';
import { echo } from '../runs/limits.js';
import type { RunState } from '../runs/types.js';
import { viewRun } from '../runs/view.js';
import { failureNotice } from './failure.js';
import type { Reply } from './handle.js';
import { renderSummaryText } from './render/text.js';
import type { RunPublisher } from './runPublisher.js';

/**
 * What a reply does once the command is recorded, the same on every platform: the notice to the one
 * person who asked, the clicked message at once, the run's messages through the publisher, the report
 * of a run that ended under its summary. The platform supplies only how to say and show things.
 */
export interface ReplyAudience<Message> {
  /** The platform the adapter serves: a run of another one is only described, never posted here. */
  platform: string;
  /** `Slack`, `Discord`: for "it runs outside Slack". */
  platformName: string;
  /** An ephemeral message to the person who asked. */
  tell(text: string): Promise<void>;
  /** The message they clicked, rewritten in place now (outside the edit queue); absent for a typed command. */
  showClick?: (run: RunState, publisher: RunPublisher<Message>) => Promise<void>;
  /** The sentence when the run's messages could not be posted, from the platform's own error. */
  cannotPost(problem: unknown, run: RunState): string;
  /** The report of a run that just ended, for everyone, under the run's summary. */
  postReport(run: RunState, report: string): Promise<void>;
}

/** Shows a reply; true when something was said to the person (a notice, or where the run is). */
export async function presentReply<Message>(
  publisher: RunPublisher<Message>,
  logger: Logger,
  audience: ReplyAudience<Message>,
  reply: Reply,
): Promise<boolean> {
  let said = false;
  if (reply.notice) {
    await audience.tell(reply.notice);
    said = true;
  }
  const run = reply.run;
  if (!run) return said;
  if (run.platform !== audience.platform) {
    if (!reply.showAll) return said;
    await audience.tell(statusNotice(run, `It runs outside ${audience.platformName}.`));
    return true;
  }
  await audience.showClick?.(run, publisher).catch((error: unknown) => {
    logger.warn({ err: error, run: run.id }, 'could not show the click at once');
  });
  const result = await publisher.publish(run);
  if (result.problem) {
    logger.warn({ err: result.problem, run: run.id }, 'could not post the run');
    await audience.tell(audience.cannotPost(result.problem, run));
    return true;
  }
  if (reply.showAll && result.posted === 0) {
    await audience.tell(
      statusNotice(run, 'Its messages are in this channel; the sections are in the thread.'),
    );
    said = true;
  }
  if (reply.report) await audience.postReport(run, reply.report);
  return said;
}

/** Runs `work`; if it throws, logs it and tells the person, rather than leaving them with silence. */
export async function guarded(
  logger: Logger,
  tell: (text: string) => Promise<void>,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    logger.error({ err: error }, 'chat interaction failed');
    await tell(failureNotice(error)).catch((tellError: unknown) => {
      logger.error({ err: tellError }, 'could not tell the user either');
    });
  }
}

function statusNotice(run: RunState, where: string): string {
  return `Run ${run.id}. ${where}\n${renderSummaryText(viewRun(run).summary)}`;
}

/** Posting failed for a reason the platform did not name. */
export function cannotPostGeneric(run: RunState): string {
  return `Run ${run.id} is recorded, but not all of its messages could be posted. /deploy status tries again.`;
}

/**
 * What a typed command says when the reply said nothing else, the same on every platform: that it is
 * recorded (echoing what was typed), that the run is here, or that it changed nothing.
 */
export function typedConfirmation(reply: Reply, typed: string): string {
  if (reply.run && reply.showAll) return `Run ${reply.run.id} is in this channel.`;
  if (!reply.run) return 'Nothing changed: that was done already.';
  return `Done: ${echo(typed, 300)}`;
}

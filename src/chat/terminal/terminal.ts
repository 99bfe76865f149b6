import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../logger.js';
import type { RunLinks } from '../../report/chat.js';
import { withRequest } from '../../requestContext.js';
import { viewRun } from '../../runs/view.js';
import { failureNotice } from '../failure.js';
import { type ChatDeps, handleDeployText, type Reply } from '../handle.js';
import { changedParts } from '../publisher.js';
import { renderRunText } from '../render/text.js';

export const TERMINAL_PLATFORM = 'terminal';
export const TERMINAL_CHANNEL = 'local';

export interface TerminalOptions {
  deps: ChatDeps;
  input: Readable;
  output: Writable;
  /** A person at a keyboard gets a prompt and a banner; a pipe gets only the answers. */
  interactive: boolean;
  user: string;
  logger: Logger;
  /** Said once in the banner, e.g. where the data lives. */
  bannerDetail?: string;
  /** Aborted on SIGTERM/SIGINT: no new line is read, and the command in hand finishes. */
  stop?: AbortSignal;
}

/**
 * The local channel: one line is one `/deploy …` command, answered in order. It ends at end of input
 * (a pipe, or Ctrl-D) or on `quit`, after the last command has been stored.
 */
export async function runTerminal(options: TerminalOptions): Promise<void> {
  const { input, output, interactive, deps, logger } = options;
  const actor = `@${options.user}`;
  let written = 0;
  const write = (text: string) => {
    // A blank line between answers keeps a long session readable.
    output.write(`${written++ > 0 ? '\n' : ''}${text}${text.endsWith('\n') ? '' : '\n'}`);
  };
  const lines = createInterface({ input, terminal: interactive, crlfDelay: Number.POSITIVE_INFINITY });
  const stopReading = () => lines.close();
  options.stop?.addEventListener('abort', stopReading, { once: true });
  if (options.stop?.aborted) stopReading();
  // At a keyboard, readline takes Ctrl-C for itself: leave the way quit does.
  lines.on('SIGINT', stopReading);
  if (interactive) {
    write(
      `Shipcheck · terminal channel · you are ${actor}${options.bannerDetail ? ` · ${options.bannerDetail}` : ''}`,
    );
    write('Type /deploy help for the commands, /deploy list for the checklists, quit to leave.');
    lines.setPrompt('deploy> ');
    lines.prompt();
  }
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === 'quit' || line === 'exit') break;
    if (line && !line.startsWith('#')) {
      const text = /^\/?deploy\b/i.test(line) ? line.replace(/^deploy\b/i, '/deploy') : `/deploy ${line}`;
      try {
        const context = {
          platform: TERMINAL_PLATFORM,
          channelId: TERMINAL_CHANNEL,
          actor,
          idempotencyKey: `terminal:${randomUUID()}`,
        };
        const reply = await withRequest({ platform: TERMINAL_PLATFORM }, () =>
          handleDeployText(deps, context, text),
        );
        write(renderReply(reply, deps.links));
      } catch (error) {
        logger.error({ err: error, line }, 'command failed');
        write(failureNotice(error));
      }
    }
    if (interactive) lines.prompt();
  }
  options.stop?.removeEventListener('abort', stopReading);
  lines.close();
}

/** What the terminal shows for a reply: the notice, the parts of the run it should see, then any report. */
export function renderReply(reply: Reply, links?: RunLinks): string {
  const blocks: string[] = [];
  if (reply.notice) blocks.push(reply.notice);
  if (reply.run) {
    const now = new Date();
    const link = links?.link(reply.run.id) ?? null;
    const next = renderRunText(viewRun(reply.run, now), { link });
    const previous =
      reply.previous && !reply.showAll ? renderRunText(viewRun(reply.previous, now), { link }) : null;
    for (const part of changedParts(previous, next)) blocks.push(part.payload);
  }
  if (reply.report) blocks.push(reply.report);
  return blocks.length > 0 ? blocks.join('\n\n') : '(no change: that was already done)';
}

import type { MessagePort, MessageRef } from '../runPublisher.js';
import type { DiscordApi } from './api.js';
import type { DiscordMessage } from './components.js';
import { DISCORD_LIMITS } from './limits.js';
import { renderDiscordRun } from './render.js';

/**
 * How a run lives in Discord: the summary in the channel, every other part in a thread started on the
 * summary; in a channel that cannot hold threads, the parts follow the summary in the channel itself.
 */
export function discordMessagePort(api: DiscordApi): MessagePort<DiscordMessage> {
  /** Per summary message: where its sections go (a thread id, or the channel when there are no threads). */
  const threads = new Map<string, Promise<string>>();
  /** Per summary message posted by this process: the thread's name, from the summary's first line. */
  const names = new Map<string, string>();
  const threadFor = (summary: MessageRef): Promise<string> => {
    let thread = threads.get(summary.messageId);
    if (!thread) {
      thread = api
        .startThread(summary.channelId, summary.messageId, names.get(summary.messageId) ?? 'Deployment run')
        .then((id) => id ?? summary.channelId);
      // A failure is not remembered: the next post tries again.
      thread.catch(() => threads.delete(summary.messageId));
      threads.set(summary.messageId, thread);
    }
    return thread;
  };
  return {
    platform: 'discord',
    render: renderDiscordRun,
    async post(channelId, message, summary) {
      if (!summary) {
        const posted = await api.postMessage(channelId, message);
        names.set(posted.id, threadNameOf(message));
        return { channelId: posted.channelId, messageId: posted.id, threadId: null };
      }
      const where = await threadFor(summary);
      const posted = await api.postMessage(where, message);
      return {
        channelId: posted.channelId,
        messageId: posted.id,
        threadId: where === summary.channelId ? null : where,
      };
    },
    update: (ref, message) => api.editMessage(ref.channelId, ref.messageId, message),
  };
}

/** The thread's name: the summary's first line without markdown. */
export function threadNameOf(summary: DiscordMessage): string {
  const first = (summary.content.split('\n')[0] ?? 'Deployment')
    .replace(/[*\\`_~|]/g, '')
    .replace(/\u200b/g, '');
  const name = first.trim() || 'Deployment';
  return name.length <= DISCORD_LIMITS.threadName ? name : `${name.slice(0, DISCORD_LIMITS.threadName - 1)}…`;
}

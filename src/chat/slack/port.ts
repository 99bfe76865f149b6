import type { MessagePort } from '../runPublisher.js';
import type { SlackApi } from './api.js';
import type { SlackMessage } from './blocks.js';
import { renderSlackRun } from './render.js';

/** How a run lives in Slack: a summary in the channel, every other part in the summary's thread. */
export function slackMessagePort(api: SlackApi): MessagePort<SlackMessage> {
  return {
    platform: 'slack',
    render: renderSlackRun,
    async post(channelId, message, summary) {
      const threadTs = summary?.messageId;
      const posted = await api.postMessage(channelId, message, threadTs);
      return { channelId: posted.channel, messageId: posted.ts, threadId: threadTs ?? null };
    },
    update: (ref, message) => api.update(ref.channelId, ref.messageId, message),
  };
}

import { isChatNotice, type Notifier } from '../../escalation/notify.js';
import type { SlackApi } from './api.js';
import { SLACK_PLATFORM } from './interactions.js';
import { renderNotice } from './render.js';

/**
 * Pages and reminders of Slack runs: posted in the run's channel mentioning the people paged by their
 * Slack id (the only mentions Shipcheck ever writes; the text itself is escaped), and sent to each of
 * them directly. `api` is given once the adapter has started.
 */
export function slackNotifier(api: () => SlackApi | null): Notifier {
  return {
    name: 'slack',
    accepts: (notice) => notice.run.platform === SLACK_PLATFORM && isChatNotice(notice),
    async send(notice) {
      const client = api();
      if (!client) return 'retry';
      const ids = [
        ...new Set(
          notice.targets.flatMap((target) =>
            'person' in target && target.slack && /^[UW][A-Z0-9]+$/.test(target.slack) ? [target.slack] : [],
          ),
        ),
      ];
      const message = renderNotice(notice.text);
      const mentions = ids.map((id) => `<@${id}>`).join(' ');
      try {
        const mentionBlock = {
          type: 'section' as const,
          text: { type: 'mrkdwn' as const, text: mentions, verbatim: true as const },
        };
        await client.postMessage(
          notice.run.channelId,
          mentions
            ? {
                ...message,
                text: `${mentions} ${message.text ?? ''}`.trim(),
                blocks: [mentionBlock, ...(message.blocks ?? [])],
              }
            : message,
        );
        for (const id of ids) {
          // A direct message to the person; the channel post already reached them if this fails.
          await client.postMessage(id, message).catch(() => undefined);
        }
        return 'done';
      } catch {
        return 'retry';
      }
    },
  };
}

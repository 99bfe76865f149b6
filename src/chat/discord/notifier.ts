import { isChatNotice, type Notifier } from '../../escalation/notify.js';
import type { DiscordApi } from './api.js';
import { NO_MENTIONS } from './components.js';
import { DISCORD_PLATFORM } from './interactions.js';
import { renderNotice } from './render.js';

/**
 * Pages and reminders of Discord runs: posted in the run's channel, mentioning the people paged by
 * their Discord id, with allowed mentions limited to exactly those people (the page's text cannot
 * reach anyone else), and sent to each of them as a direct message.
 */
export function discordNotifier(api: DiscordApi): Notifier {
  return {
    name: 'discord',
    accepts: (notice) => notice.run.platform === DISCORD_PLATFORM && isChatNotice(notice),
    async send(notice) {
      const ids = [
        ...new Set(
          notice.targets.flatMap((target) =>
            'person' in target && target.discord && /^\d{15,21}$/.test(target.discord)
              ? [target.discord]
              : [],
          ),
        ),
      ];
      const [text = notice.text] = renderNotice(notice.text);
      const mentions = ids.map((id) => `<@${id}>`).join(' ');
      const content = mentions ? `${mentions}\n${text}`.slice(0, 2000) : text;
      try {
        await api.postMessage(notice.run.channelId, {
          content,
          components: [],
          allowed_mentions: { parse: [], users: ids },
        });
        for (const id of ids) {
          await api
            .sendDirect(id, { content: text, components: [], allowed_mentions: NO_MENTIONS })
            // A person who does not take DMs from server members is still paged in the channel.
            .catch(() => undefined);
        }
        return 'done';
      } catch (error) {
        const status = (error as { status?: number }).status ?? 0;
        return status >= 500 || status === 429 || status === 0 ? 'retry' : 'done';
      }
    },
  };
}

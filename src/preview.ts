import { renderDiscordRun } from './chat/discord/render.js';
import { renderRunText } from './chat/render/text.js';
import { renderSlackRun } from './chat/slack/render.js';
import type { Checklist } from './checklist/types.js';
import { UserError } from './errors.js';
import { initialState } from './runs/machine.js';
import { viewRun } from './runs/view.js';

/** What a fresh run of the checklist would post on a platform, as text or as the platform's JSON payloads. */
export function renderPreview(checklist: Checklist, platform: string): string {
  const state = initialState(
    {
      type: 'start',
      runId: 'preview',
      checklist,
      version: 'v0.0.0',
      environment: 'preview',
      platform,
      channelId: 'preview',
    },
    '@you',
    new Date(0),
  );
  const view = viewRun(state);
  switch (platform) {
    case 'text':
      return renderRunText(view)
        .map((part) => part.payload)
        .join('\n\n');
    case 'slack':
      // Each message's Block Kit payload in posting order, ready for Slack's Block Kit Builder.
      return JSON.stringify(
        renderSlackRun(view).map((part) => ({ part: `${part.partId}#${part.page}`, ...part.message })),
        null,
        2,
      );
    case 'discord':
      // Each message as Discord's create-message endpoint takes it, in posting order.
      return JSON.stringify(
        renderDiscordRun(view).map((part) => ({ part: `${part.partId}#${part.page}`, ...part.message })),
        null,
        2,
      );
    default:
      throw new UserError('bad_command', '--platform takes text, slack or discord');
  }
}

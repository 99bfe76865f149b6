import type { RateLimits } from '../rateLimiter.js';

/**
 * Discord's hard limits on what Shipcheck sends (API reference: messages, components, modals). Discord
 * refuses a payload that breaks one with a 400 and an error body; rendering stays inside them.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  actionRows: 5,
  buttonsPerRow: 5,
  selectOptions: 25,
  customId: 100,
  buttonLabel: 80,
  selectPlaceholder: 150,
  optionLabel: 100,
  optionValue: 100,
  optionDescription: 100,
  embedsTotal: 6000,
  modalTitle: 45,
  modalInputs: 5,
  inputLabel: 45,
  inputValue: 4000,
  threadName: 100,
  autocompleteChoices: 25,
  choiceName: 100,
  choiceValue: 100,
  subcommands: 25,
} as const;

/**
 * Shipcheck's own pacing, under Discord's: a bot may send 50 requests a second in all, and message
 * edits and posts are bucketed per channel (about five per five seconds each, by what Discord's headers
 * report). @discordjs/rest also reads X-RateLimit-* on every answer and waits out a 429's retry_after
 * per route bucket; this limiter keeps Shipcheck from leaning on that.
 */
export const DISCORD_RATE_LIMITS = {
  methods: {
    'message.post': { perMinute: 60, burst: 5, perScope: true },
    'message.edit': { perMinute: 60, burst: 5, perScope: true },
    'thread.start': { perMinute: 30, burst: 5, perScope: true },
    'dm.send': { perMinute: 60, burst: 5 },
  },
  fallback: { perMinute: 600, burst: 50 },
} satisfies RateLimits;

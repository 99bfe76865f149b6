import type { RateLimits } from '../rateLimiter.js';

/**
 * Slack's hard limits on what Shipcheck sends (Block Kit reference and chat.postMessage docs). Slack
 * rejects a payload that breaks one (`invalid_blocks`, `msg_too_long`); rendering stays inside them.
 */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  /** Slack documents no exact figure for all block text together; it starts refusing near 12,000. */
  messageText: 12_000,
  /** Where rendering stops adding, leaving room under `messageText`. */
  messageTextBudget: 9_000,
  fallbackText: 40_000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 150,
  overflowOptions: 5,
  actionId: 255,
  blockId: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
} as const;

/**
 * How fast Shipcheck calls each method, after Slack's published tiers: chat.update is Tier 3 (about 50 a
 * minute), chat.postEphemeral and views.open Tier 4, chat.postMessage about one a second per channel
 * with short bursts. Staying under them means Slack rarely has to say 429; when it does, the limiter
 * waits out Retry-After.
 */
export const SLACK_RATE_LIMITS = {
  methods: {
    'chat.update': { perMinute: 50, burst: 20 },
    'chat.postMessage': { perMinute: 60, burst: 20, perScope: true },
    'chat.postEphemeral': { perMinute: 100, burst: 20 },
    'views.open': { perMinute: 100, burst: 20 },
  },
  fallback: { perMinute: 20, burst: 5 },
} satisfies RateLimits;

import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './server.js';
import { validateMessage, validateView } from './validate.js';

/** The fake is the judge of every payload in the Slack tests: here it is checked against Slack's rules. */

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...extra,
});
const button = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: 'a',
  text: { type: 'plain_text', text },
  ...extra,
});

describe('the fake’s validator', () => {
  it('accepts a message within every limit', () => {
    expect(
      validateMessage('hi', [section('x'.repeat(3000)), { type: 'actions', elements: [button('ok')] }]),
    ).toBeNull();
  });

  it.each([
    ['51 blocks', Array.from({ length: 51 }, () => section('x'))],
    ['section text of 3001', [section('x'.repeat(3001))]],
    ['an empty section text', [section('')]],
    ['button text of 76', [{ type: 'actions', elements: [button('x'.repeat(76))] }]],
    ['button value of 2001', [{ type: 'actions', elements: [button('ok', { value: 'v'.repeat(2001) })] }]],
    ['action_id of 256', [{ type: 'actions', elements: [button('ok', { action_id: 'a'.repeat(256) })] }]],
    [
      '26 elements in actions',
      [
        {
          type: 'actions',
          elements: Array.from({ length: 26 }, (_, i) => button('b', { action_id: `a${i}` })),
        },
      ],
    ],
    ['two buttons with one action_id', [{ type: 'actions', elements: [button('a'), button('b')] }]],
    ['a repeated block_id', [section('a', { block_id: 'x' }), section('b', { block_id: 'x' })]],
    [
      'an overflow of one option',
      [
        section('a', {
          accessory: {
            type: 'overflow',
            action_id: 'o',
            options: [{ text: { type: 'plain_text', text: 'x' }, value: 'v' }],
          },
        }),
      ],
    ],
    [
      'an option value of 151',
      [
        section('a', {
          accessory: {
            type: 'overflow',
            action_id: 'o',
            options: [1, 2].map((n) => ({
              text: { type: 'plain_text', text: `${n}` },
              value: 'v'.repeat(151),
            })),
          },
        }),
      ],
    ],
    ['an unknown block', [{ type: 'carousel' }]],
  ])('refuses %s as invalid_blocks', (_what, blocks) => {
    expect(validateMessage('fallback', blocks)?.error).toBe('invalid_blocks');
  });

  it('refuses too much text as msg_too_long', () => {
    expect(validateMessage('x'.repeat(40_001), undefined)?.error).toBe('msg_too_long');
    const five = Array.from({ length: 5 }, () => section('x'.repeat(2_500)));
    expect(validateMessage('fallback', five)?.error).toBe('msg_too_long');
  });

  it('refuses a modal with a long title or over 100 blocks', () => {
    const modal = (title: string, count: number) => ({
      type: 'modal',
      title: { type: 'plain_text', text: title },
      blocks: Array.from({ length: count }, () => section('x')),
    });
    expect(validateView(modal('Twenty-four characters!!', 100))).toBeNull();
    expect(validateView(modal('Twenty-five characters!!!', 1))?.error).toBe('invalid_arguments');
    expect(validateView(modal('ok', 101))?.error).toBe('invalid_arguments');
  });
});

describe('the fake Web API', () => {
  const fake = new FakeSlack();
  let client: webApi.WebClient;
  beforeAll(async () => {
    await fake.start();
    client = new webApi.WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
  });
  afterAll(() => fake.close());

  it('keeps what a channel shows, and answers Slack’s errors', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'first', blocks: [section('one')] });
    await client.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: posted.ts as string });
    expect(fake.messages('C1').map((message) => message.text)).toEqual(['first']);
    expect(fake.thread('C1', posted.ts as string).map((message) => message.text)).toEqual(['reply']);
    await expect(
      client.chat.postMessage({
        channel: 'C1',
        text: 'x',
        blocks: Array.from({ length: 51 }, () => section('x')) as never,
      }),
    ).rejects.toMatchObject({ data: { ok: false, error: 'invalid_blocks' } });
    await expect(client.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await expect(
      new webApi.WebClient('xoxb-wrong', { slackApiUrl: fake.apiUrl }).auth.test(),
    ).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
  });

  it('answers 429 with Retry-After once a method is over its tier', async () => {
    const tight = new FakeSlack({ tiers: { 'chat.update': { perMinute: 60, burst: 1 } } });
    await tight.start();
    try {
      const tightClient = new webApi.WebClient(tight.botToken, {
        slackApiUrl: tight.apiUrl,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
      });
      const posted = await tightClient.chat.postMessage({ channel: 'C2', text: 'x' });
      await tightClient.chat.update({ channel: 'C2', ts: posted.ts as string, text: 'y' });
      await expect(
        tightClient.chat.update({ channel: 'C2', ts: posted.ts as string, text: 'z' }),
      ).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
      expect(tight.message('C2', posted.ts as string)?.text).toBe('y');
      expect(tight.callsOf('chat.update').map((call) => call.outcome)).toEqual(['ok', 'ratelimited']);
    } finally {
      await tight.close();
    }
  });
});

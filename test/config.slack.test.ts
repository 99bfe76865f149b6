import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';

const BOT = 'xoxb-1234-5678-abcdefghijkl';
const APP = 'xapp-1-A0123-4567-abcdefabcdef';
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('Slack configuration', () => {
  it('is off without a bot token, and PORT defaults to 3000', () => {
    expect(loadConfig({})).toMatchObject({ slack: null, port: 3000 });
  });

  it('uses Socket Mode with an app token, HTTP with a signing secret, and the app token wins', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP }).slack).toEqual({
      botToken: BOT,
      appToken: APP,
      signingSecret: null,
      apiUrl: null,
    });
    expect(loadConfig({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET, PORT: '8080' })).toMatchObject({
      slack: { appToken: null, signingSecret: SECRET },
      port: 8080,
    });
    expect(
      loadConfig({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_SIGNING_SECRET: SECRET }).slack
        ?.appToken,
    ).toBe(APP);
  });

  it('points the Web API at another URL, with the trailing slash the client needs', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: BOT,
      SLACK_APP_TOKEN: APP,
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
    });
    expect(config.slack?.apiUrl).toBe('http://127.0.0.1:9999/api/');
  });

  it('asks for the missing half, one line per variable, never repeating a value', () => {
    expect(refusal({ SLACK_BOT_TOKEN: BOT })).toContain(
      'SLACK_APP_TOKEN or SLACK_SIGNING_SECRET must be set with SLACK_BOT_TOKEN',
    );
    expect(refusal({ SLACK_APP_TOKEN: APP })).toContain(
      'SLACK_BOT_TOKEN must be set with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET',
    );
    const message = refusal({
      SLACK_BOT_TOKEN: 'xoxp-user-token-not-a-bot-secret',
      SLACK_APP_TOKEN: 'xoxb-wrong-kind-of-token-here',
      PORT: '99999',
    });
    expect(message).toContain('SLACK_BOT_TOKEN must be a bot token');
    expect(message).toContain('SLACK_APP_TOKEN must be an app-level token');
    expect(message).toContain('PORT must be a port number from 1 to 65535');
    expect(message).not.toContain('xoxp-user-token');
    expect(message).not.toContain('wrong-kind');
    expect(message.split('\n')).toHaveLength(1);
  });
});

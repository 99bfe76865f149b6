import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';

function configError(env: Record<string, string>): UserError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('defaults to the embedded database in .shipcheck and the checklists folder', () => {
    const config = loadConfig({ SHIPCHECK_USER: 'ana' });
    expect(config).toEqual({
      database: { kind: 'pglite', dataDir: '.shipcheck' },
      redisUrl: null,
      checklistsDir: 'checklists',
      logLevel: 'info',
      terminalUser: 'ana',
      slack: null,
      discord: null,
      port: 3000,
      host: '127.0.0.1',
      web: { enabled: true, publicUrl: null, linkSecret: null, metricsToken: null },
      checks: { timeoutMs: 5000, allowedHosts: [], deniedNetworks: [] },
      paging: { pagerDuty: null, webhook: null, heartbeatUrl: null, timerRetentionMs: 7 * 86_400_000 },
    });
  });

  it('listens on loopback in the terminal, everywhere with a chat platform, and as HOST says', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(
      loadConfig({ DISCORD_TOKEN: 'MTEwMDAwMDAwMDAwMDAwMDAwMQ.abcdef.abcdefghijklmnopqrstuvwxyz' }).host,
    ).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(
      loadConfig({
        HOST: '::',
        SLACK_BOT_TOKEN: `xoxb-${'1'.repeat(20)}`,
        SLACK_APP_TOKEN: `xapp-${'1'.repeat(20)}`,
      }).host,
    ).toBe('::');
  });

  it('reads paging settings, and refuses a webhook without a secret', () => {
    const config = loadConfig({
      PAGERDUTY_ROUTING_KEY: 'R0123456789abcdef',
      SHIPCHECK_WEBHOOK_URL: 'https://hooks.example.com/pages',
      SHIPCHECK_WEBHOOK_SECRET: 'a-long-enough-secret',
      SHIPCHECK_ALLOW_HOSTS: 'metadata.internal, other.local',
      HEARTBEAT_URL: 'https://hc.example.com/ping/abc',
      SHIPCHECK_TIMER_RETENTION_DAYS: '1.5',
    });
    expect(config.paging).toEqual({
      pagerDuty: { routingKey: 'R0123456789abcdef', url: 'https://events.pagerduty.com/v2/enqueue' },
      webhook: { url: 'https://hooks.example.com/pages', secret: 'a-long-enough-secret' },
      heartbeatUrl: 'https://hc.example.com/ping/abc',
      timerRetentionMs: 36 * 3_600_000,
    });
    expect(config.checks.allowedHosts).toEqual(['metadata.internal', 'other.local']);
    expect(loadConfig({ SHIPCHECK_CHECK_DENY: ' private, 192.0.2.0/24 ' }).checks.deniedNetworks).toEqual([
      'private',
      '192.0.2.0/24',
    ]);
    expect(configError({ SHIPCHECK_CHECK_DENY: 'private,10.0.0.0/33' }).message).toContain(
      'SHIPCHECK_CHECK_DENY has "10.0.0.0/33", which is not a range like 10.0.0.0/8 nor one of: loopback, private',
    );
    expect(configError({ SHIPCHECK_WEBHOOK_URL: 'https://hooks.example.com/x' }).message).toContain(
      'SHIPCHECK_WEBHOOK_SECRET must be set with SHIPCHECK_WEBHOOK_URL',
    );
  });

  it('uses Postgres and Redis when their URLs are set, and treats empty values as unset', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app:secret@db:5432/shipcheck',
      REDIS_URL: 'rediss://cache:6380',
      SHIPCHECK_DATA_DIR: '',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://app:secret@db:5432/shipcheck' });
    expect(config.redisUrl).toBe('rediss://cache:6380');
    expect(config.logLevel).toBe('debug');
  });

  it('names every wrong variable and what to set, without repeating a value', () => {
    const error = configError({
      DATABASE_URL: 'mysql://root:pa55word@x/db',
      REDIS_URL: 'nope',
      LOG_LEVEL: 'loud',
    });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(error.message).toContain('REDIS_URL must be a redis:// or rediss:// URL');
    expect(error.message).toContain(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(error.message).not.toContain('pa55word');
    expect(error.message.split('\n')).toHaveLength(1);
  });
});

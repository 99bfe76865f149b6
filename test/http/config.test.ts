import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('the web settings', () => {
  it('default to on, with no public URL and no configured secret', () => {
    expect(loadConfig({}).web).toEqual({
      enabled: true,
      publicUrl: null,
      linkSecret: null,
      metricsToken: null,
    });
  });

  it('read SHIPCHECK_HTTP, SHIPCHECK_PUBLIC_URL, SHIPCHECK_LINK_SECRET and METRICS_TOKEN', () => {
    const config = loadConfig({
      SHIPCHECK_HTTP: 'OFF',
      SHIPCHECK_PUBLIC_URL: 'https://shipcheck.example.com',
      SHIPCHECK_LINK_SECRET: 'a-long-enough-secret',
      METRICS_TOKEN: 'scrape-token-0123456789',
    });
    expect(config.web).toEqual({
      enabled: false,
      publicUrl: 'https://shipcheck.example.com',
      linkSecret: 'a-long-enough-secret',
      metricsToken: 'scrape-token-0123456789',
    });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(
      'METRICS_TOKEN must be at least 16 characters',
    );
  });

  it('say what to set, and never repeat a secret', () => {
    expect(() => loadConfig({ SHIPCHECK_HTTP: 'maybe' })).toThrow('SHIPCHECK_HTTP must be on or off');
    expect(() => loadConfig({ SHIPCHECK_PUBLIC_URL: 'shipcheck.example.com' })).toThrow(
      /SHIPCHECK_PUBLIC_URL must be a http:\/\/ or https:\/\/ URL/,
    );
    let message = '';
    try {
      loadConfig({ SHIPCHECK_LINK_SECRET: 'hunter2' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SHIPCHECK_LINK_SECRET must be at least 16 characters');
    expect(message).not.toContain('hunter2');
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { noteRun, withRequest } from '../../src/requestContext.js';

/** A destination that keeps the lines pino writes, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    destination: {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line));
      },
    },
  };
}

describe('log lines', () => {
  it('name the request and, once known, the run, through every await', async () => {
    const sink = capture();
    const logger = createLogger('info', { destination: sink.destination, environment: {} });
    logger.info('before any request');
    await withRequest({ requestId: 'req-1', platform: 'slack' }, async () => {
      logger.info('received');
      await new Promise((resolve) => setTimeout(resolve, 5));
      noteRun('r-42');
      await Promise.resolve();
      logger.info('committed');
    });
    logger.info('after');
    expect(sink.lines.map((line) => [line.msg, line.req, line.run])).toEqual([
      ['before any request', undefined, undefined],
      ['received', 'req-1', undefined],
      ['committed', 'req-1', 'r-42'],
      ['after', undefined, undefined],
    ]);
  });

  it('keep requests that overlap apart', async () => {
    const sink = capture();
    const logger = createLogger('info', { destination: sink.destination, environment: {} });
    const request = (id: string, run: string, delay: number) =>
      withRequest({ requestId: id }, async () => {
        noteRun(run);
        await new Promise((resolve) => setTimeout(resolve, delay));
        logger.info(`done ${id}`);
      });
    await Promise.all([request('a', 'run-a', 20), request('b', 'run-b', 1)]);
    const byMessage = Object.fromEntries(sink.lines.map((line) => [line.msg, line.run]));
    expect(byMessage).toEqual({ 'done a': 'run-a', 'done b': 'run-b' });
  });

  it('never carry a password in a URL, a secret variable, or a token field, even inside an error', () => {
    const sink = capture();
    const environment = { SLACK_BOT_TOKEN: 'xoxb-1234-abcd-secret', PATH: '/usr/bin' };
    const logger = createLogger('info', { destination: sink.destination, environment });
    logger.error(
      { err: new Error('connect to postgres://ship:hunter22@db.internal:5432/app failed') },
      'database unreachable',
    );
    logger.info({ slack: { botToken: 'xoxb-1234-abcd-secret' } }, 'config');
    logger.warn('Slack said no to xoxb-1234-abcd-secret');
    logger.info({ target: 'https://hooks.example/path?token=abc123&x=1' }, 'posting');
    const text = sink.raw.join('');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('xoxb-1234-abcd-secret');
    expect(text).not.toContain('abc123');
    expect(text).toContain('postgres://ship:***@db.internal');
    // Still one JSON object per line after masking.
    expect(sink.lines).toHaveLength(4);
  });

  it('honour the level', () => {
    const sink = capture();
    const logger = createLogger('warn', { destination: sink.destination, environment: {} });
    logger.info('quiet');
    logger.warn('loud');
    expect(sink.lines.map((line) => line.msg)).toEqual(['loud']);
  });
});

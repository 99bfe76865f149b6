import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stderr (stdout belongs to the terminal channel). Anything that looks like a credential is
 * redacted by path, so a careless `log.info({ config })` cannot leak it.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'shipcheck' },
      redact: {
        paths: [
          '*.url',
          '*.token',
          '*.password',
          '*.secret',
          '*.signingSecret',
          '*.botToken',
          '*.appToken',
          '*.DATABASE_URL',
          '*.REDIS_URL',
          'config.database.url',
          'config.redisUrl',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

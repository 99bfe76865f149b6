import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { createMasker, type Masker } from './checks/mask.js';
import { currentRequest } from './requestContext.js';

export type { Logger };

export interface LoggerOptions {
  /** Human-readable lines instead of JSON; by default when stderr is a terminal (a person is reading). */
  pretty?: boolean;
  /** Where lines go; stderr by default (stdout belongs to the terminal channel). */
  destination?: DestinationStream;
  /** Variables whose secret values must never appear in a line; the process environment by default. */
  environment?: Record<string, string | undefined>;
}

/**
 * JSON logs on stderr, one line per event, each naming the request (`req`) and run (`run`) it belongs
 * to, so one click or one page can be followed through the log. Credentials are kept out twice: fields
 * named like one are redacted by path, and every finished line is masked for URL passwords, secret
 * parameters and the values of secret variables, which also catches them inside error messages.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const readable = options.pretty ?? Boolean(process.stderr.isTTY);
  const output =
    options.destination ??
    (readable
      ? pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname,service' })
      : pino.destination({ fd: 2, sync: true }));
  const destination = maskedStream(output, createMasker([options.environment ?? process.env]));
  return pino(
    {
      level,
      base: { service: 'shipcheck' },
      mixin: requestFields,
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
    destination,
  );
}

function requestFields(): Record<string, string> {
  const context = currentRequest();
  if (!context) return {};
  return context.runId ? { req: context.requestId, run: context.runId } : { req: context.requestId };
}

function maskedStream(output: DestinationStream, mask: Masker): DestinationStream {
  return { write: (line: string) => output.write(mask(line)) };
}

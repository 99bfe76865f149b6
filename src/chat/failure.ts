/**
 * What a person is told when their command could not be carried out. A database that cannot be reached
 * is a passing condition they can act on (try again in a moment), so it gets its own sentence; anything
 * else is our bug, and the log has it.
 */

export const UNAVAILABLE_NOTICE =
  'Shipcheck cannot reach its database right now, so that was not recorded. Try again in a moment; /deploy status shows what is recorded.';

export const FAILURE_NOTICE =
  'Something went wrong on our side, and the log has the details. /deploy status shows where the run stands.';

export function failureNotice(error: unknown): string {
  return isDatabaseUnavailable(error) ? UNAVAILABLE_NOTICE : FAILURE_NOTICE;
}

/** Socket errors, and Postgres's codes for a server going away (class 08 connection, 57P0x shutdown). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const SHUTDOWN_CODES = new Set(['57P01', '57P02', '57P03']);
/** node-postgres reports a lost or unobtainable connection in words only. */
const CONNECTION_WORDS =
  /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|the database system is (starting up|shutting down)/i;

/** True when `error`, or any error it wraps, says the database could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 10; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (
      typeof code === 'string' &&
      (NETWORK_CODES.has(code) || SHUTDOWN_CODES.has(code) || code.startsWith('08'))
    )
      return true;
    if (typeof message === 'string' && CONNECTION_WORDS.test(message)) return true;
    current = cause;
  }
  return false;
}

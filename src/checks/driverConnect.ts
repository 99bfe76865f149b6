import { type DriverTarget, parsePostgresTarget, parseRedisTarget } from './driverTarget.js';
import { vetHost } from './guard.js';
import { isOwnEndpoint } from './ownEndpoints.js';
import type { KindContext } from './types.js';

export type DriverConnection =
  | { ok: true; target: DriverTarget; address: string }
  | { ok: false; detail: string };

/**
 * Where a Postgres or Redis check will connect: its URL read as the driver would, the host resolved and
 * vetted once, and Shipcheck's own endpoints refused. The driver is given `address`, never the URL.
 */
export async function vetDriverTarget(
  kind: 'postgres' | 'redis',
  url: string,
  context: KindContext,
): Promise<DriverConnection> {
  const parsed = kind === 'postgres' ? parsePostgresTarget(url) : parseRedisTarget(url);
  if (!parsed.ok) return parsed;
  const vetted = await vetHost(parsed.target.host, context.policy, context.signal);
  if (!vetted.ok) return { ok: false, detail: vetted.detail };
  if (await isOwnEndpoint(kind, parsed.target, vetted.address, context.ownEndpoints, context.policy)) {
    const what = kind === 'postgres' ? 'database' : 'Redis';
    return {
      ok: false,
      detail: `refused: that is Shipcheck's own ${what} with Shipcheck's login; give the check a login of its own`,
    };
  }
  return { ok: true, target: parsed.target, address: vetted.address };
}

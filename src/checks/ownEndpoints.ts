import { isIP } from 'node:net';
import { type DriverTarget, parsePostgresTarget, parseRedisTarget } from './driverTarget.js';
import type { NetworkPolicy } from './guard.js';

/**
 * Shipcheck's own database and Redis, as checks must never reach them with Shipcheck's credentials: a
 * query there could read the link-signing secret or every channel's runs, and post the answer to chat.
 */
export interface OwnEndpoint {
  kind: 'postgres' | 'redis';
  target: DriverTarget;
}

export function ownEndpointsFrom(urls: {
  databaseUrl?: string | null;
  redisUrl?: string | null;
}): OwnEndpoint[] {
  const own: OwnEndpoint[] = [];
  const database = urls.databaseUrl ? parsePostgresTarget(urls.databaseUrl) : null;
  if (database?.ok) own.push({ kind: 'postgres', target: database.target });
  const redis = urls.redisUrl ? parseRedisTarget(urls.redisUrl) : null;
  if (redis?.ok) own.push({ kind: 'redis', target: redis.target });
  return own;
}

/**
 * True when a check's target, already vetted to `address`, is one of Shipcheck's own endpoints used with
 * the same user: same server (any loopback address counts as the same machine), same port, same login.
 */
export async function isOwnEndpoint(
  kind: OwnEndpoint['kind'],
  target: DriverTarget,
  address: string,
  own: readonly OwnEndpoint[],
  policy: NetworkPolicy,
): Promise<boolean> {
  for (const endpoint of own) {
    if (endpoint.kind !== kind || endpoint.target.port !== target.port) continue;
    if ((endpoint.target.user ?? '') !== (target.user ?? '')) continue;
    const addresses = await addressesOf(endpoint.target.host, policy);
    if (addresses.some((candidate) => sameMachine(candidate, address))) return true;
  }
  return false;
}

async function addressesOf(host: string, policy: NetworkPolicy): Promise<string[]> {
  if (isIP(host)) return [host];
  if (host === 'localhost') return ['127.0.0.1', '::1'];
  try {
    return (await policy.resolve(host)).map((entry) => entry.address);
  } catch {
    // Shipcheck's own host does not resolve from here, so no check can reach it through that name.
    return [];
  }
}

function sameMachine(a: string, b: string): boolean {
  const plainA = a.replace(/^::ffff:/i, '');
  const plainB = b.replace(/^::ffff:/i, '');
  return plainA === plainB || (isLoopback(plainA) && isLoopback(plainB));
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Checks may reach loopback and private networks (teams check their internal services) but never the
 * link-local range or a cloud metadata endpoint, where a checklist could read instance credentials.
 * Both the name and every address it resolves to are checked; `allowedHosts` lifts the rule by name.
 */

const REFUSED_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data.ec2.internal',
]);

const refusedAddresses = new BlockList();
refusedAddresses.addSubnet('169.254.0.0', 16, 'ipv4');
refusedAddresses.addAddress('100.100.100.200', 'ipv4');
refusedAddresses.addSubnet('fe80::', 10, 'ipv6');
refusedAddresses.addAddress('fd00:ec2::254', 'ipv6');

/** `[::1]` → `::1`, `Example.COM.` → `example.com`. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

export function isAllowedByName(host: string, allowedHosts: string[]): boolean {
  const name = normalizeHost(host);
  return allowedHosts.some((allowed) => normalizeHost(allowed) === name);
}

/** True for a link-local or metadata address, including its IPv4-mapped IPv6 form. */
export function isRefusedAddress(address: string): boolean {
  const plain = address.replace(/%.*$/, '');
  const family = isIP(plain);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
    if (mapped?.[1]) return refusedAddresses.check(mapped[1], 'ipv4');
    return refusedAddresses.check(plain, 'ipv6');
  }
  return refusedAddresses.check(plain, 'ipv4');
}

function refusal(host: string, address?: string): string {
  const where = address && address !== host ? `${host} resolves to ${address}, ` : `${host} is `;
  return `refused: ${where}a link-local or cloud metadata address; add "${host}" to the allowed hosts to check it`;
}

/**
 * Null when the host may be checked, else the sentence that says why not. Resolves the name (all
 * addresses) so a friendly name pointing at a metadata address is refused too. A name that does not
 * resolve is not refused here: the check itself reports it.
 */
export async function guardHost(
  host: string,
  allowedHosts: string[],
  signal?: AbortSignal,
): Promise<string | null> {
  const name = normalizeHost(host);
  if (!name || isAllowedByName(name, allowedHosts)) return null;
  if (REFUSED_NAMES.has(name)) return refusal(name);
  if (isIP(name)) return isRefusedAddress(name) ? refusal(name) : null;
  let addresses: LookupAddress[];
  try {
    addresses = await abortable(dnsPromises.lookup(name, { all: true, verbatim: true }), signal);
  } catch {
    return null;
  }
  const refused = addresses.find((entry) => isRefusedAddress(entry.address));
  return refused ? refusal(name, refused.address) : null;
}

/**
 * A `lookup` for sockets (net, tls, undici, ws) that refuses link-local and metadata addresses at
 * connect time as well, so a name cannot resolve to something else between the guard and the connection.
 */
export function guardedLookup(allowedHosts: string[]): LookupFunction {
  return (hostname, options, callback) => {
    const allowed = isAllowedByName(hostname, allowedHosts);
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const list = addresses as LookupAddress[];
      const refused = allowed ? undefined : list.find((entry) => isRefusedAddress(entry.address));
      if (refused) {
        const refusedError = Object.assign(new Error(refusal(normalizeHost(hostname), refused.address)), {
          code: 'SHIPCHECK_REFUSED_ADDRESS',
        });
        callback(refusedError, '', 0);
        return;
      }
      if (options.all) {
        (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, list);
        return;
      }
      const first = list[0];
      if (!first) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}

/** Settles with the promise, or rejects when the signal aborts first (the work itself may go on). */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

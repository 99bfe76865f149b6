import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where checks may connect. Loopback and private networks are allowed by default (teams check their
 * internal services); the link-local range and cloud metadata endpoints never are, since a checklist
 * could read instance credentials there. The operator may deny more (SHIPCHECK_CHECK_DENY), and may lift
 * the built-in rule for named hosts (SHIPCHECK_ALLOW_HOSTS). Every kind of check connects only to an address this
 * policy vetted: socket-based kinds through `guardedLookup`, the database drivers through `vetHost`.
 */

/** Resolves a name to all its addresses; tests inject one to play a rebinding DNS server. */
export type Resolver = (name: string) => Promise<LookupAddress[]>;

export interface NetworkPolicy {
  /** Host names let through even though they resolve to link-local or metadata addresses. */
  allowedHosts: readonly string[];
  /** Ranges the operator denies on top of link-local and metadata, as configured (`10.0.0.0/8`, `private`). */
  denied: readonly string[];
  resolve: Resolver;
}

const REFUSED_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data.ec2.internal',
]);

const alwaysRefused = new BlockList();
alwaysRefused.addSubnet('169.254.0.0', 16, 'ipv4');
alwaysRefused.addAddress('100.100.100.200', 'ipv4');
alwaysRefused.addSubnet('fe80::', 10, 'ipv6');
alwaysRefused.addAddress('fd00:ec2::254', 'ipv6');

/** Words an operator may write in SHIPCHECK_CHECK_DENY instead of ranges. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'],
};

export const systemResolver: Resolver = (name) => dnsPromises.lookup(name, { all: true, verbatim: true });

/** The policy checks run under; `denied` entries are validated by `parseDeniedNetworks` first. */
export function networkPolicy(options: {
  allowedHosts?: readonly string[];
  denied?: readonly string[];
  resolve?: Resolver;
}): NetworkPolicy {
  return {
    allowedHosts: options.allowedHosts ?? [],
    denied: options.denied ?? [],
    resolve: options.resolve ?? systemResolver,
  };
}

/** `10.0.0.0/8, private` → the list, or the first entry that is neither a range nor a known word. */
export function parseDeniedNetworks(
  text: string,
): { ok: true; denied: string[] } | { ok: false; entry: string } {
  const denied: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (!NAMED_RANGES[entry] && !parseRange(entry)) return { ok: false, entry: raw.trim() };
    denied.push(entry);
  }
  return { ok: true, denied };
}

function parseRange(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

const deniedLists = new Map<string, BlockList>();

function deniedList(denied: readonly string[]): BlockList {
  const key = denied.join(',');
  const cached = deniedLists.get(key);
  if (cached) return cached;
  const list = new BlockList();
  for (const entry of denied) {
    for (const range of NAMED_RANGES[entry] ?? [entry]) {
      const parsed = parseRange(range);
      if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }
  deniedLists.set(key, list);
  return list;
}

/** `[::1]` → `::1`, `Example.COM.` → `example.com`. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

export function isAllowedByName(host: string, allowedHosts: readonly string[]): boolean {
  const name = normalizeHost(host);
  return allowedHosts.some((allowed) => normalizeHost(allowed) === name);
}

/** An IPv4-mapped IPv6 address as the IPv4 address it is; the zone of a scoped address dropped. */
function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const plain = address.split('%')[0] ?? '';
  const family = isIP(plain);
  if (family === 0) return null;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
    if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
    return { address: plain, family: 'ipv6' };
  }
  return { address: plain, family: 'ipv4' };
}

/** True for a link-local or metadata address, including its IPv4-mapped IPv6 form. */
export function isRefusedAddress(address: string): boolean {
  const plain = plainAddress(address);
  return plain !== null && alwaysRefused.check(plain.address, plain.family);
}

/** Why an address may not be reached, or null when it may. */
function refusedBecause(address: string, policy: NetworkPolicy, allowedByName: boolean): string | null {
  const plain = plainAddress(address);
  if (!plain) return null;
  if (!allowedByName && alwaysRefused.check(plain.address, plain.family)) return METADATA;
  if (policy.denied.length > 0 && deniedList(policy.denied).check(plain.address, plain.family))
    return 'in a range SHIPCHECK_CHECK_DENY denies';
  return null;
}

const METADATA = 'a link-local or cloud metadata address';

function refusal(host: string, reason: string, address?: string): string {
  const where = address && address !== host ? `${host} resolves to ${address}, ` : `${host} is `;
  // Only the built-in rule is lifted by name; a range the operator denies is the operator's to change.
  const hint = reason === METADATA ? `; add "${host}" to SHIPCHECK_ALLOW_HOSTS to check it` : '';
  return `refused: ${where}${reason}${hint}`;
}

export type Vetted =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; refused: boolean; detail: string };

/**
 * Resolves a host once and vets every address it has; the driver then connects to the address returned
 * here, never to the name, so a resolver that answers differently the second time changes nothing.
 */
export async function vetHost(host: string, policy: NetworkPolicy, signal?: AbortSignal): Promise<Vetted> {
  const name = normalizeHost(host);
  if (!name) return { ok: false, refused: true, detail: 'refused: the target names no host' };
  const allowed = isAllowedByName(name, policy.allowedHosts);
  const literal = isIP(name);
  if (literal) {
    const reason = refusedBecause(name, policy, allowed);
    return reason
      ? { ok: false, refused: true, detail: refusal(name, reason) }
      : { ok: true, address: name, family: literal as 4 | 6 };
  }
  if (!allowed && REFUSED_NAMES.has(name))
    return { ok: false, refused: true, detail: refusal(name, METADATA) };
  let addresses: LookupAddress[];
  try {
    addresses = await abortable(policy.resolve(name), signal);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      refused: false,
      detail: `${name} did not resolve${typeof code === 'string' ? ` (${code})` : ''}`,
    };
  }
  for (const entry of addresses) {
    const reason = refusedBecause(entry.address, policy, allowed);
    if (reason) return { ok: false, refused: true, detail: refusal(name, reason, entry.address) };
  }
  const first = addresses[0];
  if (!first) return { ok: false, refused: false, detail: `${name} has no address` };
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * Null when the host may be checked, else the sentence that says why not. A name that does not resolve
 * is not refused here: the check itself reports it.
 */
export async function guardHost(
  host: string,
  policy: NetworkPolicy,
  signal?: AbortSignal,
): Promise<string | null> {
  const vetted = await vetHost(host, policy, signal);
  return !vetted.ok && vetted.refused ? vetted.detail : null;
}

/**
 * A `lookup` for sockets (net, tls, undici, ws): the name is resolved and vetted at connect time, and the
 * socket connects to the vetted address, so a name cannot resolve to something else in between.
 */
export function guardedLookup(policy: NetworkPolicy): LookupFunction {
  return (hostname, options, callback) => {
    vetHost(hostname, policy).then(
      (vetted) => {
        if (!vetted.ok) {
          const code = vetted.refused ? 'SHIPCHECK_REFUSED_ADDRESS' : 'ENOTFOUND';
          callback(Object.assign(new Error(vetted.detail), { code }), '', 0);
          return;
        }
        if (options.all) {
          const all = [{ address: vetted.address, family: vetted.family }];
          (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, all);
          return;
        }
        callback(null, vetted.address, vetted.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
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

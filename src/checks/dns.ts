import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { CheckSpec } from '../checklist/types.js';
import { describeError, snippet, stopwatch } from './describe.js';
import { abortable } from './guard.js';
import type { CheckResult, KindContext } from './types.js';

type DnsSpec = Extract<CheckSpec, { kind: 'dns' }>;

/**
 * A name resolves (as the system resolver sees it: /etc/hosts, then DNS), and, when the spec lists
 * addresses, every listed address is among the answers. Nothing is connected to, so no host is refused.
 */
export async function checkDns(spec: DnsSpec, context: KindContext): Promise<CheckResult> {
  const name = spec.name.trim().replace(/\.$/, '');
  const elapsed = stopwatch();
  try {
    const answers = await abortable(dns.lookup(name, { all: true, verbatim: true }), context.signal);
    const latencyMs = elapsed();
    const addresses = [...new Set(answers.map((answer) => canonical(answer.address)))];
    const value = addresses.join(', ');
    if (addresses.length === 0)
      return { ok: false, value: null, latencyMs, detail: `${name} has no address` };
    const expected = (spec.addresses ?? []).map((address) => address.trim()).filter(Boolean);
    const missing = expected.filter((address) => !addresses.includes(canonical(address)));
    if (missing.length > 0) {
      return {
        ok: false,
        value,
        latencyMs,
        detail: `${name} resolves to ${snippet(value, 120)}, not to ${missing.join(', ')}`,
      };
    }
    return { ok: true, value, latencyMs, detail: `${name} resolves to ${snippet(value, 120)}` };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const detail =
      code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'ENODATA'
        ? `${name} does not resolve (${String(code)})`
        : describeError(error, context.timeoutMs, name);
    return { ok: false, value: null, latencyMs: elapsed(), detail };
  }
}

/** `0:0:0:0:0:0:0:1` and `::1` compare equal. */
function canonical(address: string): string {
  if (isIP(address) !== 6) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

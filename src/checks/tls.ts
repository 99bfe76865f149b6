import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import type { CheckSpec } from '../checklist/types.js';
import { describeError, snippet, stopwatch } from './describe.js';
import { normalizeHost } from './guard.js';
import type { CheckResult, KindContext } from './types.js';

type TlsSpec = Extract<CheckSpec, { kind: 'tls' }>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The certificate a server presents: whole days until it expires (at least `minDays`) and a name that
 * matches the host. An untrusted chain (self-signed, private CA) does not fail the check, since internal
 * services often use one; the detail says so.
 */
export function checkTls(spec: TlsSpec, context: KindContext): Promise<CheckResult> {
  const host = normalizeHost(spec.host);
  const where = `${host}:${spec.port}`;
  const elapsed = stopwatch();
  return new Promise<CheckResult>((resolve) => {
    let settled = false;
    const socket = connect({
      host,
      port: spec.port,
      // SNI takes names only; an address is checked against the certificate's IP entries.
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      lookup: context.lookup,
      timeout: Math.max(1, Math.round(context.remainingMs())),
    });
    const finish = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      context.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () =>
      finish({
        ok: false,
        value: null,
        latencyMs: elapsed(),
        detail: `timed out after ${context.timeoutMs} ms`,
      });
    if (context.signal.aborted) {
      onAbort();
      return;
    }
    context.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('timeout', onAbort);
    socket.on('error', (error) =>
      finish({
        ok: false,
        value: null,
        latencyMs: elapsed(),
        detail: describeError(error, context.timeoutMs, where),
      }),
    );
    socket.on('secureConnect', () => {
      const latencyMs = elapsed();
      const certificate = socket.getPeerCertificate();
      if (!certificate?.valid_to) {
        finish({ ok: false, value: null, latencyMs, detail: `${where} presented no certificate` });
        return;
      }
      finish(judge(spec, host, certificate, socket.authorized, socket.authorizationError, latencyMs));
    });
  });
}

function judge(
  spec: TlsSpec,
  host: string,
  certificate: PeerCertificate,
  trusted: boolean,
  authorizationError: unknown,
  latencyMs: number,
): CheckResult {
  const expires = new Date(certificate.valid_to);
  const daysLeft = Math.floor((expires.getTime() - Date.now()) / DAY_MS);
  const value = String(daysLeft);
  const chain = trusted ? '' : `; the chain is not trusted (${describeTrust(authorizationError)})`;
  const identityError = checkServerIdentity(host, certificate);
  if (identityError) {
    return {
      ok: false,
      value,
      latencyMs,
      detail: `the certificate is for ${snippet(namesOf(certificate), 120)}, not ${host}`,
    };
  }
  if (Number.isNaN(daysLeft)) {
    return {
      ok: false,
      value: null,
      latencyMs,
      detail: `the certificate's expiry date cannot be read (${certificate.valid_to})`,
    };
  }
  if (daysLeft < 0) {
    return {
      ok: false,
      value,
      latencyMs,
      detail: `the certificate expired ${-daysLeft} days ago (${expires.toISOString().slice(0, 10)})${chain}`,
    };
  }
  const validFrom = new Date(certificate.valid_from);
  if (validFrom.getTime() > Date.now()) {
    return {
      ok: false,
      value,
      latencyMs,
      detail: `the certificate is not valid before ${validFrom.toISOString()}${chain}`,
    };
  }
  const days = `${daysLeft} ${daysLeft === 1 ? 'day' : 'days'}`;
  if (daysLeft < spec.minDays) {
    return {
      ok: false,
      value,
      latencyMs,
      detail: `certificate expires in ${days} (minimum ${spec.minDays})${chain}`,
    };
  }
  return {
    ok: true,
    value,
    latencyMs,
    detail: `certificate valid for ${days} more (minimum ${spec.minDays}), until ${expires.toISOString().slice(0, 10)}${chain}`,
  };
}

function namesOf(certificate: PeerCertificate): string {
  if (certificate.subjectaltname)
    return certificate.subjectaltname.replaceAll('DNS:', '').replaceAll('IP Address:', '');
  const commonName = certificate.subject?.CN;
  return commonName ? String(commonName) : 'another name';
}

/** Node gives the reason as a code string (`DEPTH_ZERO_SELF_SIGNED_CERT`), though typed as an Error. */
function describeTrust(reason: unknown): string {
  const code =
    typeof reason === 'string'
      ? reason
      : String(
          (reason as { code?: unknown; message?: unknown } | null | undefined)?.code ?? 'unknown issuer',
        );
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'self-signed';
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return 'issuer not trusted here';
    default:
      return snippet(code.toLowerCase().replaceAll('_', ' '), 60);
  }
}

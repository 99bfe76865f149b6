import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/runner.js';
import { closedPort, contextFor, startTcp } from './support.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const opensslMissing = !hasOpenssl();
if (opensslMissing)
  console.warn(
    'TLS check tests skipped: the openssl command is not installed, so no test certificate can be made',
  );

/**
 * A self-signed certificate made now. openssl counts `-days` from this second, so `-days 11` leaves
 * 10 whole days (and some hours) when the check runs: "expires in 10 days".
 */
function makeCertificate(
  dir: string,
  name: string,
  days: number,
  altNames: string,
): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=${altNames}`,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

async function serve(credentials: { key: string; cert: string }): Promise<{ server: Server; port: number }> {
  const server = createServer(credentials, (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

describe.skipIf(opensslMissing)('tls checks', () => {
  let dir: string;
  const servers: Server[] = [];
  let expiresIn10: number;
  let expiresIn60: number;
  let otherName: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shipcheck-tls-'));
    const san = 'DNS:localhost,IP:127.0.0.1';
    const started = await Promise.all([
      serve(makeCertificate(dir, 'localhost-10', 11, san)),
      serve(makeCertificate(dir, 'localhost-60', 61, san)),
      serve(makeCertificate(dir, 'api.example.test', 61, 'DNS:api.example.test')),
    ]);
    servers.push(...started.map((entry) => entry.server));
    [expiresIn10, expiresIn60, otherName] = started.map((entry) => entry.port) as [number, number, number];
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a certificate that expires before the minimum, with the days left', async () => {
    const result = await runCheck(
      { kind: 'tls', host: 'localhost', port: expiresIn10, minDays: 30 },
      contextFor(),
    );
    expect(result).toMatchObject({ ok: false, value: '10' });
    expect(result.detail).toBe(
      'certificate expires in 10 days (minimum 30); the chain is not trusted (self-signed)',
    );
  });

  it('passes a certificate with enough days left, even self-signed, and says the chain is not trusted', async () => {
    const result = await runCheck(
      { kind: 'tls', host: 'localhost', port: expiresIn60, minDays: 30 },
      contextFor(),
    );
    expect(result).toMatchObject({ ok: true, value: '60' });
    expect(result.detail).toMatch(
      /^certificate valid for 60 days more \(minimum 30\), until \d{4}-\d\d-\d\d; the chain is not trusted \(self-signed\)$/,
    );
    const byAddress = await runCheck(
      { kind: 'tls', host: '127.0.0.1', port: expiresIn60, minDays: 30 },
      contextFor(),
    );
    expect(byAddress).toMatchObject({ ok: true, value: '60' });
  });

  it('fails when the certificate is for another name', async () => {
    const result = await runCheck(
      { kind: 'tls', host: 'localhost', port: otherName, minDays: 30 },
      contextFor(),
    );
    expect(result).toMatchObject({ ok: false, value: '60' });
    expect(result.detail).toBe('the certificate is for api.example.test, not localhost');
  });

  it('fails clearly on a port that does not speak TLS, a closed port, and a silent server', async () => {
    const plain = await startTcp((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const silent = await startTcp();
    const port = await closedPort();
    try {
      const notTls = await runCheck(
        { kind: 'tls', host: '127.0.0.1', port: plain.port, minDays: 30 },
        contextFor(),
      );
      expect(notTls.ok).toBe(false);
      expect(notTls.detail).toMatch(
        /^(TLS handshake failed with 127\.0\.0\.1:\d+|connection closed by 127\.0\.0\.1:\d+)/,
      );
      const refused = await runCheck({ kind: 'tls', host: '127.0.0.1', port, minDays: 30 }, contextFor());
      expect(refused).toMatchObject({ ok: false, detail: `connection refused by 127.0.0.1:${port}` });
      const started = performance.now();
      const timedOut = await runCheck(
        { kind: 'tls', host: '127.0.0.1', port: silent.port, minDays: 30 },
        contextFor({ timeoutMs: 300 }),
      );
      expect(timedOut).toMatchObject({ ok: false, detail: 'timed out after 300 ms' });
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await Promise.all([plain.close(), silent.close()]);
    }
  });
});

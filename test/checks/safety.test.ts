import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../src/checklist/types.js';
import { guardHost, isRefusedAddress, networkPolicy } from '../../src/checks/guard.js';
import { createMasker, maskText } from '../../src/checks/mask.js';
import { resolveSpec } from '../../src/checks/resolve.js';
import { runCheck } from '../../src/checks/runner.js';
import { closedPort, contextFor, startHttp, startTcp } from './support.js';

describe('variables', () => {
  it('fills placeholders from the checklist, then from the environment', () => {
    const resolution = resolveSpec(
      { kind: 'http', method: 'GET', url: 'https://${APP_HOST}:${PORT}/health?v=${VERSION}' },
      {
        variables: { APP_HOST: 'api.example.com', PORT: null },
        env: { PORT: '8443', VERSION: '1.2', APP_HOST: 'ignored' },
      },
    );
    expect(resolution).toEqual({
      ok: true,
      spec: { kind: 'http', method: 'GET', url: 'https://api.example.com:8443/health?v=1.2' },
      substituted: ['api.example.com', '8443', '1.2'],
    });
  });

  it('fills a variable that holds another placeholder', () => {
    const resolution = resolveSpec(
      { kind: 'dns', name: '${APP_NAME}', addresses: ['${EXPECTED_IP}'] },
      { variables: { APP_NAME: 'api.${DOMAIN}', DOMAIN: 'example.com' }, env: { EXPECTED_IP: '10.0.0.5' } },
    );
    expect(resolution).toEqual({
      ok: true,
      spec: { kind: 'dns', name: 'api.example.com', addresses: ['10.0.0.5'] },
      substituted: ['example.com', 'api.example.com', '10.0.0.5'],
    });
  });

  it('fails a missing variable without any network call', async () => {
    let requests = 0;
    const server = await startHttp((_request, response) => {
      requests++;
      response.end('ok');
    });
    try {
      const result = await runCheck(
        { kind: 'http', method: 'GET', url: `http://\${APP_HOST}:${server.port}/health` },
        contextFor({ variables: { APP_HOST: null }, env: {} }),
      );
      expect(result).toEqual({
        ok: false,
        value: null,
        latencyMs: 0,
        detail:
          "APP_HOST is not set: give it a value under the checklist's variables:, or set SHIPCHECK_VAR_APP_HOST in Shipcheck's environment",
      });
      expect(requests).toBe(0);
      const several = await runCheck(
        { kind: 'redis', url: 'redis://${REDIS_HOST}:${REDIS_PORT}', command: 'PING' },
        contextFor(),
      );
      expect(several.detail).toBe(
        "REDIS_HOST, REDIS_PORT are not set: give them a value under the checklist's variables:, or set SHIPCHECK_VAR_REDIS_HOST, SHIPCHECK_VAR_REDIS_PORT in Shipcheck's environment",
      );
    } finally {
      await server.close();
    }
  });
});

describe('refused targets', () => {
  it('knows the link-local and metadata ranges, and lets loopback and private ranges through', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.0.1',
      'fe80::1',
      'fd00:ec2::254',
      '100.100.100.200',
      '::ffff:169.254.169.254',
    ]) {
      expect(isRefusedAddress(address), address).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '::1',
      '10.0.0.1',
      '192.168.1.10',
      '172.16.0.1',
      'fd00:ec2::253',
      '100.100.100.201',
    ]) {
      expect(isRefusedAddress(address), address).toBe(false);
    }
  });

  it('refuses the metadata address and names, unless allowed by name', async () => {
    const http = await runCheck(
      { kind: 'http', method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' },
      contextFor(),
    );
    expect(http).toMatchObject({
      ok: false,
      value: null,
      detail:
        'refused: 169.254.169.254 is a link-local or cloud metadata address; add "169.254.169.254" to SHIPCHECK_ALLOW_HOSTS to check it',
    });
    const byName = await runCheck(
      { kind: 'http', method: 'GET', url: 'http://metadata.google.internal/computeMetadata/v1/' },
      contextFor(),
    );
    expect(byName.detail).toMatch(
      /^refused: metadata\.google\.internal is a link-local or cloud metadata address/,
    );
    const tls = await runCheck(
      { kind: 'tls', host: 'metadata.azure.com', port: 443, minDays: 30 },
      contextFor(),
    );
    expect(tls.detail).toMatch(/^refused: metadata\.azure\.com/);
    const ipv6 = await runCheck({ kind: 'websocket', url: 'ws://[fd00:ec2::254]/' }, contextFor());
    expect(ipv6.detail).toMatch(/^refused: fd00:ec2::254 is/);
    const redis = await runCheck(
      { kind: 'redis', url: 'redis://100.100.100.200:6379', command: 'PING' },
      contextFor(),
    );
    expect(redis.detail).toMatch(/^refused: 100\.100\.100\.200 is/);

    // Allowed by name: no refusal (the guard itself; connecting there is not something a test should do).
    const allowing = (...allowedHosts: string[]) => networkPolicy({ allowedHosts });
    expect(await guardHost('169.254.169.254', allowing('169.254.169.254'))).toBeNull();
    expect(await guardHost('metadata.google.internal', allowing('Metadata.Google.Internal'))).toBeNull();
    expect(await guardHost('localhost', allowing())).toBeNull();
  });

  it('refuses a redirect to a metadata address even when redirects are followed', async () => {
    const server = await startHttp((_request, response) => {
      response.statusCode = 302;
      response.setHeader('location', 'http://169.254.169.254/latest/meta-data/iam/');
      response.end();
    });
    try {
      const result = await runCheck(
        { kind: 'http', method: 'GET', url: `${server.url}/go`, followRedirects: true },
        contextFor(),
      );
      expect(result.ok).toBe(false);
      expect(result.detail).toMatch(/^redirected to 169\.254\.169\.254, which is refused: /);
    } finally {
      await server.close();
    }
  });
});

describe('secrets in details', () => {
  it('masks URL passwords and secret parameters', () => {
    expect(maskText('connect postgres://app:hunter22@db.internal:5432/prod failed')).toBe(
      'connect postgres://app:***@db.internal:5432/prod failed',
    );
    expect(maskText('redis://:s3cr3t@cache:6379')).toBe('redis://:***@cache:6379');
    expect(
      maskText('GET https://x.test/health?token=abc123&v=2&api_key=zzz&sig=q1&X-Amz-Signature=f00'),
    ).toBe('GET https://x.test/health?token=***&v=2&api_key=***&sig=***&X-Amz-Signature=***');
    expect(maskText('?monkey=banana&design=flat')).toBe('?monkey=banana&design=flat');
  });

  it('masks the values of secret-looking variables wherever they appear', () => {
    const mask = createMasker([
      { API_TOKEN: 'tok_live_12345', APP_HOST: 'api.example.com', FLAG: 'on' },
      { DATABASE_URL: 'postgres://app:p%40ss-word@db/prod' },
    ]);
    expect(mask('got tok_live_12345 back from api.example.com')).toBe('got *** back from api.example.com');
    expect(mask('password p@ss-word rejected; raw p%40ss-word')).toBe('password *** rejected; raw ***');
    expect(mask('feature on')).toBe('feature on');
    const paths = createMasker([
      { SSH_AUTH_SOCK: '/tmp/ssh-agent.sock', GOOGLE_KEY_FILE: '/etc/keys/app.json', PWD: '/srv/app' },
    ]);
    expect(paths('reading /etc/keys/app.json in /srv/app')).toBe('reading /etc/keys/app.json in /srv/app');
  });

  it('never shows the password of a postgres URL that fails to connect', async () => {
    const port = await closedPort();
    const password = 'Sup3r-Secret-Pw';
    const refused = await runCheck(
      { kind: 'postgres', url: `postgres://deploy:${password}@127.0.0.1:${port}/prod`, query: 'select 1' },
      contextFor(),
    );
    expect(refused.ok).toBe(false);
    expect(refused.detail).toBe(`connection refused by 127.0.0.1:${port}`);
    expect(JSON.stringify(refused)).not.toContain(password);

    // The same URL through a variable, against a server that hangs up: still masked.
    const rude = await startTcp((socket) => socket.destroy());
    try {
      const closed = await runCheck(
        { kind: 'postgres', url: '${DATABASE_URL}', query: 'select 1' },
        contextFor({
          variables: { DATABASE_URL: null },
          env: { DATABASE_URL: `postgres://deploy:${password}@127.0.0.1:${rude.port}/prod` },
        }),
      );
      expect(closed.ok).toBe(false);
      expect(JSON.stringify(closed)).not.toContain(password);
    } finally {
      await rude.close();
    }
  });

  it('masks a secret that a server echoes back in the body', async () => {
    const server = await startHttp((request, response) => {
      response.statusCode = 500;
      const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
      response.end(`invalid request ${request.url}: token ${token} expired`);
    });
    try {
      const result = await runCheck(
        { kind: 'http', method: 'GET', url: `${server.url}/hook?token=\${DEPLOY_TOKEN}&v=1` },
        contextFor({ env: { DEPLOY_TOKEN: 'dt_9f8e7d6c5b' } }),
      );
      expect(result.ok).toBe(false);
      expect(result.detail).toBe(
        'expected a 2xx status, got 500: invalid request /hook?token=***&v=1: token *** expired',
      );
      expect(JSON.stringify(result)).not.toContain('dt_9f8e7d6c5b');
    } finally {
      await server.close();
    }
  });
});

describe('masking by value', () => {
  it('masks what a target echoes back: substituted values, their encodings, and the Basic-auth header', async () => {
    const password = 'p@ss w/rd!';
    const dbPass = 'hunter2-ordinary';
    // The server answers 500 with what it was sent, so the check's detail carries the echo.
    const server = await startHttp((request, response) => {
      response.statusCode = 500;
      response.end(
        JSON.stringify({ a: request.headers.authorization, u: request.url, h: request.headers['x-db'] }),
      );
    });
    try {
      const result = await runCheck(
        {
          kind: 'http',
          method: 'GET',
          url: `http://svc:\${SVC_PW}@127.0.0.1:${server.port}/e?pw=\${DB_PASS}&q=\${ENCODED}`,
          headers: { 'x-db': '${DB_PASS}' },
        } as CheckSpec,
        contextFor({
          variables: { DB_PASS: null },
          env: {
            SVC_PW: encodeURIComponent(password),
            DB_PASS: dbPass,
            ENCODED: encodeURIComponent(password),
          },
        }),
      );
      expect(result.ok).toBe(false);
      expect(result.detail).toMatch(/^expected a 2xx status, got 500: /);
      expect(result.detail).toContain('/e?pw=***');
      const basic = Buffer.from(`svc:${password}`).toString('base64');
      for (const form of [
        password,
        encodeURIComponent(password),
        dbPass,
        basic,
        Buffer.from(dbPass).toString('base64'),
      ])
        expect(result.detail, form).not.toContain(form);
    } finally {
      await server.close();
    }
  });
});

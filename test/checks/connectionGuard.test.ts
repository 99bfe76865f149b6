import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../src/checklist/types.js';
import type { Resolver } from '../../src/checks/guard.js';
import { ownEndpointsFrom } from '../../src/checks/ownEndpoints.js';
import { runCheck } from '../../src/checks/runner.js';
import { contextFor } from './support.js';

/**
 * The forbidden place is 127.0.0.2 (on Linux every 127/8 address is loopback and bindable), denied to
 * checks the way an operator would deny a range; the allowed place is 127.0.0.1 on the same port. Each
 * listener counts the connections it gets, so a bypass shows up as a connection, not as a message.
 */
interface Listener {
  connections: number;
  close(): Promise<void>;
}

async function listen(
  host: string,
  port: number,
  onSocket: (socket: Socket) => void,
): Promise<Listener & { port: number }> {
  const sockets = new Set<Socket>();
  const listener = { connections: 0, port: 0, close: async () => {} };
  const server: Server = createServer((socket) => {
    listener.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(port, host);
  await once(server, 'listening');
  listener.port = (server.address() as AddressInfo).port;
  listener.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return listener;
}

/** Answers every Redis command line with +PONG: enough for a PING check to pass. */
const pong = (socket: Socket) => socket.on('data', () => socket.write('+PONG\r\n'));

let allowed: Listener & { port: number };
let forbidden: Listener & { port: number };
const DENY = ['127.0.0.2/32'];

beforeAll(async () => {
  allowed = await listen('127.0.0.1', 0, pong);
  forbidden = await listen('127.0.0.2', allowed.port, pong);
});
afterAll(async () => {
  await allowed.close();
  await forbidden.close();
});

const run = (spec: CheckSpec, resolve?: Resolver) =>
  runCheck(spec, contextFor({ deniedNetworks: DENY, timeoutMs: 500, ...(resolve ? { resolve } : {}) }));

describe('one connection guard for every kind (figure: connections to the denied address = 0)', () => {
  it('refuses every way a Postgres URL can name a host other than its own', async () => {
    const port = allowed.port;
    const attempts = [
      `postgres://u:p@127.0.0.1:${port}/db?host=127.0.0.2`,
      `postgres://u:p@127.0.0.1:${port}/db?hostaddr=127.0.0.2`,
      `postgres://u:p@127.0.0.1:${port}/db?port=1&host=127.0.0.2`,
      'postgres://u:p@/db?host=127.0.0.2',
      `postgres:///db?host=127.0.0.2&port=${port}`,
      `postgres://u:p@127.0.0.2:${port}/db`,
      `postgres://u:p@[::ffff:127.0.0.2]:${port}/db`,
      `postgres://u:p@%2Fvar%2Frun%2Fpostgresql/db`,
      `postgres://u:p@127.0.0.1:${port},127.0.0.2:${port}/db`,
      `postgres://u:p@127.0.0.1:${port}/db?sslrootcert=/etc/passwd`,
    ];
    for (const url of attempts) {
      const result = await run({ kind: 'postgres', url, query: 'select 1' });
      expect(result.ok, url).toBe(false);
      expect(result.detail, url).toMatch(/^refused: |names no host|not a valid postgres/);
    }
    expect(forbidden.connections).toBe(0);
  });

  it('refuses every way a Redis URL can name another host, and passes on the allowed one', async () => {
    const port = allowed.port;
    for (const url of [
      `redis:///?host=127.0.0.2&port=${port}`,
      `redis://127.0.0.1:${port}/?host=127.0.0.2`,
      `redis://127.0.0.1:${port}/?sentinels=127.0.0.2:${port}&name=mymaster`,
      `redis://127.0.0.2:${port}`,
      `redis://[::ffff:127.0.0.2]:${port}`,
    ]) {
      const result = await run({ kind: 'redis', url, command: 'PING' });
      expect(result.ok, url).toBe(false);
      expect(result.detail, url).toMatch(/^refused: |names no host/);
    }
    expect(forbidden.connections).toBe(0);
    const fine = await run({ kind: 'redis', url: `redis://127.0.0.1:${port}`, command: 'PING' });
    expect(fine).toMatchObject({ ok: true, value: 'PONG' });
  });

  it('connects each kind to the address it vetted, so a rebinding resolver cannot swap it', async () => {
    // Answers with the allowed address once per name, then with the denied one: what a hostile DNS does.
    const asked = new Map<string, number>();
    const rebinding: Resolver = async (name): Promise<LookupAddress[]> => {
      const times = (asked.get(name) ?? 0) + 1;
      asked.set(name, times);
      return [{ address: times === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    };
    const port = allowed.port;
    const before = allowed.connections;
    const redis = await run(
      { kind: 'redis', url: `redis://rebind-redis.test:${port}`, command: 'PING' },
      rebinding,
    );
    expect(redis).toMatchObject({ ok: true, value: 'PONG' });
    const postgres = await run(
      { kind: 'postgres', url: `postgres://u:p@rebind-pg.test:${port}/db`, query: 'select 1' },
      rebinding,
    );
    expect(postgres.ok).toBe(false); // the fake speaks Redis, not Postgres; what matters is where it went
    const http = await run(
      { kind: 'http', method: 'GET', url: `http://rebind-http.test:${port}/` },
      rebinding,
    );
    expect(http.detail).toMatch(/refused: rebind-http\.test resolves to 127\.0\.0\.2/);
    const websocket = await run({ kind: 'websocket', url: `ws://rebind-ws.test:${port}/` }, rebinding);
    expect(websocket.detail).toMatch(/refused: rebind-ws\.test resolves to 127\.0\.0\.2/);
    expect(forbidden.connections).toBe(0);
    expect(allowed.connections - before).toBeGreaterThanOrEqual(2);
  });

  it('refuses link-local addresses for the database drivers too, whatever the spelling', async () => {
    for (const url of [
      'postgres://u:p@169.254.169.254/db',
      'postgres://u:p@[::ffff:a9fe:a9fe]/db',
      'redis://169.254.169.254:6379',
      'redis://[fe80::1]:6379',
    ]) {
      const kind = url.startsWith('redis') ? 'redis' : 'postgres';
      const spec: CheckSpec =
        kind === 'redis' ? { kind, url, command: 'PING' } : { kind: 'postgres', url, query: 'select 1' };
      const result = await runCheck(spec, contextFor());
      expect(result.detail, url).toMatch(/link-local or cloud metadata address/);
    }
  });
});

describe("Shipcheck's own database and Redis", () => {
  const own = ownEndpointsFrom({
    databaseUrl: 'postgres://shipcheck:hunter22@127.0.0.1:5432/shipcheck',
    redisUrl: 'redis://:redispw@localhost:6379/0',
  });

  it("refuses a check that would log in to them with Shipcheck's user, under any name for the machine", async () => {
    for (const spec of [
      { kind: 'postgres', url: 'postgres://shipcheck:hunter22@localhost:5432/shipcheck', query: 'select 1' },
      { kind: 'postgres', url: 'postgres://shipcheck:guess@[::1]:5432/other', query: 'select 1' },
      { kind: 'redis', url: 'redis://127.0.0.1:6379/3', command: 'PING' },
    ] satisfies CheckSpec[]) {
      const result = await runCheck(spec, contextFor({ ownEndpoints: own }));
      expect(result.detail, spec.url).toMatch(/^refused: that is Shipcheck's own (database|Redis)/);
      expect(result.detail).not.toContain('hunter22');
    }
  });

  it('lets a check use the same server with a login of its own', async () => {
    const result = await runCheck(
      { kind: 'postgres', url: `postgres://readonly:pw@127.0.0.1:${allowed.port}/app`, query: 'select 1' },
      contextFor({ ownEndpoints: own }),
    );
    expect(result.detail).not.toMatch(/Shipcheck's own/);
  });
});

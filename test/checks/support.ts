import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import pg from 'pg';
import { targetFrom } from '../../src/checklist/frontMatterChecks.js';
import type { Target } from '../../src/checklist/types.js';
import type { CheckContext } from '../../src/checks/types.js';

/** A context for tests: no variables, an empty environment, a short timeout, nothing extra allowed. */
export function contextFor(overrides: Partial<CheckContext> = {}): CheckContext {
  return { variables: {}, env: {}, timeoutMs: 2000, allowedHosts: [], ...overrides };
}

export const target = (text: string): Target => targetFrom(text);

export interface Running {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 with a random port; open connections are cut on close. */
export async function startHttp(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<Running & { server: Server }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP server that accepts connections and does what `onSocket` says (often: nothing at all). */
export async function startTcp(onSocket: (socket: Socket) => void = () => undefined): Promise<Running> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a Postgres answers at `url` within a second; the reason when it does not. */
export async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { trimEndOf } from '../text/trimEnd.js';
import { applyConnectionTimeouts } from './timeouts.js';

/**
 * Shipcheck's one HTTP server, with a tiny router that other modules add routes to (health, metrics,
 * run pages, webhooks). A route is a method and a path prefix; the longest matching prefix wins, so
 * `/health/ready` can be added beside `/health`.
 */

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path without the query string, e.g. `/runs/abc.123.sig`. */
  path: string;
  /** What follows the route's prefix, without a leading slash: `abc.123.sig` for `/runs`. */
  rest: string;
  url: URL;
}

export type RouteHandler = (request: RouteRequest) => void | Promise<void>;

export interface HttpServer {
  addRoute(method: string, pathPrefix: string, handler: RouteHandler): void;
  /** Resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /** The bound port; null before `listen`. */
  readonly port: number | null;
  close(): Promise<void>;
  /** For tests and embedding: the underlying node:http server. */
  readonly server: Server;
}

interface Route {
  method: string;
  prefix: string;
  handler: RouteHandler;
}

export function createHttpServer(options: { logger?: Logger } = {}): HttpServer {
  const routes: Route[] = [];
  const server = createServer((req, res) => {
    dispatch(routes, req, res).catch((error: unknown) => {
      options.logger?.error({ err: error, path: req.url?.split('?')[0] }, 'http handler failed');
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });
  applyConnectionTimeouts(server);

  const http: HttpServer = {
    addRoute(method, pathPrefix, handler) {
      const prefix = pathPrefix === '/' ? '/' : trimEndOf(pathPrefix, '/');
      if (!prefix.startsWith('/')) throw new Error(`a route prefix starts with /: ${pathPrefix}`);
      if (routes.some((route) => route.method === method.toUpperCase() && route.prefix === prefix))
        throw new Error(`route ${method} ${prefix} is already taken`);
      routes.push({ method: method.toUpperCase(), prefix, handler });
      // Longest prefix first: the most specific route answers.
      routes.sort((a, b) => b.prefix.length - a.prefix.length);
    },
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    get port() {
      const address = server.address();
      return address && typeof address === 'object' ? address.port : null;
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Browsers keep connections alive: without this, close would wait for them to time out.
        server.closeAllConnections();
      });
    },
    server,
  };
  return http;
}

async function dispatch(routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const matching = routes.filter((route) => matches(route.prefix, path));
  if (matching.length === 0) return sendText(res, 404, 'not found');
  // HEAD is answered by the GET route; node:http leaves the body out by itself.
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const route = matching.find((candidate) => candidate.method === method);
  if (!route) {
    res.setHeader('Allow', [...new Set(matching.map((candidate) => candidate.method))].join(', '));
    return sendText(res, 405, 'method not allowed');
  }
  const rest = path.slice(route.prefix.length).replace(/^\/+/, '');
  await route.handler({ req, res, path, rest, url });
}

/** `/runs` matches `/runs` and `/runs/x`, never `/runsx`. */
function matches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** `/health`: the process is alive and serving (readiness, with the database, is another route's job). */
export function addHealthRoute(http: HttpServer): void {
  http.addRoute('GET', '/health', ({ res, rest }) => {
    if (rest) return sendText(res, 404, 'not found');
    sendText(res, 200, 'ok');
  });
}

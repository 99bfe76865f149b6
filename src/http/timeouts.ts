import type { Server } from 'node:http';

/**
 * The connection rules of every HTTP server Shipcheck runs (the web server, the Slack adapter's own).
 * Slow or idle clients must not hold the process open or pile up sockets, and a connection kept is one
 * not opened again: under load Node accepts one new connection per turn of the event loop, so a client
 * that must reconnect waits in the accept queue (the interaction bench measured 300 pending connections
 * and 8.9 s round trips with Node's 5 s keep-alive, 102 ms p99 with 65 s). 65 s is longer than a load
 * balancer's usual 60 s idle, so the balancer closes an idle connection first, never mid-request.
 */
export function applyConnectionTimeouts(server: Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
}

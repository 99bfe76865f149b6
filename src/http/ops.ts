import { createHash, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type HttpServer, sendText } from './server.js';

/** Something readiness depends on: answers null when fine, or what is wrong. */
export type ReadinessProbe = { name: string; probe: () => Promise<string | null> };

const PROBE_TIMEOUT_MS = 2000;

export function databaseProbe(db: Database): ReadinessProbe {
  return {
    name: 'database',
    async probe() {
      await db.execute(sql`select 1`);
      return null;
    },
  };
}

/**
 * `/health/ready`: 200 when every dependency answers within 2 s, else 503 naming what does not, so a
 * platform stops routing to this replica until it recovers (and does not restart it for a slow DB).
 * It is public (platforms probe it without credentials), so it names the dependency and nothing else:
 * a driver's error can carry a host, a user or a database name, and that goes to the log.
 */
export function addReadinessRoute(http: HttpServer, probes: ReadinessProbe[], logger?: Logger): void {
  http.addRoute('GET', '/health/ready', async ({ res }) => {
    const results = await Promise.all(
      probes.map(async ({ name, probe }) => {
        try {
          const problem = await withTimeout(probe(), PROBE_TIMEOUT_MS);
          return problem ? `${name}: ${problem}` : null;
        } catch (error) {
          logger?.warn({ err: error, dependency: name }, 'readiness probe failed');
          return `${name}: not answering`;
        }
      }),
    );
    const problems = results.filter((result): result is string => result !== null);
    sendText(
      res,
      problems.length === 0 ? 200 : 503,
      problems.length === 0 ? 'ready' : `not ready\n${problems.join('\n')}`,
    );
  });
}

/**
 * `/metrics`: with METRICS_TOKEN, only for `Authorization: Bearer <token>`; without it, only for a
 * scraper on this machine, since counts of runs, channels and errors are not for the whole network.
 */
export function addMetricsRoute(http: HttpServer, metrics: Metrics, token: string | null = null): void {
  http.addRoute('GET', '/metrics', async ({ req, res }) => {
    if (token !== null) {
      if (!sameSecret(bearerOf(req.headers.authorization), token)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain; charset=utf-8' });
        res.end('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
        return;
      }
    } else if (!isLoopbackPeer(req.socket.remoteAddress)) {
      sendText(
        res,
        403,
        '/metrics answers only on this machine; set METRICS_TOKEN to scrape it from elsewhere',
      );
      return;
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(body);
  });
}

export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.replace(/^::ffff:/i, '');
  return plain === '::1' || plain.startsWith('127.');
}

function bearerOf(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? '';
}

/** Compared as digests, so neither the length nor the first differing byte shows in the timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
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
 */
export function addReadinessRoute(http: HttpServer, probes: ReadinessProbe[]): void {
  http.addRoute('GET', '/health/ready', async ({ res }) => {
    const results = await Promise.all(
      probes.map(async ({ name, probe }) => {
        try {
          const problem = await withTimeout(probe(), PROBE_TIMEOUT_MS);
          return problem ? `${name}: ${problem}` : null;
        } catch (error) {
          return `${name}: ${error instanceof Error ? error.message.split('\n')[0] : 'unavailable'}`;
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

export function addMetricsRoute(http: HttpServer, metrics: Metrics): void {
  http.addRoute('GET', '/metrics', async ({ res }) => {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

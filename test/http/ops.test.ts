import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMetricsRoute, addReadinessRoute, databaseProbe, isLoopbackPeer } from '../../src/http/ops.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createMetrics } from '../../src/metrics.js';
import { connectRedis } from '../../src/redis.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
let http: HttpServer;
let port: number;
const metrics = createMetrics({ activeRuns: async () => 3 });

beforeAll(async () => {
  database = await createTestDatabase();
  http = createHttpServer();
  // A Redis nobody listens on: readiness must say so, quickly, without crashing.
  const deadRedis = await connectRedis('redis://127.0.0.1:1');
  addReadinessRoute(http, [
    databaseProbe(database.handle.db),
    { name: 'redis', probe: async () => ((await deadRedis.ping()) === 'PONG' ? null : 'no PONG') },
    // A dependency whose driver error names a host, a user and a database.
    {
      name: 'reports',
      probe: async () => {
        throw new Error('password authentication failed for user "shipcheck" at db.internal:5432/prod');
      },
    },
  ]);
  addMetricsRoute(http, metrics);
  port = await http.listen(0, '127.0.0.1');
  afterAll(() => deadRedis.disconnect());
});
afterAll(async () => {
  await http.close();
  await database.drop();
});

describe('who may read /metrics', () => {
  it('with METRICS_TOKEN: only a request with the bearer token, even from this machine', async () => {
    const guarded = createHttpServer();
    addMetricsRoute(guarded, metrics, 'scrape-token-0123456789');
    const guardedPort = await guarded.listen(0, '127.0.0.1');
    try {
      const url = `http://127.0.0.1:${guardedPort}/metrics`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(await none.text()).toBe('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
      const wrong = await fetch(url, { headers: { authorization: 'Bearer scrape-token-012345678' } });
      expect(wrong.status).toBe(401);
      const right = await fetch(url, { headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('shipcheck_active_runs 3');
    } finally {
      await guarded.close();
    }
  });

  it('without a token: only a scraper on this machine', () => {
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.8.9.10'])
      expect(isLoopbackPeer(peer)).toBe(true);
    for (const peer of ['10.0.0.7', '::ffff:192.168.1.2', 'fe80::1', undefined])
      expect(isLoopbackPeer(peer)).toBe(false);
  });
});

describe('operations endpoints', () => {
  it('/health/ready names the dependency that is down, with 503', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(response.status).toBe(503);
    const body = await response.text();
    expect(body).toBe('not ready\nredis: not answering\nreports: not answering');
    expect(body).not.toContain('shipcheck');
  });

  it('/metrics exposes Shipcheck counters and the active runs in Prometheus text format', async () => {
    metrics.commands.inc({ platform: 'terminal', outcome: 'accepted' });
    metrics.timerLateness.observe({ kind: 'escalate' }, 0.2);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('shipcheck_commands_total{platform="terminal",outcome="accepted"} 1');
    expect(body).toContain('shipcheck_active_runs 3');
    expect(body).toContain('shipcheck_timer_lateness_seconds_bucket{le="0.25",kind="escalate"} 1');
    expect(body).toContain('process_resident_memory_bytes');
  });
});

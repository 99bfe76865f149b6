import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMetricsRoute, addReadinessRoute, databaseProbe } from '../../src/http/ops.js';
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
  ]);
  addMetricsRoute(http, metrics);
  port = await http.listen(0, '127.0.0.1');
  afterAll(() => deadRedis.disconnect());
});
afterAll(async () => {
  await http.close();
  await database.drop();
});

describe('operations endpoints', () => {
  it('/health/ready names the dependency that is down, with 503', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(response.status).toBe(503);
    const body = await response.text();
    expect(body.startsWith('not ready\nredis: ')).toBe(true);
    expect(body).not.toContain('database');
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

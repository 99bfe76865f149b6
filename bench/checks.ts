/**
 * Checks runner bench: 20 HTTP checks of one section in one `runChecks` call, against a local server
 * whose answers take 10 to 200 ms. The figure that matters is wall time / slowest single check (target
 * ≤ 1.5): how close running a section comes to the time of its slowest check. Figures, never pass/fail.
 *
 *   node --import tsx bench/checks.ts
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CheckSpec } from '../src/checklist/types.js';
import { runChecks } from '../src/checks/runner.js';
import type { CheckContext } from '../src/checks/types.js';

const CHECKS = 20;
const ROUNDS = 5;

const server = createServer((request, response) => {
  const delay = Number(new URL(request.url ?? '/', 'http://localhost').searchParams.get('ms') ?? 0);
  setTimeout(() => {
    response.setHeader('content-type', 'application/json');
    response.end('{"status":"ok"}');
  }, delay);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

// 10, 20, … 200 ms, in a fixed shuffled order so the slowest answers are not all at the end or the start.
const delays = Array.from({ length: CHECKS }, (_, index) => 10 + index * 10);
let seed = 7;
for (let index = delays.length - 1; index > 0; index--) {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  const other = seed % (index + 1);
  [delays[index], delays[other]] = [delays[other] as number, delays[index] as number];
}

const entries = delays.map((ms, index) => ({
  key: `check-${index + 1}`,
  spec: {
    kind: 'http',
    method: 'GET',
    url: `http://127.0.0.1:${port}/health?ms=${ms}`,
    jsonPath: 'status',
    equals: 'ok',
  } satisfies CheckSpec,
}));
const context: CheckContext = { variables: {}, env: {}, timeoutMs: 5000, allowedHosts: [] };

const round = (value: number) => Math.round(value * 10) / 10;

async function measure(concurrency: number | undefined) {
  const rows: { wall: number; slowest: number; ratio: number; failed: number }[] = [];
  for (let index = 0; index < ROUNDS; index++) {
    const started = performance.now();
    const results = await runChecks(entries, context, concurrency === undefined ? {} : { concurrency });
    const wall = performance.now() - started;
    const slowest = Math.max(...[...results.values()].map((result) => result.latencyMs));
    const failed = [...results.values()].filter((result) => !result.ok).length;
    rows.push({ wall, slowest, ratio: wall / slowest, failed });
  }
  const sorted = [...rows].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor(sorted.length / 2)] as (typeof rows)[number];
  return {
    'wall ms (median round)': round(median.wall),
    'slowest single check ms': round(median.slowest),
    'ratio (target ≤ 1.5)': Math.round(median.ratio * 100) / 100,
    'ratio worst of rounds': Math.round((sorted.at(-1)?.ratio ?? Number.NaN) * 100) / 100,
    'failed checks': rows.reduce((sum, row) => sum + row.failed, 0),
  };
}

// One warm-up call, so module loading and JIT are not billed to the first round.
await runChecks(entries.slice(0, 2), context);

const results: Record<string, unknown> = {
  checks: CHECKS,
  'answer times ms': '10..200',
  rounds: ROUNDS,
  'concurrency 20 (the whole section at once)': await measure(20),
  'concurrency 8 (runChecks default)': await measure(undefined),
};
console.log(JSON.stringify(results, null, 2));

server.closeAllConnections();
server.close();

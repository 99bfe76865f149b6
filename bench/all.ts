/**
 * `npm run bench`: builds the product, runs every bench one after the other (each in its own process,
 * so none pays for another's memory or warm JIT), writes every figure to bench/results/latest.json and
 * prints one table with each target beside its figure. Figures and ratios, never pass/fail.
 *
 *   npm run bench                                                         embedded PGlite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench    PostgreSQL: every bench works
 *                                                                         in fresh databases it drops
 *
 * BENCH_SKIP_BUILD=1 benches dist/ as it is; BENCH_ONLY=interaction,startup runs some of the benches.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createBenchDatabase } from './support/database.js';
import { PROJECT_ROOT } from './support/processes.js';
import { progress, RESULTS_DIR, readResult, writeResult } from './support/results.js';
import { printTable } from './support/table.js';

interface Bench {
  name: string;
  file: string;
  /** Where its figures are: a results file it writes, or the JSON it prints. */
  output: { file: string } | 'stdout';
  timeoutSeconds: number;
  /** run.ts opens DATABASE_URL itself: it is handed a fresh database, never the caller's. */
  needsScratchDatabase?: boolean;
}

const BENCHES: Bench[] = [
  {
    name: 'commandPath',
    file: 'bench/run.ts',
    output: { file: 'latest' },
    timeoutSeconds: 180,
    needsScratchDatabase: true,
  },
  { name: 'checks', file: 'bench/checks.ts', output: 'stdout', timeoutSeconds: 120 },
  { name: 'commands', file: 'bench/commands.ts', output: 'stdout', timeoutSeconds: 60 },
  { name: 'importer', file: 'bench/importer.ts', output: 'stdout', timeoutSeconds: 120 },
  { name: 'startup', file: 'bench/startup.ts', output: { file: 'startup' }, timeoutSeconds: 180 },
  { name: 'interaction', file: 'bench/interaction.ts', output: { file: 'interaction' }, timeoutSeconds: 300 },
  { name: 'timers', file: 'bench/timers.ts', output: { file: 'timers' }, timeoutSeconds: 300 },
  { name: 'paging', file: 'bench/paging.ts', output: 'stdout', timeoutSeconds: 120 },
  { name: 'crash', file: 'bench/crash.ts', output: 'stdout', timeoutSeconds: 180 },
];

function build(): void {
  if (process.env.BENCH_SKIP_BUILD === '1') {
    progress('build skipped (BENCH_SKIP_BUILD=1): benching dist/ as it is');
    return;
  }
  progress('building (npm run -s build)');
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error('the build failed: fix it, or set BENCH_SKIP_BUILD=1 to bench dist/ as it is');
  }
}

/** Runs one bench in its own process; resolves with what it printed, rejects on failure or timeout. */
function runBench(bench: Bench, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bench.file], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, bench.timeoutSeconds * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${bench.file} ${signal ? `was stopped (${signal})` : `exited ${code}`}\n${stdout.slice(-2_000)}`,
          ),
        );
    });
  });
}

async function runOne(bench: Bench, serverUrl: string | undefined): Promise<unknown> {
  if (bench.output !== 'stdout') rmSync(new URL(`${bench.output.file}.json`, RESULTS_DIR), { force: true });
  const scratch = bench.needsScratchDatabase && serverUrl ? await createBenchDatabase(serverUrl) : null;
  const env = { ...process.env };
  if (scratch?.url) env.DATABASE_URL = scratch.url;
  try {
    const stdout = await runBench(bench, env);
    return bench.output === 'stdout' ? JSON.parse(stdout) : readResult(bench.output.file);
  } finally {
    await scratch?.drop();
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
  const serverUrl = process.env.DATABASE_URL || undefined;
  const figures: Record<string, unknown> = {
    schema: 'shipcheck.bench.v1',
    date: new Date().toISOString(),
    node: process.version,
    database: serverUrl ? 'postgresql' : 'pglite',
    cpus: cpus().length,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
  const failures: Record<string, string> = {};
  build();
  for (const bench of BENCHES) {
    if (only && !only.some((name) => bench.file.includes(name) || bench.name === name)) continue;
    const benchStarted = performance.now();
    progress(`${bench.file}`);
    try {
      figures[bench.name] = await runOne(bench, serverUrl);
    } catch (error) {
      failures[bench.name] = error instanceof Error ? error.message : String(error);
      progress(`${bench.file} failed: ${failures[bench.name]}`);
    }
    progress(`${bench.file}: ${Math.round((performance.now() - benchStarted) / 1000)} s`);
  }
  figures.failures = failures;
  figures.totalSeconds = Math.round((performance.now() - started) / 1000);
  writeResult('latest', figures);
  printTable(figures);
  console.log(`\nevery figure: bench/results/latest.json (${figures.totalSeconds} s in all)`);
  return Object.keys(failures).length === 0 ? 0 : 1;
}

process.exitCode = await main();

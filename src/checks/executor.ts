import type { CheckExecutor } from '../chat/runChecks.js';
import type { Metrics } from '../metrics.js';
import { runChecks } from './runner.js';

export interface CheckExecutorOptions {
  metrics?: Metrics;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  allowedHosts: string[];
}

/** The most checks in flight at once: a section's checks finish in about the time of its slowest one. */
const MAX_CONCURRENCY = 32;

/** The runner behind the chat layer's CheckExecutor: the checklist's variables first, then the environment. */
export function createCheckExecutor(options: CheckExecutorOptions): CheckExecutor {
  return {
    async run(entries, variables) {
      const results = await runChecks(
        entries,
        { variables, env: options.env, timeoutMs: options.timeoutMs, allowedHosts: options.allowedHosts },
        { concurrency: Math.min(MAX_CONCURRENCY, Math.max(1, entries.length)) },
      );
      for (const entry of entries) {
        const result = results.get(entry.key);
        if (!result) continue;
        options.metrics?.checks.inc({ kind: entry.spec.kind, result: result.ok ? 'pass' : 'fail' });
        options.metrics?.checkSeconds.observe({ kind: entry.spec.kind }, result.latencyMs / 1000);
      }
      return results;
    },
  };
}

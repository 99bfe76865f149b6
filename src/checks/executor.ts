import type { CheckExecutor } from '../chat/runChecks.js';
import type { Metrics } from '../metrics.js';
import type { OwnEndpoint } from './ownEndpoints.js';
import { runChecks } from './runner.js';

export interface CheckExecutorOptions {
  metrics?: Metrics;
  /** The operator's check variables (SHIPCHECK_VAR_*, prefix removed): never Shipcheck's own settings. */
  env: Record<string, string | undefined>;
  timeoutMs: number;
  allowedHosts: string[];
  deniedNetworks?: readonly string[];
  /** Shipcheck's own database and Redis, which checks may not log in to as Shipcheck. */
  ownEndpoints?: readonly OwnEndpoint[];
}

/** The most checks in flight at once: a section's checks finish in about the time of its slowest one. */
const MAX_CONCURRENCY = 32;

/** The runner behind the chat layer's CheckExecutor: the checklist's variables first, then the operator's. */
export function createCheckExecutor(options: CheckExecutorOptions): CheckExecutor {
  return {
    async run(entries, variables) {
      const results = await runChecks(
        entries,
        {
          variables,
          env: options.env,
          timeoutMs: options.timeoutMs,
          allowedHosts: options.allowedHosts,
          deniedNetworks: options.deniedNetworks ?? [],
          ownEndpoints: options.ownEndpoints ?? [],
        },
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

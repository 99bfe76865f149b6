import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What Prometheus scrapes at /metrics. One registry per process (tests make several), with the
 * process's own default metrics beside Shipcheck's.
 */
export interface Metrics {
  registry: Registry;
  commands: Counter<'platform' | 'outcome'>;
  commandSeconds: Histogram<'platform'>;
  activeRuns: Gauge;
  timerLateness: Histogram<'kind'>;
  checks: Counter<'kind' | 'result'>;
  checkSeconds: Histogram<'kind'>;
  deliveries: Counter<'notifier' | 'result'>;
}

export function createMetrics(options: { activeRuns?: () => Promise<number> } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const activeRunsSource = options.activeRuns;
  return {
    registry,
    commands: new Counter({
      name: 'shipcheck_commands_total',
      help: 'Chat commands by platform and outcome (accepted, rejected, replayed, error)',
      labelNames: ['platform', 'outcome'],
      registers: [registry],
    }),
    commandSeconds: new Histogram({
      name: 'shipcheck_command_seconds',
      help: 'From receipt of a chat command to its outcome being committed',
      labelNames: ['platform'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    activeRuns: new Gauge({
      name: 'shipcheck_active_runs',
      help: 'Runs in progress',
      registers: [registry],
      async collect() {
        if (activeRunsSource) this.set(await activeRunsSource());
      },
    }),
    timerLateness: new Histogram({
      name: 'shipcheck_timer_lateness_seconds',
      help: 'How late a durable timer (escalation step, deadline, reminder, delivery) ran after it was due',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60],
      registers: [registry],
    }),
    checks: new Counter({
      name: 'shipcheck_checks_total',
      help: 'Automated checks by kind and result',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    checkSeconds: new Histogram({
      name: 'shipcheck_check_seconds',
      help: 'Duration of automated checks',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'shipcheck_page_deliveries_total',
      help: 'Pages and reminders delivered, by notifier and result (done, retry)',
      labelNames: ['notifier', 'result'],
      registers: [registry],
    }),
  };
}

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry, Summary } from 'prom-client';

/**
 * What Prometheus scrapes at /metrics. One registry per process (tests make several), with the
 * process's own default metrics beside Shipcheck's.
 */
export interface Metrics {
  registry: Registry;
  commands: Counter<'platform' | 'outcome'>;
  /** Commands refused, by the code the person was told (wrong_channel, forbidden, bad_command, …). */
  rejections: Counter<'platform' | 'code'>;
  commandSeconds: Histogram<'platform'>;
  activeRuns: Gauge;
  timerLateness: Histogram<'kind'>;
  checks: Counter<'kind' | 'result'>;
  checkSeconds: Histogram<'kind'>;
  deliveries: Counter<'notifier' | 'result'>;
  /** Open escalations the audit found with no next page scheduled, and repaired. */
  escalationRepairs: Counter<string>;
  /** Receipt → acknowledgement and receipt → commit of chat interactions, aggregatable across replicas. */
  interactionSeconds: Histogram<'platform' | 'stage'>;
  /** The same, as this process's own p50/p90/p99 over the last minute: what an operator reads at a glance. */
  interactionQuantiles: Summary<'platform' | 'stage'>;
  /** Calls to a chat platform's API by method and outcome (ok, rate_limited, error). */
  chatApiCalls: Counter<'platform' | 'method' | 'outcome'>;
  /** Message edits dropped because a newer rendering of the same message replaced them first. */
  updatesCoalesced: Counter<'platform'>;
  /** Counts coalesced edits from a publisher's running total, read at each scrape. */
  watchCoalescing(platform: string, total: () => number): void;
}

/** Interactions go through the two stages: the platform's acknowledgement and the database commit. */
export type InteractionStage = 'ack' | 'commit';

export function observeInteraction(
  metrics: Metrics | undefined,
  platform: string,
  stage: InteractionStage,
  milliseconds: number,
): void {
  if (!metrics) return;
  const seconds = milliseconds / 1000;
  metrics.interactionSeconds.observe({ platform, stage }, seconds);
  metrics.interactionQuantiles.observe({ platform, stage }, seconds);
}

export function createMetrics(options: { activeRuns?: () => Promise<number> } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const activeRunsSource = options.activeRuns;
  const coalescing = new Map<string, { total: () => number; counted: number }>();
  return {
    registry,
    commands: new Counter({
      name: 'shipcheck_commands_total',
      help: 'Chat commands by platform and outcome (accepted, rejected, replayed, error)',
      labelNames: ['platform', 'outcome'],
      registers: [registry],
    }),
    rejections: new Counter({
      name: 'shipcheck_rejections_total',
      help: 'Chat commands refused, by platform and the error code the reply carried',
      labelNames: ['platform', 'code'],
      registers: [registry],
    }),
    commandSeconds: new Histogram({
      name: 'shipcheck_command_seconds',
      help: 'Handling a chat command, typed or clicked: from the start of its handling to its reply (a change is committed by then)',
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
    escalationRepairs: new Counter({
      name: 'shipcheck_escalation_repairs_total',
      help: 'Open escalations the audit found without their next page scheduled, and scheduled again',
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'shipcheck_page_deliveries_total',
      help: 'Pages and reminders delivered, by notifier and result (done, retry)',
      labelNames: ['notifier', 'result'],
      registers: [registry],
    }),
    interactionSeconds: new Histogram({
      name: 'shipcheck_interaction_seconds',
      help: 'From receipt of a chat interaction to its acknowledgement (stage=ack) or its commit (stage=commit)',
      labelNames: ['platform', 'stage'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    interactionQuantiles: new Summary({
      name: 'shipcheck_interaction_quantile_seconds',
      help: 'Receipt to ack or commit of chat interactions, quantiles over the last minute',
      labelNames: ['platform', 'stage'],
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 60,
      ageBuckets: 6,
      registers: [registry],
    }),
    chatApiCalls: new Counter({
      name: 'shipcheck_chat_api_calls_total',
      help: 'Calls to the chat platform APIs by method and outcome (ok, rate_limited, error)',
      labelNames: ['platform', 'method', 'outcome'],
      registers: [registry],
    }),
    updatesCoalesced: new Counter({
      name: 'shipcheck_message_updates_coalesced_total',
      help: 'Message edits skipped because a newer rendering of the same message replaced them before they went out',
      labelNames: ['platform'],
      registers: [registry],
      collect() {
        for (const [platform, source] of coalescing) {
          const total = source.total();
          if (total > source.counted) this.inc({ platform }, total - source.counted);
          source.counted = Math.max(source.counted, total);
        }
      },
    }),
    watchCoalescing(platform, total) {
      coalescing.set(platform, { total, counted: 0 });
    },
  };
}

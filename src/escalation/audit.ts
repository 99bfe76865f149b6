import { request } from 'undici';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { RunService } from '../runs/service.js';
import { pruneSettled } from '../timers/store.js';
import { countOpenEscalations, findBrokenEscalations, scheduleMissingPage } from './auditStore.js';
import type { Notifier } from './notify.js';

export interface AuditOptions {
  db: Database;
  runs: RunService;
  /** Told when an escalation was found broken: every notifier that takes pages outside of chat. */
  notifiers: Notifier[];
  logger: Logger;
  metrics?: Metrics;
  /** Pinged after each clean audit: an external dead-man's switch notices when the pings stop. */
  heartbeatUrl?: string | null;
  /** Settled timer jobs older than this are deleted. */
  retentionMs: number;
  intervalMs?: number;
  clock?: () => Date;
}

export interface AuditResult {
  open: number;
  repaired: string[];
  pruned: number;
  heartbeat: 'sent' | 'failed' | 'skipped';
}

const HEARTBEAT_TIMEOUT_MS = 5_000;

/** The paging services outside of chat: they hear of a repair even when chat is what is failing. */
const FALLBACK_NOTIFIERS = new Set(['pagerduty', 'webhook']);

/**
 * Once a minute, on every replica: every open escalation has its next page scheduled, or its policy is
 * finished. One that has neither (its job was given up, or lost) is scheduled again at once, logged,
 * counted, and reported through the paging notifiers. Settled jobs past their retention are pruned. A
 * clean pass pings HEARTBEAT_URL, so silence there means the audit itself has stopped.
 */
export class EscalationAudit {
  readonly #options: AuditOptions & { intervalMs: number; clock: () => Date };
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;

  constructor(options: AuditOptions) {
    this.#options = { intervalMs: 60_000, clock: () => new Date(), ...options };
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.runOnce()
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'escalation audit failed'))
        .finally(() => {
          this.#running = null;
        });
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  async runOnce(): Promise<AuditResult> {
    const { db, logger, metrics, clock } = this.#options;
    const now = clock();
    const broken = await findBrokenEscalations(db);
    for (const escalation of broken) {
      await scheduleMissingPage(db, escalation, now);
      metrics?.escalationRepairs.inc();
      logger.error(
        { escalation: escalation.id, run: escalation.runId, step: escalation.step, round: escalation.round },
        'escalation had no next page scheduled: scheduled it again',
      );
      await this.#report(escalation.runId, escalation.id);
    }
    const pruned = await pruneSettled(db, new Date(now.getTime() - this.#options.retentionMs));
    const open = await countOpenEscalations(db);
    const heartbeat = broken.length === 0 ? await this.#heartbeat() : 'skipped';
    return { open, repaired: broken.map((escalation) => escalation.id), pruned, heartbeat };
  }

  /** The paging services hear of it too: whatever broke the schedule may have kept someone unpaged. */
  async #report(runId: string, escalationId: string): Promise<void> {
    const run = await this.#options.runs.get(runId);
    if (!run) return;
    const notice = {
      kind: 'page' as const,
      run,
      text: `Shipcheck's audit found escalation ${escalationId} of “${run.checklist.title}” with no next page scheduled, and scheduled it again.`,
      targets: [],
      escalationId,
      severity: run.escalation?.id === escalationId ? run.escalation.severity : null,
    };
    for (const notifier of this.#options.notifiers) {
      if (!FALLBACK_NOTIFIERS.has(notifier.name) || !notifier.accepts(notice)) continue;
      await notifier
        .send(notice, `audit:${escalationId}`, AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS))
        .catch(() => 'retry');
    }
  }

  async #heartbeat(): Promise<AuditResult['heartbeat']> {
    const url = this.#options.heartbeatUrl;
    if (!url) return 'skipped';
    try {
      const response = await request(url, {
        method: 'GET',
        signal: AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS),
      });
      await response.body.dump();
      if (response.statusCode < 400) return 'sent';
      this.#options.logger.warn({ status: response.statusCode }, 'HEARTBEAT_URL refused the ping');
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'could not ping HEARTBEAT_URL');
    }
    return 'failed';
  }
}

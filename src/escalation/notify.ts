import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { Logger } from '../logger.js';
import type { PageTarget, RunState } from '../runs/types.js';

/** Something Shipcheck tells people outside of a command's reply: a page or a reminder. */
export interface Notice {
  /** `acknowledged` and `resolved` close the loop with services that keep an incident open (PagerDuty). */
  kind: 'page' | 'reminder' | 'acknowledged' | 'resolved';
  run: RunState;
  text: string;
  targets: PageTarget[];
  escalationId: string | null;
  severity: string | null;
}

/**
 * A way to reach people. `send` answers 'retry' for a failure worth retrying (network, 5xx, 429) and
 * 'done' otherwise (including a 4xx: the same request would fail the same way); it never throws.
 * `deliveryKey` is the same on every retry of one delivery (an idempotency key for the receiver);
 * `signal` aborts a call that has run past its time.
 */
export interface Notifier {
  name: string;
  accepts(notice: Notice): boolean;
  send(notice: Notice, deliveryKey: string, signal?: AbortSignal): Promise<'done' | 'retry'>;
}

/** Pages and reminders are for chat; acknowledgements already show there as the run's own update. */
export function isChatNotice(notice: Notice): boolean {
  return notice.kind === 'page' || notice.kind === 'reminder';
}

/** Pages and reminders in the terminal channel, with the people it would page named. */
export function terminalNotifier(write: (text: string) => void): Notifier {
  return {
    name: 'terminal',
    accepts: (notice) => notice.run.platform === 'terminal' && isChatNotice(notice),
    async send(notice) {
      const people = notice.targets.flatMap((target) =>
        'person' in target ? [`@${target.terminal ?? target.person} (${target.via})`] : [],
      );
      write(people.length > 0 ? `${notice.text}\n   paging ${people.join(', ')}` : notice.text);
      return 'done';
    },
  };
}

const TIMEOUT_MS = 10_000;

/** PagerDuty Events API v2: one incident per escalation (dedup_key), so repeated pages do not pile up. */
export function pagerDutyNotifier(routingKey: string, url: string, logger: Logger): Notifier {
  return {
    name: 'pagerduty',
    accepts: (notice) => notice.kind !== 'reminder',
    async send(notice, _deliveryKey, signal) {
      const dedupKey = `shipcheck-${notice.escalationId}`;
      if (notice.kind === 'acknowledged' || notice.kind === 'resolved') {
        // The same incident the pages opened: acknowledged or resolved there too.
        const action = notice.kind === 'acknowledged' ? 'acknowledge' : 'resolve';
        const body = JSON.stringify({ routing_key: routingKey, event_action: action, dedup_key: dedupKey });
        return post(url, body, { 'content-type': 'application/json' }, logger, 'pagerduty', signal);
      }
      const severity = notice.severity === 'P0' ? 'critical' : notice.severity === 'P1' ? 'error' : 'warning';
      const body = JSON.stringify({
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: dedupKey,
        payload: {
          summary: notice.text.slice(0, 1000),
          source: `shipcheck run ${notice.run.id}`,
          severity,
          custom_details: {
            checklist: notice.run.checklist.title,
            version: notice.run.version,
            run: notice.run.id,
          },
        },
      });
      return post(url, body, { 'content-type': 'application/json' }, logger, 'pagerduty', signal);
    },
  };
}

/** A generic webhook, signed: `X-Shipcheck-Signature: sha256=<hex HMAC of the body>`. */
export function webhookNotifier(url: string, secret: string, logger: Logger): Notifier {
  return {
    name: 'webhook',
    accepts: () => true,
    async send(notice, deliveryKey, signal) {
      const body = JSON.stringify({
        kind: notice.kind,
        delivery: deliveryKey,
        run: {
          id: notice.run.id,
          checklist: notice.run.checklist.name,
          version: notice.run.version,
          channel: notice.run.channelId,
        },
        escalation: notice.escalationId,
        severity: notice.severity,
        text: notice.text,
        targets: notice.targets,
      });
      const signature = createHmac('sha256', secret).update(body).digest('hex');
      return post(
        url,
        body,
        {
          'content-type': 'application/json',
          'x-shipcheck-signature': `sha256=${signature}`,
          'x-shipcheck-delivery': deliveryKey,
          // The same on every retry of this delivery: a receiver that honours it takes the page once.
          'idempotency-key': deliveryKey,
        },
        logger,
        'webhook',
        signal,
      );
    },
  };
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  logger: Logger,
  name: string,
  signal?: AbortSignal,
): Promise<'done' | 'retry'> {
  try {
    const response = await request(url, {
      method: 'POST',
      body,
      headers,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    await response.body.dump();
    if (response.statusCode >= 500 || response.statusCode === 429) {
      logger.warn({ notifier: name, status: response.statusCode }, 'delivery failed; will retry');
      return 'retry';
    }
    if (response.statusCode >= 400) {
      logger.error({ notifier: name, status: response.statusCode }, 'delivery refused; not retrying');
    }
    return 'done';
  } catch (error) {
    logger.warn({ notifier: name, err: error }, 'delivery failed; will retry');
    return 'retry';
  }
}

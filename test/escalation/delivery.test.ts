import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Notice, pagerDutyNotifier, webhookNotifier } from '../../src/escalation/notify.js';
import type { RunState } from '../../src/runs/types.js';

/**
 * The PagerDuty and webhook notifiers against fake servers on 127.0.0.1: what they send, and which
 * answers they ask the timer to retry (network errors, 5xx, 429) and which they do not (other 4xx).
 */

const logger = pino({ level: 'silent' });

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the fake does with a request: answer with a status, or cut the connection. */
type Reply = number | 'hang-up' | 'silence';

interface Fake {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function fake(replies: Reply[] = []): Promise<Fake> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
      });
      const reply = replies.shift() ?? 202;
      if (reply === 'silence') return;
      if (reply === 'hang-up') {
        request.socket.destroy();
        return;
      }
      response.writeHead(reply, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port nobody listens on: opened, noted, closed. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

const run = {
  id: 'run123',
  channelId: 'C0DEPLOY',
  platform: 'slack',
  version: 'v2.4.1',
  checklist: { name: 'api-release', title: 'API release' },
} as unknown as RunState;

function page(overrides: Partial<Notice> = {}): Notice {
  return {
    kind: 'page',
    run,
    text: '🚨 P0 page (step 1) for “API release” v2.4.1: item 1.3 failed: HTTP 503. Acknowledge with /deploy ack.',
    targets: [
      { person: 'ana', name: 'Ana Ruiz', via: 'role:on-call-engineer', slack: 'U01ANA0001', terminal: 'ana' },
      { channel: '#incidents', via: 'channel' },
    ],
    escalationId: 'run123-e4',
    severity: 'P0',
    ...overrides,
  };
}

const reminder: Notice = {
  kind: 'reminder',
  run,
  text: '⏰ reminder (post the error rate)',
  targets: [],
  escalationId: null,
  severity: null,
};

describe('PagerDuty Events API v2', () => {
  it('triggers an event with the routing key, the escalation as dedup key, and the page as summary', async () => {
    const server = await fake();
    const notifier = pagerDutyNotifier('R0UTINGKEY', server.url, logger);
    expect(await notifier.send(page(), 'deliver:run123-e4:0:0')).toBe('done');
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v2/enqueue');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      routing_key: 'R0UTINGKEY',
      event_action: 'trigger',
      dedup_key: 'shipcheck-run123-e4',
      payload: {
        summary: page().text,
        source: 'shipcheck run run123',
        severity: 'critical',
        custom_details: { checklist: 'API release', version: 'v2.4.1', run: 'run123' },
      },
    });
  });

  it('maps P0 → critical, P1 → error, P2 and P3 (and none) → warning', async () => {
    const server = await fake();
    const notifier = pagerDutyNotifier('key', server.url, logger);
    for (const severity of ['P0', 'P1', 'P2', 'P3', null]) await notifier.send(page({ severity }), 'k');
    expect(server.received.map((request) => JSON.parse(request.body).payload.severity)).toEqual([
      'critical',
      'error',
      'warning',
      'warning',
      'warning',
    ]);
  });

  it('keeps one dedup key for every step of an escalation, and a new one for the next escalation', async () => {
    const server = await fake();
    const notifier = pagerDutyNotifier('key', server.url, logger);
    await notifier.send(page(), 'deliver:run123-e4:0:0');
    await notifier.send(page(), 'deliver:run123-e4:1:0');
    await notifier.send(page({ escalationId: 'run123-e9' }), 'deliver:run123-e9:0:0');
    expect(server.received.map((request) => JSON.parse(request.body).dedup_key)).toEqual([
      'shipcheck-run123-e4',
      'shipcheck-run123-e4',
      'shipcheck-run123-e9',
    ]);
  });

  it('truncates a long summary to 1,000 characters', async () => {
    const server = await fake();
    await pagerDutyNotifier('key', server.url, logger).send(page({ text: 'x'.repeat(5000) }), 'k');
    expect(JSON.parse(server.received[0]?.body ?? '').payload.summary).toHaveLength(1000);
  });

  it('takes pages only, not reminders', () => {
    const notifier = pagerDutyNotifier('key', 'http://127.0.0.1:9/', logger);
    expect(notifier.accepts(page())).toBe(true);
    expect(notifier.accepts(reminder)).toBe(false);
  });
});

describe('the signed webhook', () => {
  it('posts the notice with an HMAC-SHA256 signature of the exact body and the delivery key', async () => {
    const server = await fake();
    const notifier = webhookNotifier(server.url, 's3cret', logger);
    expect(await notifier.send(page(), 'deliver:run123-e4:0:0')).toBe('done');
    const [request] = server.received;
    const expected = createHmac('sha256', 's3cret')
      .update(request?.body ?? '')
      .digest('hex');
    expect(request?.headers['x-shipcheck-signature']).toBe(`sha256=${expected}`);
    expect(request?.headers['x-shipcheck-delivery']).toBe('deliver:run123-e4:0:0');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      kind: 'page',
      delivery: 'deliver:run123-e4:0:0',
      run: { id: 'run123', checklist: 'api-release', version: 'v2.4.1', channel: 'C0DEPLOY' },
      escalation: 'run123-e4',
      severity: 'P0',
      text: page().text,
      targets: page().targets,
    });
  });

  it('signs reminders too, and the same delivery key gives the same body and signature', async () => {
    const server = await fake();
    const notifier = webhookNotifier(server.url, 's3cret', logger);
    expect(notifier.accepts(reminder)).toBe(true);
    await notifier.send(reminder, 'remind:run123:0:1');
    await notifier.send(reminder, 'remind:run123:0:1');
    const [first, second] = server.received;
    expect(JSON.parse(first?.body ?? '')).toMatchObject({
      kind: 'reminder',
      escalation: null,
      severity: null,
    });
    expect(second?.body).toBe(first?.body);
    expect(second?.headers['x-shipcheck-signature']).toBe(first?.headers['x-shipcheck-signature']);
  });
});

describe('which failures are retried', () => {
  const makers = {
    pagerduty: (url: string) => pagerDutyNotifier('key', url, logger),
    webhook: (url: string) => webhookNotifier(url, 's3cret', logger),
  };

  for (const [name, make] of Object.entries(makers)) {
    it.each([500, 502, 503, 429])(`${name}: %i asks for a retry`, async (status) => {
      const server = await fake([status]);
      expect(await make(server.url).send(page(), 'k')).toBe('retry');
      expect(server.received).toHaveLength(1);
    });

    it.each([400, 401, 403, 404, 410, 413, 422])(
      `${name}: %i is final (done, not retried)`,
      async (status) => {
        const server = await fake([status]);
        expect(await make(server.url).send(page(), 'k')).toBe('done');
        expect(server.received).toHaveLength(1);
      },
    );

    it.each([200, 201, 202, 204])(`${name}: %i is done`, async (status) => {
      const server = await fake([status]);
      expect(await make(server.url).send(page(), 'k')).toBe('done');
    });

    it(`${name}: a refused connection asks for a retry (and does not throw)`, async () => {
      expect(await make(await deadUrl()).send(page(), 'k')).toBe('retry');
    });

    it(`${name}: a connection cut before the answer asks for a retry`, async () => {
      const server = await fake(['hang-up']);
      expect(await make(server.url).send(page(), 'k')).toBe('retry');
      expect(server.received).toHaveLength(1);
    });

    if (name === 'webhook') {
      it('a receiver that never answers is given up on after the 10 s timeout, asking for a retry', async () => {
        const server = await fake(['silence']);
        const started = Date.now();
        expect(await make(server.url).send(page(), 'k')).toBe('retry');
        expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
      }, 20_000);
    }

    it(`${name}: 503, 503, then 202 — retry, retry, done`, async () => {
      const server = await fake([503, 503, 202]);
      const notifier = make(server.url);
      const answers = [];
      for (let attempt = 0; attempt < 3; attempt++) answers.push(await notifier.send(page(), 'k'));
      expect(answers).toEqual(['retry', 'retry', 'done']);
      // Each retry sends the same request again.
      expect(new Set(server.received.map((request) => request.body)).size).toBe(1);
    });
  }
});

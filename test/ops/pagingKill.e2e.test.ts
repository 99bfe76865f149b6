import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type ProductStore, productStore, startProduct } from '../support/product.js';

/**
 * kill -9 of the replica that holds a slow delivery: the built product pages a webhook that takes its
 * time to answer; the process is killed mid-delivery; a second one on the same database takes the
 * delivery over once the lease runs out and delivers it. Figure: pages delivered = pages due = 1, with
 * one delivery key, answered once.
 */

interface Delivery {
  key: string;
  answered: boolean;
}

let store: ProductStore;
let server: Server;
let url: string;
const deliveries: Delivery[] = [];
/** The first request is answered slowly (one byte a second, for 30 s); later ones at once. */
let slowFirst = true;

beforeAll(async () => {
  store = await productStore();
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const delivery = { key: String(request.headers['idempotency-key'] ?? ''), answered: false };
      deliveries.push(delivery);
      response.writeHead(202);
      if (!slowFirst) {
        delivery.answered = true;
        response.end('ok');
        return;
      }
      slowFirst = false;
      const drip = setInterval(() => response.write('.'), 1000);
      response.on('close', () => clearInterval(drip));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pages`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store?.dispose();
});

describe('kill -9 of the replica holding a slow delivery', () => {
  it('the page is delivered by the next replica, once, under the same delivery key', async () => {
    const env = {
      ...store.env,
      SHIPCHECK_HTTP: 'off',
      SHIPCHECK_USER: 'ana',
      SHIPCHECK_WEBHOOK_URL: url,
      SHIPCHECK_WEBHOOK_SECRET: 'webhook-secret-0123456789',
    };
    const first = await startProduct(env);
    try {
      first.child.stdin?.write('/deploy start demo v1\n/deploy escalate P1 the site is down\n');
      await eventually('the webhook to be called', () => (deliveries.length > 0 ? true : undefined), 20_000);
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      first.kill();
    }
    expect(deliveries).toEqual([
      { key: expect.stringMatching(/^send:deliver:.+:webhook$/), answered: false },
    ]);

    const second = await startProduct(env);
    try {
      // The dead replica's lease (6 s) runs out; the new one claims the delivery and sends it again.
      await eventually(
        'the delivery to be taken over',
        () => (deliveries.length > 1 ? true : undefined),
        20_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      second.child.stdin?.end();
      await second.exited;
    } finally {
      second.kill();
    }
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]).toEqual({ key: deliveries[0]?.key, answered: true });
    const paged = await store.read(async (handle) => {
      const result = (await handle.db.execute(
        sql`select count(*)::int as pages from run_events where type = 'escalation_paged'`,
      )) as unknown as { rows: { pages: number }[] };
      return Number(result.rows[0]?.pages);
    });
    expect(paged).toBe(1);
  }, 60_000);
});

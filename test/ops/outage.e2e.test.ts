import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNAVAILABLE_NOTICE } from '../../src/chat/failure.js';
import { USERS } from '../chat/slack/harness.js';
import { type FakeMessage, FakeSlack } from '../fakes/slack/server.js';
import { itemLineOf, type SlackWorkspace, shownText } from '../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FaultProxy, targetOf } from '../support/faultProxy.js';
import { eventually, type RunningProduct, startSlackProduct } from '../support/product.js';

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
/** As long as issue 8 asks the database to stay away. */
const OUTAGE_MS = 10_000;

/**
 * A dependency dies under a running product and comes back. Postgres and Redis are reached through a
 * relay on loopback that the test takes down (every connection dropped, new ones refused, as a killed
 * server does) and brings back on the same port.
 */
async function ready(product: RunningProduct): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${product.port}/health/ready`);
  return { status: response.status, text: await response.text() };
}

/** Waits (bounded) until /health/ready answers 200 again. */
async function readyAgain(product: RunningProduct): Promise<void> {
  await eventually(
    'readiness to come back',
    async () => ((await ready(product)).status === 200 ? true : undefined),
    30_000,
  );
}

function sectionShowing(fake: FakeSlack, channel: string, ref: string): FakeMessage | undefined {
  const summary = fake.messages(channel)[0];
  if (!summary) return undefined;
  return fake.thread(channel, summary.ts).find((section) => itemLineOf(section, ref));
}

/** Clicks Done on `ref` as `user` and resolves once the channel shows it done. */
async function tickAndSee(
  fake: FakeSlack,
  workspace: SlackWorkspace,
  channel: string,
  ref: string,
): Promise<void> {
  const section = sectionShowing(fake, channel, ref) as FakeMessage;
  expect((await workspace.choose(USERS.bo, section, ref, '✅ Done')).status).toBe(200);
  await eventually(`${ref} to show as done`, () =>
    itemLineOf(sectionShowing(fake, channel, ref), ref)?.includes('@bo') ? true : undefined,
  );
}

describe.skipIf(!databaseUrl)(
  `Postgres killed for ten seconds during a run (${databaseUrl ? 'through a relay' : 'needs DATABASE_URL'})`,
  () => {
    const fake = new FakeSlack();
    let database: TestDatabase;
    let proxy: FaultProxy;
    let product: RunningProduct | null = null;

    beforeAll(async () => {
      await fake.start();
      database = await createTestDatabase();
      proxy = new FaultProxy(targetOf(database.env.DATABASE_URL as string, 5432));
      await proxy.up();
    });
    afterAll(async () => {
      product?.kill();
      await proxy?.down();
      await fake.close();
      await database?.drop();
    });

    it('tells the clicker to try again, stays up, and carries on by itself once Postgres is back', async () => {
      const started = await startSlackProduct(fake, {
        DATABASE_URL: proxy.rewrite(database.env.DATABASE_URL as string),
      });
      product = started.product;
      const { workspace } = started;
      const channel = 'C0DBDOWN';
      expect((await workspace.slash(USERS.ana, channel, 'start demo v5')).status).toBe(200);
      await eventually('the run to be posted', () => sectionShowing(fake, channel, '1.2'));
      await tickAndSee(fake, workspace, channel, '1.1');

      await proxy.down();
      const outageEnds = Date.now() + OUTAGE_MS;
      const section = sectionShowing(fake, channel, '1.2') as FakeMessage;
      // Slack is answered at once (the click is acknowledged before the database is asked) ...
      expect((await workspace.choose(USERS.bo, section, '1.2', '✅ Done')).status).toBe(200);
      // ... and the clicker learns it did not take, in words they can act on.
      const notice = await eventually('the try-again notice', () =>
        fake
          .ephemeralsFor(USERS.bo.id)
          .map((ephemeral) => shownText(ephemeral))
          .find((text) => text.includes('Try again')),
      );
      expect(notice).toContain(UNAVAILABLE_NOTICE.split(',')[0]);
      const whileDown = await ready(product);
      expect(whileDown.status).toBe(503);
      expect(whileDown.text).toContain('database');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
      expect(product.child.exitCode).toBeNull();

      await proxy.up();
      await readyAgain(product);
      // The same click again, as the person would: now it counts.
      await tickAndSee(fake, workspace, channel, '1.2');
      expect(itemLineOf(sectionShowing(fake, channel, '1.1'), '1.1')).toContain('@bo');
      expect(product.log()).not.toContain('"level":60');
    });
  },
);

describe.skipIf(!databaseUrl || !redisUrl)(
  `Redis killed during a run (${databaseUrl && redisUrl ? 'through a relay' : 'needs DATABASE_URL and REDIS_URL'})`,
  () => {
    const fake = new FakeSlack();
    let database: TestDatabase;
    let proxy: FaultProxy;
    let product: RunningProduct | null = null;

    beforeAll(async () => {
      await fake.start();
      database = await createTestDatabase();
      proxy = new FaultProxy(targetOf(redisUrl as string, 6379));
      await proxy.up();
    });
    afterEach(() => product?.kill());
    afterAll(async () => {
      await proxy?.down();
      await fake.close();
      await database?.drop();
    });

    it('keeps taking clicks on its own limits, says Redis is down, and uses Redis again once it is back', async () => {
      const started = await startSlackProduct(fake, {
        ...database.env,
        REDIS_URL: proxy.rewrite(redisUrl as string),
      });
      product = started.product;
      const { workspace } = started;
      const channel = 'C0REDISDOWN';
      expect((await workspace.slash(USERS.ana, channel, 'start demo v6')).status).toBe(200);
      await eventually('the run to be posted', () => sectionShowing(fake, channel, '1.3'));
      expect((await ready(product)).status).toBe(200);

      await proxy.down();
      await tickAndSee(fake, workspace, channel, '1.1');
      await tickAndSee(fake, workspace, channel, '1.2');
      const whileDown = await ready(product);
      expect(whileDown.status).toBe(503);
      expect(whileDown.text).toContain('redis');
      expect(product.child.exitCode).toBeNull();

      await proxy.up();
      await readyAgain(product);
      await tickAndSee(fake, workspace, channel, '1.3');
      expect(product.log()).not.toContain('"level":60');
    });
  },
);

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS } from '../chat/slack/harness.js';
import { FakeSlack } from '../fakes/slack/server.js';
import { runCrashBurst } from '../support/crashBurst.js';
import { type ProductStore, productStore } from '../support/product.js';

/**
 * kill -9 in the middle of a burst of clicks (test/support/crashBurst.ts, which `npm run bench` runs
 * bigger): 400 signed clicks over five runs with sixteen in flight, SIGKILL after 150 answers, a
 * restart on the same store, real Postgres with DATABASE_URL and the embedded database without. The
 * figure it proves: every click Slack got a 200 for is stored after the restart (answered ⊆ stored,
 * answered but lost = 0), and no item is ticked twice.
 */
describe(`SIGKILL mid-burst (${process.env.DATABASE_URL ? 'Postgres' : 'embedded PGlite'})`, () => {
  const fake = new FakeSlack();
  let store: ProductStore;

  beforeAll(async () => {
    await fake.start();
    store = await productStore();
  });
  afterAll(async () => {
    await fake.close();
    await store?.dispose();
  });

  it('loses no answered click and applies none twice', { timeout: 120_000 }, async () => {
    const figures = await runCrashBurst({
      fake,
      env: store.env,
      read: (work) => store.read(work),
      runs: 5,
      clicks: 400,
      inFlight: 16,
      killAfter: 150,
      starter: USERS.ana,
      clicker: USERS.bo,
    });
    console.log(
      `kill -9 mid-burst: ${figures.answered} answered, ${figures.stored} stored, ${figures.answeredButLost} answered but lost, ${figures.appliedTwice} applied twice`,
    );
    expect(figures.answered).toBeGreaterThanOrEqual(150);
    expect(figures.stored).toBeGreaterThanOrEqual(figures.answered);
    expect(figures.answeredButLost).toBe(0);
    expect(figures.appliedTwice).toBe(0);
    // The restarted product answers a click it had answered as a replay, changing nothing.
    expect(figures.replayStatus).toBe(200);
  });
});

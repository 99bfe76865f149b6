import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS } from '../chat/slack/harness.js';
import { FakeSlack } from '../fakes/slack/server.js';
import { SlackWorkspace, shownText } from '../fakes/slack/workspace.js';
import { createTestDatabase, preparePgliteDir, type TestDatabase } from '../support/db.js';
import { eventually, type RunningProduct, startProduct } from '../support/product.js';

const SECRET = 'redraw-signing-secret-0123456789abcdef';

/**
 * Changes nobody clicked: the escalation timer records a page, and the run's summary in the channel
 * shows it without waiting for the next click.
 */
describe('a run changed by a timer', () => {
  const fake = new FakeSlack();
  let database: TestDatabase | null = null;
  let dataDir: string | null = null;
  let product: RunningProduct | null = null;

  beforeAll(async () => {
    await fake.start();
    if (process.env.DATABASE_URL) database = await createTestDatabase();
    else dataDir = preparePgliteDir();
  });
  afterAll(async () => {
    product?.kill();
    await fake.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('is redrawn in the channel by itself', async () => {
    product = await startProduct({
      ...(database ? database.env : { SHIPCHECK_DATA_DIR: dataDir as string }),
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: fake.apiUrl,
    });
    await product.waitForLog('taking Slack requests from the router');
    const workspace = new SlackWorkspace(fake, {
      kind: 'http',
      url: `http://127.0.0.1:${product.port}/slack/events`,
      signingSecret: SECRET,
    });
    const channel = 'C0TIMERS';
    expect((await workspace.slash(USERS.ana, channel, 'start demo v8')).status).toBe(200);
    await eventually('the run to be posted', () => fake.messages(channel)[0]);
    expect((await workspace.slash(USERS.ana, channel, 'escalate the canary is on fire')).status).toBe(200);
    // The first page is the escalation timer's doing, not the command's: it shows up on its own.
    const summary = await eventually(
      'the summary to show the page',
      () => {
        const text = shownText(fake.messages(channel)[0]);
        return /1 page sent/.test(text) ? text : undefined;
      },
      30_000,
    );
    expect(summary).toContain('the canary is on fire');
  });
});

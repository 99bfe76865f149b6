import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChecklists } from '../../../src/loadChecklists.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type SlackHarness, startSlackHarness, USERS } from './harness.js';

let database: TestDatabase;
let slack: SlackHarness;
let metrics: Metrics;

beforeAll(async () => {
  database = await createTestDatabase();
  metrics = createMetrics();
  // Routed through handleHttp, as the shared web server does: that is where a request's receipt is noted.
  slack = await startSlackHarness({
    mode: 'http',
    database,
    library: await loadChecklists('checklists'),
    listen: false,
    metrics,
  });
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const family = name.replace(/_count$/, '');
  const metric = (await metrics.registry.getMetricsAsJSON()).find((candidate) => candidate.name === family);
  const values = (metric?.values ?? []) as {
    labels: Record<string, unknown>;
    value: number;
    metricName?: string;
  }[];
  const found = values.find(
    (value) =>
      (value.metricName ?? name) === name &&
      Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return found?.value ?? 0;
}

describe('what /metrics shows of Slack interactions', () => {
  it('counts each interaction from receipt to ack and to commit, and every Web API call by method', async () => {
    const channel = 'C0METRICS';
    expect((await slack.workspace.slash(USERS.ana, channel, 'start demo v9')).status).toBe(200);
    await slack.adapter.idle();
    const summary = slack.fake.messages(channel)[0];
    const section = summary ? slack.fake.thread(channel, summary.ts)[0] : undefined;
    if (!section) throw new Error('the run was not posted');
    expect((await slack.workspace.choose(USERS.bo, section, '1.1', '✅ Done')).status).toBe(200);
    await slack.adapter.idle();

    const count = (stage: string) =>
      sample('shipcheck_interaction_seconds_count', { platform: 'slack', stage });
    // The start and the click: each was acknowledged, and each committed a command.
    expect(await count('ack')).toBe(2);
    expect(await count('commit')).toBe(2);
    // Typed or clicked, each command is counted by its outcome.
    expect(await sample('shipcheck_commands_total', { platform: 'slack', outcome: 'accepted' })).toBe(2);

    const posts = slack.fake.calls.filter(
      (call) => call.method === 'chat.postMessage' && call.outcome === 'ok',
    );
    expect(posts.length).toBeGreaterThan(1);
    expect(
      await sample('shipcheck_chat_api_calls_total', {
        platform: 'slack',
        method: 'chat.postMessage',
        outcome: 'ok',
      }),
    ).toBe(posts.length);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'shipcheck_interaction_quantile_seconds{quantile="0.99",platform="slack",stage="commit"}',
    );
    expect(text).toContain('shipcheck_message_updates_coalesced_total');
  });
});

import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChecklistLibrary } from '../../../src/checklist/library.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { SIGNING_SECRET, type SlackHarness, startSlackHarness, USERS } from './harness.js';

/**
 * Bounded, strict receiving, against the running Bolt app over real HTTP: oversized bodies are refused
 * before they are buffered, the signature and its timestamp come before any parsing, and a payload of
 * the wrong shape is a 400 that says why.
 */

let database: TestDatabase;
let slack: SlackHarness;
let library: ChecklistLibrary;
let metrics: Metrics;
let url: URL;

beforeAll(async () => {
  database = await createTestDatabase();
  library = await loadChecklists('checklists');
  metrics = createMetrics();
  slack = await startSlackHarness({ mode: 'http', database, library, metrics });
  // The raw requests below go where the workspace sends Slack's.
  url = new URL(slack.workspace.url);
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

interface Answer {
  status: number;
  body: string;
}

/**
 * Streams `megabytes` of body in 64 kB chunks from one reused buffer, so the client holds almost nothing;
 * stops writing as soon as the app answers or drops the connection.
 */
function streamBody(
  headers: Record<string, string>,
  megabytes: number,
  declareLength: boolean,
): Promise<Answer> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const total = megabytes * 1024 * 1024;
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(declareLength ? { 'content-length': String(total) } : {}),
          ...headers,
        },
      },
      (response) => {
        answered = true;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (part: string) => {
          body += part;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', (error) => (answered ? undefined : reject(error)));
    let sent = 0;
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}

function signed(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

async function refusals(code: string): Promise<number> {
  const metric = await metrics.rejections.get();
  return metric.values.filter((value) => value.labels.code === code).reduce((sum, v) => sum + v.value, 0);
}

describe('receiving Slack requests', () => {
  it('refuses multi-MB bodies before buffering them: resident memory stays bounded', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const answers: Answer[] = [];
    try {
      // Four 32 MB bodies, two declaring their length and two streamed without one, unsigned and signed.
      answers.push(await streamBody({}, 32, true));
      answers.push(await streamBody({}, 32, false));
      answers.push(await streamBody(signed('x'), 32, true));
      answers.push(await streamBody(signed('x'), 32, false));
    } finally {
      clearInterval(sampler);
    }
    const grown = (peak - before) / (1024 * 1024);
    console.log(`peak RSS grew ${grown.toFixed(1)} MB while 128 MB of bodies were offered`);
    expect(answers.map((answer) => answer.status)).toEqual([413, 401, 413, 413]);
    // Buffering even one of the bodies whole would add 32 MB or more.
    expect(grown).toBeLessThan(24);
    expect(await refusals('too_large')).toBeGreaterThanOrEqual(3);
  });

  it('refuses a timestamp more than five minutes off in either direction, before parsing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = await slack.workspace.slash(USERS.ana, 'C0STAMP', 'help', { timestamp: now + 6 * 60 });
    const past = await slack.workspace.slash(USERS.ana, 'C0STAMP', 'help', { timestamp: now - 6 * 60 });
    expect([future.status, past.status]).toEqual([401, 401]);
    expect(future.body).toContain('five minutes');
    const fine = await slack.workspace.slash(USERS.ana, 'C0STAMP', 'help', { timestamp: now + 60 });
    expect(fine.status).toBe(200);
  });

  it('answers a signed payload of the wrong shape with a 400 that says what is wrong, never a 500', async () => {
    const before = await refusals('bad_payload');
    const cases = [
      { type: 'block_actions', user: { id: 'U1' }, actions: 'notarray' },
      { type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 7 }] },
      { type: 'view_submission', user: { id: 'U1' } },
      { type: 'block_actions', actions: [] },
    ];
    for (const payload of cases) {
      const answer = await slack.workspace.deliver(payload);
      expect(answer.status, JSON.stringify(payload)).toBe(400);
      expect(answer.body).toContain('payload not understood');
    }
    const notJson = await slack.workspace.deliverRaw('payload=%7Bnot-json');
    expect(notJson.status).toBe(400);
    const slashWithoutUser = await slack.workspace.deliverRaw('command=%2Fdeploy&text=help&channel_id=C1');
    expect(slashWithoutUser.status).toBe(400);
    expect(slashWithoutUser.body).toContain('user_id');
    expect((await refusals('bad_payload')) - before).toBe(cases.length + 2);
    expect(slack.problems.filter((problem) => problem.level >= 50)).toEqual([]);
  });
});

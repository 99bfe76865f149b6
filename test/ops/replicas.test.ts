import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSlackRun } from '../../src/chat/slack/render.js';
import type { Database } from '../../src/db/client.js';
import { itemState } from '../../src/runs/machine.js';
import { RunService } from '../../src/runs/service.js';
import { viewRun } from '../../src/runs/view.js';
import { USERS } from '../chat/slack/harness.js';
import { type FakeMessage, FakeSlack } from '../fakes/slack/server.js';
import { itemLineOf, SlackWorkspace } from '../fakes/slack/workspace.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually, type RunningProduct, startProduct } from '../support/product.js';

/**
 * Issue 8, done when: two Shipcheck processes from the build on one Postgres and one Redis serve one
 * Slack workspace. A run is started through one, clicked through both (in turn and at once), escalated
 * and paged by timers; then there is one consistent run, one message per part showing its final state,
 * each timer fired once, and no message was edited twice within a second.
 */

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const WHY_SKIPPED =
  'needs DATABASE_URL and REDIS_URL: replicas share one Postgres (PGlite is one process) and one Redis';

const SECRET = 'replicas-signing-secret-0123456789abcdef';
const CHANNEL = 'C0REPLICAS';

const CHECKLIST = `---
title: Service release
escalation: { policy: fast }
---
# Service release
## Prepare
- [ ] Announce the release
- [ ] Freeze merges
- [ ] Look at the dashboards
## Roll out
- [ ] Deploy the canary
- [ ] Deploy everywhere
- [ ] Smoke test
## Wrap up
- [ ] Close the ticket
- [ ] Thank the team
`;

/** Two steps two seconds apart, once: both pages fire while the test watches. */
const ONCALL = `people:
  ana: { name: Ana Ruiz, slack: ${USERS.ana.id} }
  bo: { name: Bo Chen, slack: ${USERS.bo.id} }
roles:
  on-call-engineer: [ana]
  engineering-lead: [bo]
policies:
  fast:
    repeat: 1
    steps:
      - { targets: [role:on-call-engineer], wait: 2s }
      - { targets: [role:engineering-lead], wait: 2s }
`;

async function rows<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

describe.skipIf(!databaseUrl || !redisUrl)(
  `two replicas on one Postgres and Redis (${databaseUrl && redisUrl ? 'Slack over HTTP, built dist/' : WHY_SKIPPED})`,
  () => {
    const fake = new FakeSlack();
    let database: TestDatabase;
    let checklistsDir: string;
    const replicas: RunningProduct[] = [];
    const workspaces: SlackWorkspace[] = [];

    beforeAll(async () => {
      await fake.start();
      database = await createTestDatabase();
      checklistsDir = mkdtempSync(join(tmpdir(), 'shipcheck-replicas-'));
      writeFileSync(join(checklistsDir, 'release.md'), CHECKLIST);
      writeFileSync(join(checklistsDir, 'oncall.yaml'), ONCALL);
      for (let index = 0; index < 2; index++) {
        const product = await startProduct({
          ...database.env,
          REDIS_URL: redisUrl as string,
          SHIPCHECK_CHECKLISTS_DIR: checklistsDir,
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_APP_TOKEN: '',
          SLACK_API_URL: fake.apiUrl,
        });
        replicas.push(product);
        workspaces.push(
          new SlackWorkspace(fake, {
            kind: 'http',
            url: `http://127.0.0.1:${product.port}/slack/events`,
            signingSecret: SECRET,
          }),
        );
      }
      await Promise.all(
        replicas.map((product) => product.waitForLog('taking Slack requests from the router')),
      );
    });

    afterAll(async () => {
      for (const product of replicas) product.child.kill('SIGTERM');
      const exits = replicas.map((product) =>
        Promise.race([product.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]),
      );
      await Promise.all(exits);
      for (const product of replicas) product.kill();
      await fake.close();
      await database?.drop();
      if (checklistsDir) rmSync(checklistsDir, { recursive: true, force: true });
    });

    /** The run's summary in the channel (the one top-level message that is not a page). */
    function summary(): FakeMessage | undefined {
      return fake.messages(CHANNEL).find((message) => !message.text.startsWith('<@'));
    }

    function sectionWith(ref: string): FakeMessage {
      const top = summary();
      const found = top
        ? fake.thread(CHANNEL, top.ts).find((message) => itemLineOf(message, ref))
        : undefined;
      if (!found) throw new Error(`no section shows item ${ref}`);
      return found;
    }

    /** Ticks `ref` from the menu on its line, through replica `via`, once the line shows it open. */
    async function tick(via: number, ref: string): Promise<void> {
      const user = via === 0 ? USERS.ana : USERS.bo;
      const delivered = await (workspaces[via] as SlackWorkspace).choose(
        user,
        sectionWith(ref),
        ref,
        '✅ Done',
      );
      expect(delivered.status).toBe(200);
    }

    async function isDone(ref: string): Promise<boolean> {
      return !(itemLineOf(sectionWith(ref), ref) ?? '⬜').includes('⬜');
    }

    it('keeps one run, one message per part at its final state, each timer fired once', async () => {
      const db = database.handle.db;
      const [a, b] = workspaces as [SlackWorkspace, SlackWorkspace];
      const runs = new RunService(db);
      expect((await a.slash(USERS.ana, CHANNEL, 'start release v2')).status).toBe(200);
      // The other replica shows the run as soon as it exists, most likely while the first is still posting it.
      await eventually('the run to exist', async () =>
        (await runs.recentRuns('slack', CHANNEL, 1)).length > 0 ? true : undefined,
      );
      expect((await b.slash(USERS.bo, CHANNEL, 'status')).status).toBe(200);
      await eventually('the run’s messages', () =>
        summary() && fake.thread(CHANNEL, summary()?.ts ?? '').length === 3 ? true : undefined,
      );

      // In turn: each click through the other replica, each seen on screen before the next.
      for (const [via, ref] of [
        [0, '1.1'],
        [1, '1.2'],
        [0, '1.3'],
      ] as const) {
        await tick(via, ref);
        await eventually(`${ref} to show done`, async () => ((await isDone(ref)) ? true : undefined));
      }
      // At once: clicks on one section and on another, through both replicas together.
      await Promise.all([tick(0, '2.1'), tick(1, '2.2'), tick(0, '3.1'), tick(1, '3.2')]);
      // An undo through one replica, the same item ticked again through the other.
      expect((await b.slash(USERS.bo, CHANNEL, 'undo 1.2')).status).toBe(200);
      await eventually('1.2 to show open', async () => ((await isDone('1.2')) ? undefined : true));
      await Promise.all([tick(0, '1.2'), tick(1, '2.3')]);

      const [run] = await runs.recentRuns('slack', CHANNEL, 5);
      if (!run) throw new Error('no run was recorded');

      expect((await b.slash(USERS.bo, CHANNEL, 'escalate P1 error rate is up')).status).toBe(200);
      await eventually(
        'both pages',
        async () => {
          const [paged] = await rows<{ count: string }>(
            db,
            sql`select count(*) from run_events where run_id = ${run.id} and type = 'escalation_paged'`,
          );
          const delivered = fake.messages(USERS.ana.id).length + fake.messages(USERS.bo.id).length;
          return Number(paged?.count) === 2 && delivered === 2 ? true : undefined;
        },
        30_000,
      );
      expect((await a.slash(USERS.ana, CHANNEL, 'ack')).status).toBe(200);

      // The run: one in the channel, its events numbered without a gap, its items as clicked.
      const final = await eventually('the acknowledgement', async () => {
        const state = await runs.get(run.id);
        return state?.escalation?.status === 'acknowledged' ? state : undefined;
      });
      expect(await runs.recentRuns('slack', CHANNEL, 5)).toHaveLength(1);
      const events = await runs.events(run.id);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      const done = final.checklist.items
        .filter((item) => itemState(final, item.key).status === 'done')
        .map((item) => item.ref);
      expect(done.sort()).toEqual(['1.1', '1.2', '1.3', '2.1', '2.2', '2.3', '3.1', '3.2']);
      expect(events.filter((event) => event.type === 'item_reopened')).toHaveLength(1);

      // The messages: every part posted once, and each shows what the final state renders.
      const parts = renderSlackRun(viewRun(final, new Date()));
      const stored = await rows<{ part_id: string; page: number; message_id: string }>(
        db,
        sql`select part_id, page, message_id from chat_messages where run_id = ${run.id} and platform = 'slack'`,
      );
      expect(stored).toHaveLength(parts.length);
      const top = summary() as FakeMessage;
      const posts = fake.callsOf('chat.postMessage').filter((call) => call.args.channel === CHANNEL);
      const runPosts = posts.filter((call) => !String(call.args.text ?? '').startsWith('<@'));
      expect(runPosts).toHaveLength(parts.length);
      expect(fake.thread(CHANNEL, top.ts)).toHaveLength(parts.length - 1);
      await eventually(
        'the messages to show the final state',
        () => {
          const stale = parts.filter((part) => {
            const row = stored.find(
              (candidate) => candidate.part_id === part.partId && candidate.page === part.page,
            );
            const shown = row ? fake.message(CHANNEL, row.message_id) : undefined;
            return (
              JSON.stringify(shown?.blocks) !== JSON.stringify(part.message.blocks) ||
              shown?.text !== part.message.text
            );
          });
          return stale.length === 0 ? true : undefined;
        },
        20_000,
      );

      // The timers: each fired once, and each page reached its person once, in the channel and directly.
      await eventually('the timers due by now to fire', async () => {
        const [due] = await rows<{ count: string }>(
          db,
          sql`select count(*) from timers where run_id = ${run.id} and due_at <= now() and fired_at is null`,
        );
        return Number(due?.count) === 0 ? true : undefined;
      });
      const timers = await rows<{ key: string; kind: string; fired_at: Date | null; attempts: number }>(
        db,
        sql`select key, kind, fired_at, attempts from timers where run_id = ${run.id} and due_at <= now()`,
      );
      expect(timers.filter((timer) => timer.kind === 'escalate').length).toBeGreaterThanOrEqual(2);
      for (const timer of timers) {
        expect(timer.fired_at, timer.key).not.toBeNull();
        expect(timer.attempts, timer.key).toBe(1);
      }
      const pages = fake.messages(CHANNEL).filter((message) => message.text.startsWith('<@'));
      expect(pages.map((page) => page.text.slice(0, 12)).sort()).toEqual(
        [`<@${USERS.ana.id}>`, `<@${USERS.bo.id}>`].sort(),
      );
      expect(fake.messages(USERS.ana.id)).toHaveLength(1);
      expect(fake.messages(USERS.bo.id)).toHaveLength(1);

      // The pace: never two edits of one message within a second, across both processes; no 429 either.
      const updates = new Map<string, number[]>();
      for (const call of fake.callsOf('chat.update')) {
        const key = `${call.args.channel}/${call.args.ts}`;
        updates.set(key, [...(updates.get(key) ?? []), call.at]);
      }
      expect(updates.size).toBeGreaterThan(0);
      for (const [message, times] of updates) {
        for (let index = 1; index < times.length; index++) {
          expect((times[index] ?? 0) - (times[index - 1] ?? 0), message).toBeGreaterThanOrEqual(1_000);
        }
      }
      expect(fake.calls.filter((call) => call.outcome === 'ratelimited')).toEqual([]);
      expect(fake.refusals).toEqual([]);
      for (const product of replicas) expect(product.log()).not.toMatch(/"level":(50|60)/);
    }, 120_000);
  },
);

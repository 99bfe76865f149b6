import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCoordinator } from '../../src/chat/redisCoordinator.js';
import { type MessagePort, type MessageRef, RunPublisher } from '../../src/chat/runPublisher.js';
import type { SlackMessage } from '../../src/chat/slack/blocks.js';
import { renderSlackRun } from '../../src/chat/slack/render.js';
import { RunService } from '../../src/runs/service.js';
import type { RunCommand, RunState } from '../../src/runs/types.js';
import { viewRun } from '../../src/runs/view.js';
import { checklistFrom } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { REDIS_URL, RedisConnections, uniquePrefix, WHY_NO_REDIS } from '../support/replicas.js';

/**
 * Two RunPublishers (two replicas' worth) on one database and one Redis, publishing the states of one
 * run in whatever order their commands happened to finish, into one fake channel that notices two edits
 * of a message at once. The channel must end with one message per part, showing the latest state.
 */

const INTERVAL_MS = 30;
const logger = pino({ level: 'silent' });

const checklist = checklistFrom(
  `# Release
## Before
- [ ] Announce
- [ ] Freeze merges
## Deploy
- [ ] Roll out
- [ ] Watch errors
## After
- [ ] Close the ticket
`,
  'release',
);

interface Shown {
  message: SlackMessage;
  edits: number;
}

/** A channel both replicas post in, with a little latency on every call so their calls interleave. */
class SharedChannel {
  readonly shown = new Map<string, Shown>();
  readonly edits: { id: string; start: number; end: number }[] = [];
  posts = 0;
  overlaps = 0;
  readonly #editing = new Set<string>();
  #next = 0;

  port(): MessagePort<SlackMessage> {
    return {
      platform: 'slack',
      render: renderSlackRun,
      post: async (channelId, message, summary) => {
        await jitter();
        const id = `m${++this.#next}`;
        this.posts += 1;
        this.shown.set(id, { message, edits: 0 });
        return { channelId, messageId: id, threadId: summary?.messageId ?? null } satisfies MessageRef;
      },
      update: async (ref, message) => {
        if (this.#editing.has(ref.messageId)) this.overlaps += 1;
        this.#editing.add(ref.messageId);
        const start = Date.now();
        await jitter();
        const shown = this.shown.get(ref.messageId);
        if (shown) {
          shown.message = message;
          shown.edits += 1;
        }
        this.edits.push({ id: ref.messageId, start, end: Date.now() });
        this.#editing.delete(ref.messageId);
      },
    };
  }
}

function jitter(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 8)));
}

let database: TestDatabase;
const connections = new RedisConnections();

beforeAll(async () => {
  if (REDIS_URL) database = await createTestDatabase();
});
afterAll(async () => {
  connections.closeAll();
  await database?.drop();
});

describe.skipIf(!REDIS_URL)(`two replicas publishing one run (${REDIS_URL ? 'Redis' : WHY_NO_REDIS})`, () => {
  async function replicas(channel: SharedChannel): Promise<RunPublisher<SlackMessage>[]> {
    const prefix = uniquePrefix();
    return Promise.all(
      [0, 1].map(
        async () =>
          new RunPublisher<SlackMessage>({
            db: database.handle.db,
            port: channel.port(),
            logger,
            intervalMs: INTERVAL_MS,
            coordinator: new RedisCoordinator({ redis: await connections.connect(), prefix, logger }),
          }),
      ),
    );
  }

  async function startRun(channelId: string): Promise<{ runs: RunService; first: RunState }> {
    const runs = new RunService(database.handle.db);
    const started = await runs.start(
      { checklist, version: 'v1', environment: null, platform: 'slack', channelId },
      '@ana',
      null,
    );
    return { runs, first: started.state as RunState };
  }

  async function apply(runs: RunService, run: RunState, command: RunCommand): Promise<RunState> {
    const outcome = await runs.apply(run.id, command, '@ana', null);
    expect(outcome.accepted).toBe(true);
    return outcome.state as RunState;
  }

  /** The channel holds one message per part of `state`, each showing that part's rendering. */
  function expectShows(channel: SharedChannel, state: RunState): void {
    const expected = renderSlackRun(viewRun(state, new Date()));
    const shown = [...channel.shown.values()].map((entry) => JSON.stringify(entry.message));
    expect(shown).toHaveLength(expected.length);
    expect(new Set(shown)).toEqual(new Set(expected.map((part) => JSON.stringify(part.message))));
  }

  it('posts each part once when both replicas publish a new run at the same moment', async () => {
    const channel = new SharedChannel();
    const [a, b] = (await replicas(channel)) as [RunPublisher<SlackMessage>, RunPublisher<SlackMessage>];
    const { runs, first } = await startRun('C-POST');
    const results = await Promise.all([a.publish(first), b.publish(first)]);
    await Promise.all([a.idle(), b.idle()]);
    const parts = renderSlackRun(viewRun(first)).length;
    expect(channel.posts).toBe(parts);
    expect(results.reduce((sum, result) => sum + result.posted, 0)).toBe(parts);
    expect(results.map((result) => result.problem)).toEqual([null, null]);
    expectShows(channel, first);

    // A later change published by the replica that posted nothing edits the same messages.
    const second = await apply(runs, first, { type: 'check', refs: ['1.1'] });
    await (results[0]?.posted ? b : a).publish(second);
    await Promise.all([a.idle(), b.idle()]);
    expect(channel.posts).toBe(parts);
    expectShows(channel, second);
  });

  it('ends at the latest state whatever order the replicas publish in, one edit of a message at a time', async () => {
    const channel = new SharedChannel();
    const [a, b] = (await replicas(channel)) as [RunPublisher<SlackMessage>, RunPublisher<SlackMessage>];
    const { runs, first } = await startRun('C-ORDER');
    await a.publish(first);
    const commands: RunCommand[] = [
      { type: 'check', refs: ['1.1'] },
      { type: 'check', refs: ['2.1'] },
      { type: 'uncheck', ref: '1.1' },
      { type: 'check', refs: ['1.2'] },
      { type: 'na', ref: '3.1' },
      { type: 'check', refs: ['1.1'] },
      { type: 'uncheck', ref: '2.1' },
      { type: 'check', refs: ['2.2'] },
    ];
    const states: RunState[] = [];
    let state = first;
    for (const command of commands) {
      state = await apply(runs, state, command);
      states.push(state);
    }
    // Commands finish out of order: each replica publishes its own states, some after newer ones went out.
    const order = [1, 0, 3, 2, 5, 4, 7, 6];
    await Promise.all(
      order.map(async (index, position) => {
        await new Promise((resolve) => setTimeout(resolve, position * 3));
        const publisher = index % 2 === 0 ? a : b;
        await publisher.publish(states[index] as RunState);
      }),
    );
    await Promise.all([a.idle(), b.idle()]);
    expectShows(channel, state);
    expect(channel.overlaps).toBe(0);
    // Between two edits of one message, whichever replicas made them, the interval passed.
    const byMessage = new Map<string, { start: number; end: number }[]>();
    for (const edit of channel.edits) byMessage.set(edit.id, [...(byMessage.get(edit.id) ?? []), edit]);
    for (const edits of byMessage.values()) {
      for (let index = 1; index < edits.length; index++) {
        const gap = (edits[index]?.start ?? 0) - (edits[index - 1]?.end ?? 0);
        expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS);
      }
    }
  });

  it('shows a change that renders like one this replica sent before, after the other replica changed it', async () => {
    const channel = new SharedChannel();
    const [a, b] = (await replicas(channel)) as [RunPublisher<SlackMessage>, RunPublisher<SlackMessage>];
    const { runs, first } = await startRun('C-UNDO');
    await a.publish(first);
    const checked = await apply(runs, first, { type: 'check', refs: ['1.1'] });
    await a.publish(checked);
    await a.idle();
    const undone = await apply(runs, checked, { type: 'uncheck', ref: '1.1' });
    await b.publish(undone);
    await b.idle();
    expectShows(channel, undone);
    // A has sent exactly this section before; the message shows B's since, so A must send it again.
    const again = await apply(runs, undone, { type: 'check', refs: ['1.1'] });
    await a.publish(again);
    await a.idle();
    expectShows(channel, again);
  });
});

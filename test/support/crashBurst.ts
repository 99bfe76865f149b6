import type { DatabaseHandle } from '../../src/db/client.js';
import type { FakeMessage, FakeSlack } from '../fakes/slack/server.js';
import { type FakeUser, itemLineOf, type SlackWorkspace } from '../fakes/slack/workspace.js';
import { eventually, startSlackProduct } from './spawnedProduct.js';

/**
 * kill -9 in the middle of a burst of clicks, as the crash test and `npm run bench` both run it: the built
 * product in Slack HTTP mode, signed ✅ Done clicks over several runs with many in flight, SIGKILL once a
 * number of them have had their 200, a restart on the same store. What it counts: the clicks answered
 * as accepted, the clicks stored, the answered ones missing from the store, and items ticked twice.
 */
export interface CrashBurstOptions {
  fake: FakeSlack;
  /** The product's database settings (DATABASE_URL, or SHIPCHECK_DATA_DIR for the embedded one). */
  env: Record<string, string>;
  /** Reads the store; called once the restarted product has stopped (the embedded store has one owner). */
  read<T>(work: (handle: DatabaseHandle) => Promise<T>): Promise<T>;
  runs: number;
  clicks: number;
  inFlight: number;
  killAfter: number;
  starter: FakeUser;
  clicker: FakeUser;
}

export interface CrashBurstFigures {
  sent: number;
  answered: number;
  stored: number;
  /** Answered with a 200, and not in the store after the restart: must be 0. */
  answeredButLost: number;
  /** Items of a run ticked by more than one click: must be 0. */
  appliedTwice: number;
  /** The restarted product's answer to an answered click sent again (a replay changes nothing). */
  replayStatus: number;
  restartMs: number;
}

export async function runCrashBurst(options: CrashBurstOptions): Promise<CrashBurstFigures> {
  const { fake } = options;
  const first = await startSlackProduct(fake, options.env);
  let second: Awaited<ReturnType<typeof startSlackProduct>> | null = null;
  try {
    const channels = Array.from({ length: options.runs }, (_, index) => `C0CRASH${index}`);
    for (const channel of channels) {
      const started = await first.workspace.slash(options.starter, channel, 'start demo');
      if (started.status !== 200) throw new Error(`start in ${channel} answered ${started.status}`);
    }
    const sections = await eventually('every run to be posted', () => {
      const all = channels.map((channel) => {
        const summary = fake.messages(channel)[0];
        return summary ? fake.thread(channel, summary.ts) : [];
      });
      return all.every((thread) => thread.length >= 3) ? all : undefined;
    });

    // Every click ticks an item of one run: the first per item is applied, the rest are refused as
    // already done. Applied or refused, an answered click is a recorded outcome.
    const tickable = sections.map((thread) =>
      thread.flatMap((section) =>
        refsOn(section)
          .filter((ref) => offersDone(first.workspace, options.clicker, section, ref))
          .map((ref) => ({ section, ref })),
      ),
    );
    const clicks = Array.from({ length: options.clicks }, (_, index) => {
      const targets = tickable[index % options.runs] as { section: FakeMessage; ref: string }[];
      const { section, ref } = targets[
        Math.floor(index / options.runs) % targets.length
      ] as (typeof targets)[0];
      return first.workspace.chooseAction(options.clicker, section, ref, '✅ Done');
    });

    const answered: Record<string, unknown>[] = [];
    let next = 0;
    let sent = 0;
    let killed = false;
    const worker = async () => {
      while (!killed && next < clicks.length) {
        const click = clicks[next++] as Record<string, unknown>;
        sent++;
        try {
          const response = await first.workspace.deliver(click);
          if (response.status === 200 && !killed) answered.push(click);
        } catch {
          // The connection died with the process: this click was never answered.
        }
        if (answered.length >= options.killAfter && !killed) {
          killed = true;
          first.product.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, worker));
    if (!killed) throw new Error(`the burst ended before ${options.killAfter} clicks were answered`);
    await first.product.exited;

    const restarted = Date.now();
    second = await startSlackProduct(fake, options.env);
    const restartMs = Date.now() - restarted;
    const replay = await second.workspace.deliver(answered[0] as Record<string, unknown>);
    second.product.child.kill('SIGTERM');
    await second.product.exited;

    const { storedKeys, twice } = await options.read(async (handle) => {
      const stored = await handle.db.execute<{ idempotency_key: string }>(
        "select idempotency_key from run_commands where idempotency_key like 'slack:act:%'",
      );
      const ticks = await handle.db.execute<{ n: number }>(
        "select run_id, payload->>'key' as key, count(*)::int as n from run_events where type = 'item_checked' and (payload->>'auto') is null group by 1, 2 having count(*) > 1",
      );
      return {
        storedKeys: new Set(
          (stored as unknown as { rows: { idempotency_key: string }[] }).rows.map(
            (row) => row.idempotency_key,
          ),
        ),
        twice: (ticks as unknown as { rows: unknown[] }).rows.length,
      };
    });
    const lost = answered.map(keyOf).filter((key) => !storedKeys.has(key));
    return {
      sent,
      answered: answered.length,
      stored: storedKeys.size,
      answeredButLost: lost.length,
      appliedTwice: twice,
      replayStatus: replay.status,
      restartMs,
    };
  } finally {
    first.product.kill();
    second?.product.kill();
  }
}

/** The item refs a section message shows. */
function refsOn(section: FakeMessage): string[] {
  const refs: string[] = [];
  for (let major = 1; major <= 9; major++)
    for (let minor = 1; minor <= 9; minor++)
      if (itemLineOf(section, `${major}.${minor}`)) refs.push(`${major}.${minor}`);
  return refs;
}

function offersDone(
  workspace: SlackWorkspace,
  clicker: FakeUser,
  section: FakeMessage,
  ref: string,
): boolean {
  try {
    workspace.chooseAction(clicker, section, ref, '✅ Done');
    return true;
  } catch {
    return false;
  }
}

/** The idempotency key Shipcheck files a click under (one per click, from its action_ts). */
function keyOf(click: Record<string, unknown>): string {
  const user = click.user as { id: string };
  const action = (click.actions as { action_ts: string; block_id: string; action_id: string }[])[0];
  if (!action) throw new Error('a click without an action');
  return `slack:act:${action.action_ts}:${user.id}:${action.block_id}:${action.action_id}`;
}

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildLibrary } from '../../src/checklist/library.js';
import type { Checklist } from '../../src/checklist/types.js';
import {
  componentsOf,
  type FakeMessage as DiscordMessage,
  type InteractionRecord,
  type Json,
} from '../fakes/discord/server.js';
import type { FakeMessage as SlackMessage } from '../fakes/slack/server.js';
import { controlsOf } from '../fakes/slack/workspace.js';
import { SEED_FILES, SEEDS_DIR } from '../support/checklists.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { describeWithSeeds } from '../support/seeds.js';
import { USERS as DISCORD_USERS, type DiscordHarness, startDiscordHarness } from './discord/harness.js';
import { USERS as SLACK_USERS, type SlackHarness, startSlackHarness } from './slack/harness.js';

/**
 * The contract with the platforms: every seed, rendered and then used as a person would use it. On each
 * message, every distinct control (each button, each kind of menu choice, every modal they open) is
 * pressed once, and the fakes, which refuse what Slack and Discord refuse, must accept every call the
 * product makes on the way, from the first post to the report. A refusal anywhere fails the test.
 */

const SEEDS = SEED_FILES.map((file, index) => ({ file, name: `seed${index}` }));

function seedLibrary() {
  return buildLibrary(
    SEEDS.map(({ file, name }) => ({
      path: `checklists/${name}.md`,
      source: readFileSync(`${SEEDS_DIR}${file}`, 'utf8'),
    })),
  );
}

/** What a person writes in any text box: a reason, a value, an answer. */
const TYPED = '240';
/** Buttons that end the run or take it elsewhere: pressed last, once everything else has been. */
const LAST = /complete|abort|end/i;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describeWithSeeds('every control of every seed on Slack', () => {
  let slack: SlackHarness;
  let library: ReturnType<typeof buildLibrary>;
  beforeAll(async () => {
    library = seedLibrary();
    slack = await startSlackHarness({ mode: 'http', database, library });
  });
  afterAll(async () => {
    await slack?.close();
  });

  it.each(SEEDS.map((seed, index) => [seed.name, index] as const))(
    '%s: every button, menu choice and modal is accepted by Slack',
    async (name, index) => {
      const channel = `C0CONTRACT${index}`;
      const user = index % 2 === 0 ? SLACK_USERS.ana : SLACK_USERS.bo;
      const callsBefore = slack.fake.calls.length;
      const refusalsBefore = slack.fake.refusals.length;
      const answer = await slack.workspace.slash(user, channel, `start ${name} v1 --env production`);
      expect(answer.status).toBe(200);
      await slack.adapter.idle();
      const summaryTs = (slack.fake.messages(channel).at(-1) as SlackMessage).ts;
      const current = (ts: string) => slack.fake.message(channel, ts) as SlackMessage;
      const threadTs = slack.fake.thread(channel, summaryTs).map((message) => message.ts);
      expect(threadTs.length).toBeGreaterThanOrEqual(
        (library.find(name) as Checklist).phases.flatMap((phase) => phase.sections).length,
      );

      let presses = 0;
      let modals = 0;
      const press = async (ts: string, label: string, kind: 'button' | 'overflow') => {
        const control = controlsOf(current(ts)).find(
          (candidate) => candidate.kind === kind && candidate.text === label,
        );
        if (!control) return;
        const viewsBefore = slack.fake.views.size;
        const delivered =
          kind === 'button'
            ? await slack.workspace.press(user, current(ts), label)
            : await slack.workspace.deliver(blockAction(slack, user, current(ts), control));
        expect(delivered.status).toBe(200);
        presses += 1;
        await slack.adapter.idle();
        if (slack.fake.views.size > viewsBefore) {
          const viewId = [...slack.fake.views.keys()].at(-1) as string;
          const submitted = await slack.workspace.submit(user, viewId, answersFor(slack, viewId));
          expect(submitted.status).toBe(200);
          modals += 1;
          await slack.adapter.idle();
        }
      };

      for (const ts of threadTs) {
        const labels = new Set(
          controlsOf(current(ts)).map((control) => `${control.kind}\u0000${control.text}`),
        );
        for (const entry of labels) {
          const [kind, label] = entry.split('\u0000') as ['button' | 'overflow', string];
          await press(ts, label, kind);
        }
      }
      const summaryButtons = controlsOf(current(summaryTs)).map((control) => control.text);
      const ordered = [
        ...summaryButtons.filter((label) => !LAST.test(label)),
        ...summaryButtons.filter((label) => LAST.test(label)),
      ];
      for (const label of ordered) await press(summaryTs, label, 'button');
      // Buttons that appear on the way (🙋 Acknowledge once an escalation opens) are pressed too.
      for (const label of controlsOf(current(summaryTs)).map((control) => control.text))
        if (!LAST.test(label)) await press(summaryTs, label, 'button');

      console.log(
        `slack ${name}: ${threadTs.length + 1} messages, ${presses} controls pressed, ${modals} modals submitted, ${slack.fake.calls.length - callsBefore} API calls, refused: ${slack.fake.refusals.length - refusalsBefore}`,
      );
      const [run] = await slack.runs.recentRuns('slack', channel, 1);
      expect(run?.status).not.toBe('active');
      expect(presses).toBeGreaterThan(threadTs.length);
      expect(modals).toBeGreaterThan(0);
      expect(slack.fake.refusals).toEqual([]);
      expect(slack.problems).toEqual([]);
    },
    240_000,
  );
});

describeWithSeeds('every control of every seed on Discord', () => {
  let discord: DiscordHarness;
  let library: ReturnType<typeof buildLibrary>;
  beforeAll(async () => {
    library = seedLibrary();
    discord = await startDiscordHarness({ database, library });
  });
  afterAll(async () => {
    await discord?.close();
  });

  it.each(SEEDS.map((seed, index) => [seed.name, index] as const))(
    '%s: every button, select and modal is accepted by Discord, and nobody is pinged',
    async (name, index) => {
      const { fake, adapter } = discord;
      const channel = `14000000000000009${String(index).padStart(2, '0')}`;
      const user = index % 2 === 0 ? DISCORD_USERS.ana : DISCORD_USERS.bo;
      const callsBefore = fake.calls.length;
      await fake.slash(user, channel, 'start', { checklist: name, version: 'v1', env: 'production' });
      await adapter.idle();
      const checklist = library.find(name) as Checklist;
      const kindOf = new Map(
        checklist.items.flatMap((item) => [[item.key, item.kind] as const, [item.ref, item.kind] as const]),
      );
      const pages = discord.shown(channel).sections.map((message) => message.id);
      const current = (id: string) =>
        [discord.shown(channel).summary, ...discord.shown(channel).sections].find(
          (message) => message.id === id,
        ) as DiscordMessage;

      let interactions = 0;
      let modals = 0;
      /** The API calls each kind of action took, from the interaction to the last edit it caused. */
      const callsOf = new Map<string, number>();
      /** Beyond the edits of run messages that changed, what an action cost: its answer, its reply. */
      let mostOverhead = 0;
      const startId = discord.shown(channel).summary.id;
      const edits = () =>
        [...fake.messages(channel), ...fake.thread(startId)].reduce((sum, message) => sum + message.edits, 0);
      const counted = async <T>(kind: string, action: () => Promise<T>): Promise<T> => {
        const before = fake.calls.length;
        const editsBefore = edits();
        const result = await action();
        await adapter.idle();
        const made = fake.calls.slice(before);
        // A notice to the person (a follow-up) is what the action has to say, on top of doing it.
        const notices = made.filter((call) => call.method === 'POST' && call.path.startsWith('/webhooks/'));
        const calls = made.length - notices.length;
        callsOf.set(kind, Math.max(callsOf.get(kind) ?? 0, calls));
        mostOverhead = Math.max(mostOverhead, calls - (edits() - editsBefore));
        if (process.env.CONTRACT_DEBUG && calls > 3)
          console.log(
            kind,
            made.map((call) => `${call.method} ${call.path} ${call.status}`),
          );
        return result;
      };
      const submitIfModal = async (record: InteractionRecord) => {
        if (!record.modal) return;
        const answers: Record<string, string> = {};
        for (const row of record.modal.components as Json[])
          for (const input of row.components as Json[]) answers[String(input.custom_id)] = TYPED;
        await counted(`modal ${String(record.modal.custom_id).split(':')[2]}`, () =>
          fake.submitModal(user, record, answers),
        );
        modals += 1;
        interactions += 1;
      };
      /** Panel buttons pressed in this run, by the kind of item whose panel showed them. */
      const pressed = new Set<string>();

      for (const id of pages) {
        const selects = componentsOf(current(id)).filter((component) => component.type === 3);
        for (const select of selects) {
          const prefix = String(select.custom_id).split(':').slice(0, 2).join(':');
          const options = ((select.options as Json[]) ?? []).map((option) => String(option.value));
          if (prefix === 'sc:tick') {
            await counted(`tick ${id}`, () => fake.select(user, current(id), prefix, options.slice(0, 1)));
            interactions += 1;
            continue;
          }
          // One item of every kind this page shows: its panel, and each of the panel's buttons once.
          const firstOfKind = new Map<string, string>();
          for (const value of options) {
            const kind = kindOf.get(value) ?? 'unknown';
            if (!firstOfKind.has(kind)) firstOfKind.set(kind, value);
          }
          for (const [kind, value] of firstOfKind) {
            const picked = await counted('pick', () => fake.select(user, current(id), prefix, [value]));
            interactions += 1;
            const panel = fake.interaction(picked.id).original;
            if (!panel) continue;
            for (const button of componentsOf(panel).filter((component) => component.type === 2)) {
              const key = `${kind}\u0000${String(button.label)}`;
              if (pressed.has(key)) continue;
              pressed.add(key);
              // A fresh panel for each button: the one before may show the item as it was.
              const again = await counted('pick', () => fake.select(user, current(id), prefix, [value]));
              interactions += 1;
              const fresh = fake.interaction(again.id).original;
              const label = String(button.label);
              if (!fresh || !componentsOf(fresh).some((component) => component.label === label)) continue;
              const clicked = await counted(label, () => fake.click(user, fresh, label));
              interactions += 1;
              await submitIfModal(clicked);
            }
          }
        }
        for (const button of componentsOf(current(id)).filter((component) => component.type === 2)) {
          const label = String(button.label);
          const clicked = await counted(label, () => fake.click(user, current(id), label));
          interactions += 1;
          await submitIfModal(clicked);
        }
      }
      const summaryId = discord.shown(channel).summary.id;
      const labels = () =>
        componentsOf(current(summaryId))
          .filter((component) => component.type === 2)
          .map((component) => String(component.label));
      const ordered = [...labels().filter((l) => !LAST.test(l)), ...labels().filter((l) => LAST.test(l))];
      for (const label of ordered) {
        if (!labels().includes(label)) continue;
        const clicked = await counted(label, () => fake.click(user, current(summaryId), label));
        interactions += 1;
        await submitIfModal(clicked);
      }

      const calls = fake.calls.slice(callsBefore);
      const refused = calls.filter((call) => call.status === 400);
      console.log(
        `discord ${name}: ${pages.length + 1} messages, ${interactions} interactions, ${modals} modals submitted, ${calls.length} API calls, refused: ${refused.length}; most calls per action: ${JSON.stringify(Object.fromEntries(callsOf))}`,
      );
      const [run] = await discord.runs.recentRuns('discord', channel, 1);
      expect(run?.status).not.toBe('active');
      expect(interactions).toBeGreaterThan(pages.length);
      expect(modals).toBeGreaterThan(0);
      expect(refused).toEqual([]);
      // An action is its answer plus an edit of each message that now reads differently: at most three
      // calls where one item changes (the answer, its message, the summary), besides a notice when it has
      // something to say; a tick that resolves a parent's children on other pages edits those pages too,
      // and a rollback marks the rollback steps required on every page that holds them.
      expect(mostOverhead).toBeLessThanOrEqual(2);
      for (const [kind, calls] of callsOf)
        if (!/^(tick|✅ Done|↩️ Reopen|modal rollback)/.test(kind)) expect(calls, kind).toBeLessThanOrEqual(3);
      const everything = [...fake.messages(channel), ...fake.thread(summaryId), ...fake.ephemerals()];
      expect(
        everything.filter(
          (message) =>
            message.pings.everyone || message.pings.users.length > 0 || message.pings.roles.length > 0,
        ),
      ).toEqual([]);
      expect(discord.problems).toEqual([]);
    },
    240_000,
  );
});

/** A Slack block action for one control, as the workspace builds it (the overflow choice itself). */
function blockAction(
  slack: SlackHarness,
  user: (typeof SLACK_USERS)[keyof typeof SLACK_USERS],
  message: SlackMessage,
  control: ReturnType<typeof controlsOf>[number],
): Json {
  const refMatch = /\*(\d+(?:\.\d+)*)\*/.exec(
    String(
      (
        (message.blocks as Json[]).find((block) => block.block_id === control.blockId)?.text as
          | Json
          | undefined
      )?.text ?? '',
    ),
  );
  return slack.workspace.chooseAction(user, message, refMatch?.[1] ?? '', control.text);
}

/** Answers for every input of a Slack modal: text where text is asked, the first choice of a radio. */
function answersFor(slack: SlackHarness, viewId: string): Record<string, string> {
  const view = slack.fake.views.get(viewId)?.view as Json;
  const answers: Record<string, string> = {};
  for (const block of (view.blocks as Json[]) ?? []) {
    if (block.type !== 'input') continue;
    const element = block.element as Json;
    answers[String(block.block_id)] =
      element.type === 'radio_buttons' ? String(((element.options as Json[])[0] as Json).value) : TYPED;
  }
  return answers;
}

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELP_TEXT } from '../../../src/chat/commands.js';
import { itemControlId } from '../../../src/chat/discord/ids.js';
import { modalFor } from '../../../src/chat/discord/modals.js';
import { renderDiscordRun, renderItemPanel, renderNotice } from '../../../src/chat/discord/render.js';
import { deployCommandDefinition } from '../../../src/chat/discord/slashCommand.js';
import { parseChecklist } from '../../../src/checklist/parse.js';
import type { Checklist } from '../../../src/checklist/types.js';
import { initialState } from '../../../src/runs/machine.js';
import type { ItemStatus } from '../../../src/runs/types.js';
import { type RunView, viewRun } from '../../../src/runs/view.js';
import { validateMessage, validateModal } from '../../fakes/discord/validate.js';
import { loadSeed, SEED_FILES, SEEDS_PRESENT } from '../../support/checklists.js';

const TEMPLATES = readdirSync('checklists')
  .filter((file) => file.endsWith('.md'))
  .map((file) =>
    parseChecklist(readFileSync(`checklists/${file}`, 'utf8'), { name: file.replace(/\.md$/, ''), file }),
  );
const CHECKLISTS: Checklist[] = [
  ...(SEEDS_PRESENT ? SEED_FILES.map((file) => loadSeed(file)) : []),
  ...TEMPLATES,
];

/** Text built to be as long as possible after escaping: markdown characters and mentions. */
const NASTY = '*_`~|<@everyone>:'.repeat(40);

function viewOf(checklist: Checklist): RunView {
  const state = initialState(
    {
      type: 'start',
      runId: 'k7q2mz9p',
      checklist,
      version: NASTY.slice(0, 80),
      environment: NASTY.slice(0, 80),
      platform: 'discord',
      channelId: 'c',
    },
    `@${'x'.repeat(64)}`,
    new Date(0),
  );
  return viewRun(state, new Date(10 ** 12));
}

/** Every item in its longest-rendering state: resolved by a long name, with long reasons and values. */
function worstCase(view: RunView, status: ItemStatus): RunView {
  return {
    summary: {
      ...view.summary,
      endReason: null,
      escalation: {
        id: 'e1',
        severity: 'P1',
        reason: NASTY,
        status: 'open',
        ackedBy: null,
        nextPageAt: new Date(),
        pages: 3,
      },
    },
    sections: view.sections.map((section) => ({
      ...section,
      items: section.items.map((item) => ({
        ...item,
        status,
        reason: NASTY,
        value: NASTY,
        flagged: [NASTY, NASTY],
        actor: `@${NASTY}`,
        at: new Date(),
      })),
    })),
  };
}

describe('every Discord message fits Discord’s limits', () => {
  it.each(CHECKLISTS.map((checklist) => [checklist.name, checklist] as const))('%s', (_name, checklist) => {
    const fresh = viewOf(checklist);
    const views = [
      fresh,
      ...(['done', 'skipped', 'failed', 'na'] as const).map((status) => worstCase(fresh, status)),
    ];
    for (const view of views) {
      for (const part of renderDiscordRun(view)) {
        expect(
          validateMessage(part.message as never),
          `${checklist.name} ${part.partId}#${part.page}`,
        ).toBeNull();
        expect(part.message.allowed_mentions).toEqual({ parse: [] });
        expect(part.message.content).not.toMatch(/@everyone/);
      }
      for (const item of view.sections.flatMap((section) => section.items)) {
        expect(validateMessage(renderItemPanel(item, view.summary.runId) as never)).toBeNull();
        for (const verb of ['skip', 'fail', 'set'] as const) {
          expect(
            validateModal(modalFor(verb, view.summary.runId, item.key, `${item.ref} ${item.text}`) as never),
          ).toBeNull();
        }
        expect(itemControlId('decide', view.summary.runId, item, 'Rollback')).not.toBeNull();
      }
    }
    // Every item can be acted on from some message.
    const offered = renderDiscordRun(fresh).flatMap((part) =>
      part.message.components.flatMap((row) =>
        row.components.flatMap((c) => ('options' in c ? c.options.map((o) => o.value) : [])),
      ),
    );
    for (const item of checklist.items)
      expect(offered.includes(item.key) || offered.includes(item.ref)).toBe(true);
  });

  it('splits long notices (the help) into messages of at most 2,000 characters', () => {
    const chunks = renderNotice(`${NASTY}\n${HELP_TEXT}\n${HELP_TEXT}`);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(validateMessage({ content: chunk })).toBeNull();
  });

  it('registers /deploy with at most 25 subcommands, each a verb of the grammar', () => {
    const definition = deployCommandDefinition();
    expect(definition.options.length).toBeLessThanOrEqual(25);
    for (const sub of definition.options) {
      expect(sub.name).toMatch(/^[a-z-]{1,32}$/);
      expect(sub.description.length).toBeLessThanOrEqual(100);
      const required = sub.options.map((option) => option.required);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });
});

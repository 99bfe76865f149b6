import type { ChecklistLibrary } from '../../checklist/library.js';
import type { RunState } from '../../runs/types.js';
import { viewRun } from '../../runs/view.js';
import { DISCORD_LIMITS } from './limits.js';
import type { Completion } from './slashCommand.js';
import { clip } from './text.js';

/** What `/deploy` offers while a person types an option: checklist names, or the active run's items. Pure. */

export interface Choice {
  name: string;
  value: string;
}

const MARK = { open: '⬜', done: '✅', skipped: '⏭️', failed: '❌', na: '➖' } as const;

export function suggest(
  completion: Completion | null,
  typed: string,
  library: ChecklistLibrary,
  run: RunState | null,
): Choice[] {
  const needle = typed.trim().toLowerCase();
  let choices: Choice[] = [];
  if (completion === 'checklist') {
    choices = library.checklists
      .filter((checklist) =>
        [checklist.name, checklist.title, ...checklist.aliases].some((name) =>
          name.toLowerCase().includes(needle),
        ),
      )
      .map((checklist) => ({ name: `${checklist.name} · ${checklist.title}`, value: checklist.name }));
  } else if ((completion === 'item' || completion === 'scope') && run) {
    // Several refs may be typed for `check`: complete the last one, keep the ones before it.
    const words = typed.split(/[\s,]+/);
    const last = (words.pop() ?? '').toLowerCase();
    const before = words.filter(Boolean).join(' ');
    const items = viewRun(run).sections.flatMap((section) => section.items);
    const candidates =
      completion === 'scope'
        ? items.filter((item) => run.checklist.items.find((it) => it.key === item.key)?.check)
        : items;
    choices = candidates
      .filter((item) => item.ref.startsWith(last) || item.text.toLowerCase().includes(last))
      // Open items first: they are what people act on.
      .sort((a, b) => Number(a.status !== 'open') - Number(b.status !== 'open'))
      .map((item) => ({
        name: `${MARK[item.status]} ${item.ref} ${item.text}`,
        value: before ? `${before} ${item.ref}` : item.ref,
      }));
    if (completion === 'scope') choices.unshift({ name: 'all checks', value: 'all' });
  }
  return choices.slice(0, DISCORD_LIMITS.autocompleteChoices).map((choice) => ({
    name: clip(choice.name, DISCORD_LIMITS.choiceName),
    value: choice.value.slice(0, DISCORD_LIMITS.choiceValue),
  }));
}

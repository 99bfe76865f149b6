import { describe, expect, it } from 'vitest';
import { HELP_TEXT } from '../../../src/chat/commands.js';
import { decodeItemChoice } from '../../../src/chat/slack/actions.js';
import type { ButtonElement, OverflowElement, SectionBlock } from '../../../src/chat/slack/blocks.js';
import { endModal, failModal, skipModal } from '../../../src/chat/slack/modals.js';
import {
  itemLine,
  PAGE_ITEMS,
  renderNotice,
  renderReport,
  renderSlackRun,
} from '../../../src/chat/slack/render.js';
import type { Checklist } from '../../../src/checklist/types.js';
import { loadChecklists } from '../../../src/loadChecklists.js';
import { renderPreview } from '../../../src/preview.js';
import { initialState } from '../../../src/runs/machine.js';
import type { ItemStatus, RunState } from '../../../src/runs/types.js';
import { viewRun } from '../../../src/runs/view.js';
import { validateMessage, validateView } from '../../fakes/slack/validate.js';
import { checklistFrom, loadSeed, SEED_FILES } from '../../support/checklists.js';
import { itWithSeeds } from '../../support/seeds.js';

const AT = new Date('2026-03-01T14:02:00Z');

function runOf(checklist: Checklist): RunState {
  return initialState(
    {
      type: 'start',
      runId: 'k7q2mz9p',
      checklist,
      version: 'v1.4.2-rc.1+build.20260301',
      environment: 'production-eu-west-1',
      platform: 'slack',
      channelId: 'C1',
    },
    '@ana',
    AT,
  );
}

/** The run with every item in `status`, by someone with a long name and a long, hostile reason. */
function everyItem(run: RunState, status: ItemStatus, reason: string | null = null): RunState {
  const items: RunState['items'] = {};
  for (const key of Object.keys(run.items)) {
    items[key] = {
      ...(run.items[key] as RunState['items'][string]),
      status,
      reason,
      actor: `@${'x'.repeat(80)}`,
      at: AT,
    };
  }
  return { ...run, items, revision: run.revision + 1 };
}

/** An open escalation, paging, with a long hostile reason: the summary's longest line. */
function escalationOf(reason: string): RunState['escalation'] {
  return {
    id: 'e1',
    status: 'open',
    severity: 'P1',
    policy: null,
    reason,
    trigger: 'manual',
    openedBy: '@ana',
    openedAt: AT,
    step: 1,
    round: 1,
    pages: 3,
    raises: 0,
    nextPageAt: AT,
    ackedBy: null,
    ackedAt: null,
    resolvedBy: null,
    resolvedAt: null,
  };
}

const HOSTILE = `<!channel> <@U1> & <https://evil.example|click> ${'&<>'.repeat(400)}`;

function statesOf(checklist: Checklist): RunState[] {
  const run = runOf(checklist);
  return [
    run,
    everyItem(run, 'done'),
    everyItem(run, 'skipped', HOSTILE),
    { ...everyItem(run, 'failed', HOSTILE), escalation: escalationOf(HOSTILE) },
    everyItem(run, 'na'),
    { ...everyItem(run, 'done'), status: 'rolled_back', endedAt: AT, endedBy: '@bo', endReason: HOSTILE },
  ];
}

function expectAllFit(checklist: Checklist): number {
  let messages = 0;
  for (const state of statesOf(checklist)) {
    for (const part of renderSlackRun(viewRun(state))) {
      const refusal = validateMessage(part.message.text, part.message.blocks);
      expect(refusal, `${checklist.name} ${part.partId}#${part.page}: ${JSON.stringify(refusal)}`).toBeNull();
      messages += 1;
    }
    const view = viewRun(state);
    for (const item of view.sections.flatMap((section) => section.items)) {
      const context = { runId: state.id, item: item.key, channelId: 'C1' };
      expect(validateView(skipModal(itemLine(item), context))).toBeNull();
      expect(validateView(failModal(itemLine(item), context))).toBeNull();
    }
    expect(validateView(endModal(checklist.title, { runId: state.id, channelId: 'C1' }))).toBeNull();
  }
  return messages;
}

describe('Slack rendering', () => {
  itWithSeeds.each(SEED_FILES)('fits every message and modal of seed %s within Slack’s limits', (file) => {
    const checklist = loadSeed(file);
    expect(expectAllFit(checklist)).toBeGreaterThan(checklist.phases.length);
  });

  it('fits every message of the shipped templates', async () => {
    const library = await loadChecklists('checklists');
    expect(library.checklists.length).toBeGreaterThan(0);
    for (const checklist of library.checklists) expectAllFit(checklist);
  });

  it('pages a long section and still fits when every line is as long as it can be', () => {
    const long = 'Verify & record <everything> '.repeat(100);
    const lines = Array.from({ length: 53 }, (_, index) => `- [ ] ${index + 1} ${long}`);
    const checklist = checklistFrom(`# Long\n## Only phase\n${lines.join('\n')}\n`, 'long');
    expectAllFit(checklist);
    const parts = renderSlackRun(viewRun(runOf(checklist))).filter((part) => part.partId !== 'summary');
    expect(parts.map((part) => part.page)).toEqual([0, 1, 2]);
    expect(parts.map((part) => part.message.blocks.length)).toEqual([PAGE_ITEMS + 1, PAGE_ITEMS + 1, 14]);
    expect(JSON.stringify(parts[2]?.message.blocks[0])).toContain('part 3 of 3');
  });

  it('escapes &, < and > in everything a person wrote, so nobody can mention the channel', () => {
    const checklist = checklistFrom('# <!here> deploy\n## Phase <@U2>\n- [ ] Tell <!channel> & ops\n', 'x');
    const state = everyItem(runOf(checklist), 'skipped', '<!channel> <@U1> see <https://x.example|here>');
    const all = JSON.stringify(renderSlackRun(viewRun({ ...state, startedBy: '@<!everyone>' })));
    for (const raw of ['<!channel>', '<!here>', '<@U1>', '<@U2>', '<https://', '<!everyone>']) {
      expect(all).not.toContain(raw);
    }
    expect(all).toContain('&lt;!channel&gt; &lt;@U1&gt; see &lt;https://x.example|here&gt;');
    expect(all).toContain('Tell &lt;!channel&gt; &amp; ops');
    // Every mrkdwn text is verbatim: Slack then links nothing by itself either.
    for (const part of renderSlackRun(viewRun(state))) {
      for (const block of part.message.blocks) {
        if (block.type === 'section') expect(block.text.verbatim).toBe(true);
      }
    }
  });

  it('keeps what a person typed from formatting the message: *bold*, _italic_, ~strike~ and code stay as typed', () => {
    const checklist = checklistFrom('# Deploy\n## Phase\n- [ ] Ship the `api` build\n', 'x');
    const typed = '*urgent* _now_ ~never~ `rm -rf` ```block``` my_service_name';
    const state = everyItem(runOf(checklist), 'skipped', typed);
    const shown = JSON.stringify(
      renderSlackRun(viewRun({ ...state, version: '*v2*', environment: '_prod_', startedBy: '~ana~' })),
    );
    // No pair of formatting characters is left that Slack could read as a span.
    for (const span of [/\*urgent\*/, /_now_/, /~never~/, /`rm -rf`/, /```/, /\*v2\*/, /_prod_/, /~ana~/]) {
      expect(shown).not.toMatch(span);
    }
    // Every character is still there to read, a zero-width space after each that could open or close.
    expect(shown.replaceAll('\\u200b', '').replaceAll('\u200b', '')).toContain(typed);
    // Inside a word an underscore cannot format, and stays as typed; the checklist's own code span stays.
    expect(shown).toContain('my_service_name');
    expect(shown).toContain('Ship the `api` build');
  });

  it('offers each item the moves it can make from where it is, naming the run and the item', () => {
    const checklist = checklistFrom(
      [
        '# D',
        '## P',
        '- [ ] One',
        '- [ ] Two',
        '- [ ] p95 latency: ___ ms (target: <500ms)',
        '- [ ] Decision: ☐ Keep ☐ Rollback',
        '## Sign-off',
        '- [ ] Engineering Lead: ________ Date: ______',
      ].join('\n'),
      'd',
    );
    const run = runOf(checklist);
    const [one, two, p95, decision, signoff] = checklist.items;
    const done = (key: string | undefined, value: string | null = null) => ({
      [key as string]: { status: 'done' as const, reason: null, value, actor: '@ana', at: AT },
    });
    const state: RunState = {
      ...run,
      items: {
        ...run.items,
        ...done(one?.key),
        ...done(decision?.key, 'Keep'),
        ...done(signoff?.key, '@ana'),
      },
    };
    const controls = renderSlackRun(viewRun(state))
      .slice(1)
      .flatMap((part) => part.message.blocks.slice(1))
      .map((block) => (block as SectionBlock).accessory as OverflowElement | ButtonElement);
    const choices = (index: number) => {
      const control = controls[index];
      if (control?.type === 'button') return [`[${control.text.text}] ${control.value}`];
      return control?.options.map((option) => `${option.text.text} ${option.value}`);
    };
    expect(choices(0)).toEqual([
      `↩️ Reopen uncheck:k7q2mz9p:${one?.key}`,
      `⏭️ Skip… skip:k7q2mz9p:${one?.key}`,
      `➖ Not applicable na:k7q2mz9p:${one?.key}`,
      `❌ Failed… fail:k7q2mz9p:${one?.key}`,
    ]);
    expect(choices(1)?.map((choice) => choice.split(' ')[1])).toEqual(['Done', 'Skip…', 'Not', 'Failed…']);
    expect(choices(1)?.[0]).toContain(`check:k7q2mz9p:${two?.key}`);
    expect(choices(2)?.[0]).toBe(`✏️ Record a value… set:k7q2mz9p:${p95?.key}`);
    expect(choices(3)?.slice(0, 2)).toEqual([
      `↩️ Reopen uncheck:k7q2mz9p:${decision?.key}`,
      `🗳️ Rollback decide:k7q2mz9p:${decision?.key}:Rollback`,
    ]);
    expect(decodeItemChoice(`decide:k7q2mz9p:${decision?.key}:Rollback`)).toEqual({
      verb: 'decide',
      runId: 'k7q2mz9p',
      item: decision?.key,
      option: 'Rollback',
    });
    expect(choices(4)).toEqual([
      `↩️ Reopen uncheck:k7q2mz9p:${signoff?.key}`,
      `⏭️ Skip… skip:k7q2mz9p:${signoff?.key}`,
      `➖ Not applicable na:k7q2mz9p:${signoff?.key}`,
    ]);
    const allText = JSON.stringify(renderSlackRun(viewRun(state)));
    expect(allText).toContain('decided *Keep* by @ana');
    expect(allText).toContain('signed by @ana');
  });

  it('shows a finished run with no control on its summary, and its sections as they were', () => {
    const checklist = checklistFrom('# D\n## P\n- [ ] One\n', 'd');
    const done = {
      ...everyItem(runOf(checklist), 'done'),
      status: 'completed' as const,
      endedAt: AT,
      endedBy: '@bo',
    };
    const [summary, ...sections] = renderSlackRun(viewRun(done));
    const json = JSON.stringify(summary);
    expect(json).not.toContain('"accessory"');
    expect(json).not.toContain('"actions"');
    expect(json).toContain('Completed');
    // Ending a run edits no section: each renders as it did while the run was active.
    const active = renderSlackRun(viewRun({ ...done, status: 'active', endedAt: null, endedBy: null }));
    expect(sections).toEqual(active.slice(1));
  });

  it('sends the help as a notice within the limits, its columns kept', () => {
    const notice = renderNotice(`unknown command “frobnicate”.\n${HELP_TEXT}`);
    expect(validateMessage(notice.text, notice.blocks)).toBeNull();
    expect(notice.blocks[0]).toMatchObject({ text: { text: 'unknown command “frobnicate”.' } });
    expect(JSON.stringify(notice.blocks[1])).toContain('```Usage: /deploy &lt;command&gt;');
  });

  it('previews a run as the Block Kit payloads it would post', async () => {
    const demo = (await loadChecklists('checklists')).find('demo') as Checklist;
    const payloads = JSON.parse(renderPreview(demo, 'slack')) as {
      part: string;
      text: string;
      blocks: unknown[];
    }[];
    expect(payloads[0]?.part).toBe('summary#0');
    expect(payloads).toHaveLength(1 + demo.phases.flatMap((phase) => phase.sections).length);
    for (const payload of payloads) expect(validateMessage(payload.text, payload.blocks)).toBeNull();
  });
});

describe('the run report in Slack', () => {
  it('puts the run page link where Slack makes it clickable, outside the preformatted text', () => {
    const link = 'https://shipcheck.example/runs/r1?exp=1795000000&sig=Ab_9-x';
    const message = renderReport(
      ['✅ Completed: Demo v1', 'Items 11/11', `Full report: /deploy report r1 · ${link}`].join('\n'),
    );
    const texts = message.blocks.flatMap((block) =>
      'text' in block && block.text ? [String((block.text as { text: string }).text)] : [],
    );
    expect(texts.at(-1)).toBe(`<${link}|Open the full report>`);
    expect(texts.slice(0, -1).join('\n')).not.toContain('https://');
    expect(texts.join('\n')).toContain('Full report: /deploy report r1');
  });
});

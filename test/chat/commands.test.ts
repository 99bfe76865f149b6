import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatCommand, ParsedLine } from '../../src/chat/commands.js';
import { HELP_TEXT, helpFor, MAX_COMMAND_CHARS, parseDeployCommand } from '../../src/chat/commands.js';
import type { RunCommand } from '../../src/runs/types.js';

function parsed(text: string): ChatCommand {
  const result = parseDeployCommand(text);
  if (!result.ok) throw new Error(`expected "${text}" to parse, got: ${result.message}`);
  return result.command;
}

/** The run command a line asks for, and the run it names (if any). */
function runCommand(text: string): { command: RunCommand; runId: string | null } {
  const command = parsed(text);
  if (command.kind !== 'run') throw new Error(`expected a run command from "${text}", got ${command.kind}`);
  return { command: command.command, runId: command.runId };
}

function errorOf(text: string): string {
  const result = parseDeployCommand(text);
  if (result.ok) throw new Error(`expected "${text}" to be refused, got ${JSON.stringify(result.command)}`);
  return result.message;
}

describe('parseDeployCommand: start', () => {
  it('reads the checklist, the version and --env', () => {
    expect(parsed('/deploy start web-api v1.2.3 --env production')).toEqual({
      kind: 'start',
      checklist: 'web-api',
      version: 'v1.2.3',
      environment: 'production',
    });
  });

  it('takes --env=value before the checklist and leaves the version out when not given', () => {
    expect(parsed('start --env=staging web-api')).toEqual({
      kind: 'start',
      checklist: 'web-api',
      version: null,
      environment: 'staging',
    });
  });

  it('has no environment without --env', () => {
    expect(parsed('start web-api 2025.03.04')).toEqual({
      kind: 'start',
      checklist: 'web-api',
      version: '2025.03.04',
      environment: null,
    });
  });

  it('works with or without the /deploy prefix, in any case, with extra spaces', () => {
    const expected = parsed('start web-api');
    expect(parsed('  /DEPLOY   start    web-api  ')).toEqual(expected);
    expect(parsed('/deploy start web-api')).toEqual(expected);
  });

  it('refuses a start without a checklist, or with extra words, showing start’s usage', () => {
    const missing = errorOf('start');
    expect(missing).toContain('name the checklist to start.');
    expect(missing).toContain('Usage: /deploy start <checklist> [version] [--env <name>]');
    expect(errorOf('start web-api 1.0 now please')).toContain('unexpected “now please”.');
  });
});

describe('parseDeployCommand: status, list, help', () => {
  it('status, with and without --id', () => {
    expect(parsed('status')).toEqual({ kind: 'status', runId: null });
    expect(parsed('status --id k7q2mz9p')).toEqual({ kind: 'status', runId: 'k7q2mz9p' });
    expect(errorOf('status everything')).toContain('unexpected “everything”.');
  });

  it('list', () => {
    expect(parsed('/deploy list')).toEqual({ kind: 'list' });
  });

  it('help, an empty line and a bare /deploy all ask for the whole help', () => {
    expect(parsed('help')).toEqual({ kind: 'help', topic: null });
    expect(parsed('')).toEqual({ kind: 'help', topic: null });
    expect(parsed('/deploy')).toEqual({ kind: 'help', topic: null });
  });

  it('help <topic> names the topic in lower case', () => {
    expect(parsed('help SKIP')).toEqual({ kind: 'help', topic: 'skip' });
    expect(helpFor('skip')).toBe('Usage: /deploy skip <ref> <reason>\n  skip an item, saying why');
    expect(helpFor('nonsense')).toBe(HELP_TEXT);
    expect(helpFor(null)).toBe(HELP_TEXT);
  });

  it('the help text lists every verb the parser accepts', () => {
    for (const verb of [
      'start',
      'status',
      'list',
      'check',
      'undo',
      'skip',
      'fail',
      'na',
      'note',
      'complete',
      'abort',
      'rollback',
      'help',
    ]) {
      expect(HELP_TEXT).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
    }
    expect(HELP_TEXT).toContain('--id <run>');
  });
});

describe('parseDeployCommand: check and undo', () => {
  it('check takes several refs, separated by spaces, commas or both', () => {
    expect(runCommand('check 1.1 1.2,1.3 2.1,').command).toEqual({
      type: 'check',
      refs: ['1.1', '1.2', '1.3', '2.1'],
    });
    expect(runCommand('check 1.1, 1.2 , 3.4.1').command).toEqual({
      type: 'check',
      refs: ['1.1', '1.2', '3.4.1'],
    });
  });

  it('done and tick are check', () => {
    expect(runCommand('done 1.1').command).toEqual({ type: 'check', refs: ['1.1'] });
    expect(runCommand('TICK 2.2').command).toEqual({ type: 'check', refs: ['2.2'] });
  });

  it('check without a ref is refused with check’s usage', () => {
    const message = errorOf('check');
    expect(message).toContain('name at least one item.');
    expect(message).toContain('Usage: /deploy check <ref…>');
  });

  it('undo (and uncheck, reopen) takes exactly one ref', () => {
    expect(runCommand('undo 1.2').command).toEqual({ type: 'uncheck', ref: '1.2' });
    expect(runCommand('reopen 3.1.2').command).toEqual({ type: 'uncheck', ref: '3.1.2' });
    expect(runCommand('uncheck 4.1').command).toEqual({ type: 'uncheck', ref: '4.1' });
    expect(errorOf('undo')).toContain('name one item.');
    expect(errorOf('undo 1.1 1.2')).toContain('Usage: /deploy undo <ref>');
  });
});

describe('parseDeployCommand: skip, fail, na', () => {
  it('skip keeps a multi-word reason', () => {
    expect(runCommand('skip 1.2 not needed in staging').command).toEqual({
      type: 'skip',
      ref: '1.2',
      reason: 'not needed in staging',
    });
  });

  it('a quoted reason keeps its inner spacing and loses its quotes', () => {
    expect(runCommand('skip 1.2 "db is   fine" today').command).toEqual({
      type: 'skip',
      ref: '1.2',
      reason: 'db is   fine today',
    });
  });

  it('fail keeps the detail, also in curly quotes as phones type them', () => {
    expect(runCommand('fail 2.1 “p95 was 900ms”').command).toEqual({
      type: 'fail',
      ref: '2.1',
      detail: 'p95 was 900ms',
    });
    expect(runCommand('fail 2.1 health returned 503 twice').command).toEqual({
      type: 'fail',
      ref: '2.1',
      detail: 'health returned 503 twice',
    });
  });

  it('an apostrophe inside a word is not a quote', () => {
    expect(runCommand("skip 1.2 it's covered by CI").command).toEqual({
      type: 'skip',
      ref: '1.2',
      reason: "it's covered by CI",
    });
  });

  it('skip and fail without a reason are refused with a sentence saying what is missing', () => {
    const skip = errorOf('skip 1.2');
    expect(skip).toContain('say why it is skipped.');
    expect(skip).toContain('Usage: /deploy skip <ref> <reason>');
    const fail = errorOf('fail 2.1');
    expect(fail).toContain('say what failed.');
    expect(fail).toContain('Usage: /deploy fail <ref> <detail>');
  });

  it('skip and fail without a ref are refused', () => {
    expect(errorOf('skip')).toContain('name the item.');
    expect(errorOf('fail')).toContain('name the item.');
  });

  it('na (and n/a) takes one ref', () => {
    expect(runCommand('na 1.3').command).toEqual({ type: 'na', ref: '1.3' });
    expect(runCommand('n/a 1.3').command).toEqual({ type: 'na', ref: '1.3' });
    expect(errorOf('na')).toContain('Usage: /deploy na <ref>');
    expect(errorOf('na 1.3 1.4')).toContain('name one item.');
  });
});

describe('parseDeployCommand: note', () => {
  it('a note without a ref is a note on the run', () => {
    const { command } = runCommand('note rollout at 10% of traffic');
    expect(command).toEqual({ type: 'note', text: 'rollout at 10% of traffic' });
    expect('ref' in command).toBe(false);
  });

  it('a `1.2:` prefix puts the note on that item', () => {
    expect(runCommand('note 1.2: backup at s3://backups/2025-03-04').command).toEqual({
      type: 'note',
      ref: '1.2',
      text: 'backup at s3://backups/2025-03-04',
    });
    expect(runCommand('note 3.4.1:no space needed').command).toEqual({
      type: 'note',
      ref: '3.4.1',
      text: 'no space needed',
    });
  });

  it('a number that is not a ref prefix stays in the text', () => {
    expect(runCommand('note 10:30 UTC switch-over').command).toEqual({
      type: 'note',
      text: '10:30 UTC switch-over',
    });
  });

  it('an empty note is refused', () => {
    expect(errorOf('note')).toContain('write the note.');
  });
});

describe('parseDeployCommand: complete, abort, rollback', () => {
  it('complete (and finish) takes nothing else', () => {
    expect(runCommand('complete').command).toEqual({ type: 'complete' });
    expect(runCommand('finish').command).toEqual({ type: 'complete' });
    expect(errorOf('complete now')).toContain('unexpected “now”.');
  });

  it('abort and rollback keep the whole reason', () => {
    expect(runCommand('abort wrong build was tagged').command).toEqual({
      type: 'abort',
      reason: 'wrong build was tagged',
    });
    expect(runCommand('rollback "error rate 7%" after cutover').command).toEqual({
      type: 'rollback',
      reason: 'error rate 7% after cutover',
    });
  });

  it('abort and rollback without a reason are refused', () => {
    expect(errorOf('abort')).toContain('say why.');
    expect(errorOf('rollback')).toContain('Usage: /deploy rollback <reason>');
  });
});

describe('parseDeployCommand: --id', () => {
  it('may stand anywhere on the line, in both spellings', () => {
    const expected = { command: { type: 'check', refs: ['1.1', '1.2'] }, runId: 'k7q2mz9p' };
    expect(runCommand('--id k7q2mz9p check 1.1 1.2')).toEqual(expected);
    expect(runCommand('check --id k7q2mz9p 1.1 1.2')).toEqual(expected);
    expect(runCommand('check 1.1 1.2 --id=k7q2mz9p')).toEqual(expected);
    expect(runCommand('/deploy check 1.1 --id k7q2mz9p 1.2')).toEqual(expected);
  });

  it('does not end up in a reason', () => {
    expect(runCommand('skip 1.2 not needed --id k7q2mz9p today')).toEqual({
      command: { type: 'skip', ref: '1.2', reason: 'not needed today' },
      runId: 'k7q2mz9p',
    });
  });

  it('without --id the run is this channel’s (null)', () => {
    expect(runCommand('complete').runId).toBeNull();
  });

  it('needs a value', () => {
    expect(errorOf('status --id')).toContain('--id needs a value.');
    expect(errorOf('status --id=')).toContain('--id needs a value.');
  });
});

describe('parseDeployCommand: errors', () => {
  it('an unknown command names the word and shows the whole help, without throwing', () => {
    const message = errorOf('/deploy frobnicate 1.2');
    expect(message).toBe(`unknown command “frobnicate”.\n${HELP_TEXT}`);
  });

  it('an unknown --flag is refused', () => {
    const message = errorOf('check --force 1.1');
    expect(message.split('\n')[0]).toBe('unknown option --force.');
    expect(message).toContain(HELP_TEXT);
  });

  it('--env goes only with start', () => {
    const message = errorOf('check 1.1 --env prod');
    expect(message.split('\n')[0]).toBe('--env only goes with start.');
    expect(message).toContain('Usage: /deploy check <ref…>');
    expect(errorOf('status --env=prod')).toContain('--env only goes with start.');
  });

  it('an unclosed quote is refused', () => {
    const message = errorOf('skip 1.2 "waiting on the DBA');
    expect(message.split('\n')[0]).toBe('a quote is not closed (write \\" for a quote inside quoted text).');
    expect(message).toContain(HELP_TEXT);
  });

  it('reads \\" inside quoted text as a quote, verbatim', () => {
    const parsed = parseDeployCommand('/deploy skip 1.2 "the 6\\" pipe is --id k7 not ready"');
    expect(parsed).toEqual({
      ok: true,
      command: {
        kind: 'run',
        runId: null,
        command: { type: 'skip', ref: '1.2', reason: 'the 6" pipe is --id k7 not ready' },
      },
    });
  });
});

describe('parseDeployCommand: properties', () => {
  const isResult = (result: ParsedLine) => {
    if (result.ok) {
      expect(['help', 'list', 'status', 'start', 'run']).toContain(result.command.kind);
    } else {
      expect(typeof result.message).toBe('string');
      // Every refusal tells the user how to say it instead.
      expect(result.message).toContain('Usage: /deploy');
    }
  };

  it('never throws on arbitrary text and always answers ok true or false', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        (text) => {
          const result = parseDeployCommand(text);
          expect(typeof result.ok).toBe('boolean');
          isResult(result);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on lines made of the grammar’s own words, flags and quotes', () => {
    const word = fc.constantFrom(
      '/deploy',
      'start',
      'status',
      'list',
      'check',
      'done',
      'undo',
      'skip',
      'fail',
      'na',
      'n/a',
      'note',
      'complete',
      'abort',
      'rollback',
      'help',
      '1.1',
      '1.2,',
      ',',
      '3.4.1:',
      '--id',
      '--id=',
      '--env',
      '--env=prod',
      '--',
      '--x',
      '"',
      '“',
      '”',
      "'",
      '‘',
      '’',
      '""',
      'reason',
      '',
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), fc.constantFrom(' ', '  ', '\t', '\n'), (words, gap) => {
        isResult(parseDeployCommand(words.join(gap)));
      }),
      { numRuns: 2000 },
    );
  });

  it('check returns exactly the refs typed, however they are separated and wherever --id stands', () => {
    const ref = fc
      .array(fc.integer({ min: 0, max: 40 }), { minLength: 2, maxLength: 3 })
      .map((parts) => parts.join('.'));
    fc.assert(
      fc.property(
        fc.array(ref, { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom(' ', ', ', ',', ' , '), { minLength: 6, maxLength: 6 }),
        fc.option(fc.tuple(fc.stringMatching(/^[a-z2-9]{8}$/), fc.nat()), { nil: null }),
        (refs, separators, id) => {
          const pieces = [
            'check',
            refs.map((r, i) => `${r}${i < refs.length - 1 ? separators[i] : ''}`).join(''),
          ];
          let line = pieces.join(' ');
          if (id) {
            const words = line.split(' ');
            words.splice(id[1] % (words.length + 1), 0, `--id ${id[0]}`);
            line = words.join(' ');
          }
          expect(runCommand(line)).toEqual({ command: { type: 'check', refs }, runId: id ? id[0] : null });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the /deploy prefix changes nothing', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!/^\s*\/deploy(?:\s|$)/i.test(text));
        expect(parseDeployCommand(`/deploy ${text}`)).toEqual(parseDeployCommand(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseDeployCommand: edge cases found in review', () => {
  it('does not take another flag as the value of --env or --id', () => {
    const parsed = parseDeployCommand('/deploy start web-api --env --id k7');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain('--env needs a value.');
  });

  it('refuses an unclosed curly quote', () => {
    const parsed = parseDeployCommand('/deploy skip 1.2 “oops');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain('a quote is not closed');
  });

  it('keeps apostrophes inside words', () => {
    const parsed = parseDeployCommand("/deploy skip 1.2 'til monday it's fine");
    expect(parsed).toEqual({
      ok: true,
      command: {
        kind: 'run',
        runId: null,
        command: { type: 'skip', ref: '1.2', reason: "'til monday it's fine" },
      },
    });
  });
});

describe('parseDeployCommand: bounded and linear', () => {
  /** The tokenizer as it was written before, a backtracking regex: the reference for what a line means. */
  function referenceTokens(text: string): string[] {
    const pattern = /"([^"]*)"|“([^”]*)”|(?<=^|\s)'([^']*)'(?=\s|$)|(?<=^|\s)‘([^’]*)’(?=\s|$)|(\S+)/g;
    return [...text.trim().matchAll(pattern)].map(
      (match) => match[1] ?? match[2] ?? match[3] ?? match[4] ?? match[5] ?? '',
    );
  }

  it('reads every line of quotes, apostrophes and spaces as the reference tokenizer does', () => {
    const alphabet = fc.constantFrom('"', '“', '”', "'", '‘', '’', ' ', '\t', 'a', 'b', '6');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }).map((chars) => chars.join('')),
        (reason) => {
          const parsed = parseDeployCommand(`/deploy skip 1.2 ${reason}`);
          const expected = referenceTokens(reason);
          const straight = [...reason].filter((char) => char === '"').length;
          const opened = [...reason].filter((char) => char === '“').length;
          const closed = [...reason].filter((char) => char === '”').length;
          if (straight % 2 === 1 || opened !== closed) {
            expect(parsed.ok).toBe(false);
            return;
          }
          if (expected.join(' ').trim() === '') {
            // No reason, or only an empty quote: a skip still has to say why.
            expect(parsed).toMatchObject({
              ok: false,
              message: expect.stringContaining('say why it is skipped.'),
            });
            return;
          }
          expect(parsed).toMatchObject({
            ok: true,
            command: { command: { reason: expected.join(' ') } },
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads forty thousand curly quotes, with and without spaces between them', () => {
    for (const quotes of ['‘'.repeat(40_000), '‘ '.repeat(3_000)]) {
      const parsed = parseDeployCommand(`/deploy skip 1.2 ${quotes}`);
      if (quotes.length > MAX_COMMAND_CHARS) {
        expect(parsed).toMatchObject({ ok: false });
        if (!parsed.ok) expect(parsed.message).toMatch(/the most Shipcheck reads is 8,000\.$/);
      } else {
        expect(parsed).toMatchObject({ ok: true, command: { command: { reason: quotes.trim() } } });
      }
    }
  });

  it('refuses a 200 KB line by its length, naming the limit', () => {
    const parsed = parseDeployCommand(`/deploy skip 1.2 ${'x'.repeat(200_000)}`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.message).toBe(
        'that command is 200,009 characters long; the most Shipcheck reads is 8,000.',
      );
  });
});

describe('one command spec for the help and the Discord registration', () => {
  it('registers every verb of the help as a subcommand described by the same sentence, and no other', async () => {
    const { VERBS } = await import('../../src/chat/commandSpec.js');
    const { deployCommandDefinition } = await import('../../src/chat/discord/slashCommand.js');
    const byName = (a: string[], b: string[]) => (a[0] as string).localeCompare(b[0] as string);
    const registered = deployCommandDefinition().options.map((option) => [option.name, option.description]);
    expect(registered.sort(byName)).toEqual(
      VERBS.map((verb) => [verb.name, verb.summary.slice(0, 100)]).sort(byName),
    );
    for (const verb of VERBS) expect(HELP_TEXT).toContain(verb.summary);
  });
});

describe('one command spec: a typed line and Discord’s typed options build the same command', () => {
  const viaDiscord = async (subcommand: string, values: Record<string, string | number>) => {
    const { subcommandToCommand } = await import('../../src/chat/discord/slashCommand.js');
    return subcommandToCommand(subcommand, values);
  };
  const viaText = (line: string): ChatCommand | string => {
    const result = parseDeployCommand(line);
    return result.ok ? result.command : result.message;
  };

  it.each([
    ['start web "v1 rc" --env "prod eu"', 'start', { checklist: 'web', version: 'v1 rc', env: 'prod eu' }],
    ['skip 1.2 "covered --id otherRun1"', 'skip', { item: '1.2', reason: 'covered --id otherRun1' }],
    ['fail 2.1 "the 6\\" pipe"', 'fail', { item: '2.1', reason: 'the 6" pipe' }],
    ['escalate P0 site is down', 'escalate', { reason: 'site is down', severity: 'P0' }],
    ['note 1.2: backup taken', 'note', { text: 'backup taken', item: '1.2' }],
    ['check 2 --yes --id k7', 'check', { item: '2', confirm: 'yes', run: 'k7' }],
    ['history web --limit 5', 'history', { checklist: 'web', limit: 5 }],
    ['assign lead <@U1|bo>', 'assign', { role: 'lead', person: '<@U1|bo>' }],
    ['report k7', 'report', { run: 'k7' }],
    ['run-checks all', 'run-checks', { scope: 'all' }],
  ])('%s', async (line, subcommand, values) => {
    const typed = viaText(line);
    expect(typeof typed).not.toBe('string');
    expect(await viaDiscord(subcommand, values)).toEqual(typed);
  });

  it.each([
    ['history --limit 0', 'history', { limit: 0 }, '--limit takes a whole number from 1 to 50.'],
    ['skip 1.2', 'skip', { item: '1.2' }, 'say why it is skipped.'],
    ['escalate P7 down', 'escalate', { reason: 'down', severity: 'P7' }, 'there is no severity P7'],
    ['set 3.1', 'set', { item: '3.1' }, 'name the item and the value.'],
  ])('refuses %s with the same sentence and usage on both', async (line, subcommand, values, sentence) => {
    const typed = viaText(line);
    expect(typed).toContain(sentence);
    expect(typed).toContain(`Usage: /deploy ${subcommand}`);
    expect(await viaDiscord(subcommand, values)).toBe(typed);
  });
});

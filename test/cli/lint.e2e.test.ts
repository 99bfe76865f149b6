import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChecklist } from '../../src/checklist/parse.js';
import { SEEDS_DIR } from '../support/checklists.js';
import { itWithSeeds } from '../support/seeds.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as `npx shipcheck …` would, in `cwd`, without the test's database or checklist settings. */
function shipcheck(args: string[], cwd = ROOT): Promise<Result> {
  const {
    DATABASE_URL: _database,
    REDIS_URL: _redis,
    SHIPCHECK_CHECKLISTS_DIR: _dir,
    ...inherited
  } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...inherited, LOG_LEVEL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const BAD_YAML = `---
title: Broken YAML
aliases: [web, api]]
---
# Web

## 1. Go
- [ ] Deploy
`;

const UNKNOWN_KEY = `---
title: Unknown key
aliases: [web]
owner: platform-team
---
# Web

## 1. Go
- [ ] Deploy
`;

const NO_ITEMS = `# Release notes

Nothing to tick here.

- a plain bullet
`;

const UNKNOWN_REF = `---
title: Unknown ref
required:
  - "1.1"
  - "9.9"
---
# Web

## 1. Go
- [ ] Deploy
`;

const GOOD = `---
title: Good one
---
# Good

## 1. Verify
- [ ] Deploy
- [ ] Health endpoint responding: \`GET https://your-app.railway.app/health\`
`;

const ONCALL = `people:
  ana:
    name: Ana
    terminal: ana
roles:
  engineering-lead: [ana]
  on-call-engineer: [ana, bob]
`;

describe('shipcheck lint, parse and preview (built CLI)', () => {
  let folder: string;

  beforeAll(() => {
    expect(existsSync(CLI), 'dist/cli.js is missing: run npm run build').toBe(true);
    folder = mkdtempSync(join(tmpdir(), 'shipcheck-lint-'));
    writeFileSync(join(folder, 'bad-yaml.md'), BAD_YAML);
    writeFileSync(join(folder, 'unknown-key.md'), UNKNOWN_KEY);
    writeFileSync(join(folder, 'no-items.md'), NO_ITEMS);
    writeFileSync(join(folder, 'unknown-ref.md'), UNKNOWN_REF);
    writeFileSync(join(folder, 'good.md'), GOOD);
    writeFileSync(join(folder, 'oncall.yaml'), ONCALL);
    // Not a checklist: never linted.
    writeFileSync(join(folder, 'README.md'), '# About this folder\n');
    writeFileSync(join(folder, 'notes.txt'), 'not markdown\n');
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('lint checklists/ is clean: exit 0, every file ok, no error lines', async () => {
    const result = await shipcheck(['lint', 'checklists']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^checklists\/demo\.md: ok · \d+ phases · \d+ items \(/m);
    expect(result.stdout).not.toMatch(/^\S+:\d+:\d+ error /m);
    expect(result.stdout).not.toMatch(/\d+ errors?$/m);
  });

  it('lint with no path reads the checklists folder', async () => {
    const result = await shipcheck(['lint', '--quiet']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(': ok ·');
    expect(result.stdout).not.toContain('no checklists found');
  });

  describe('a folder with broken files', () => {
    let result: Result;
    let lines: string[];

    beforeAll(async () => {
      result = await shipcheck(['lint', '.'], folder);
      lines = result.stdout.split('\n');
    });

    it('exits 1 and counts the errors', () => {
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('');
      expect(lines.filter((line) => / error /.test(line) && /^\S+:\d+:\d+ /.test(line))).toHaveLength(5);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('5 errors');
    });

    it('bad YAML on line 3 is reported at line 3', () => {
      expect(lines).toContainEqual(
        expect.stringMatching(/^bad-yaml\.md:3:1 error front matter is not valid YAML: /),
      );
    });

    it('an unknown front matter key on line 4 is reported at line 4, naming the key', () => {
      expect(lines).toContain(
        'unknown-key.md:4:1 error front matter owner: unknown key “owner”; known keys are title, aliases, description, timezone, variables, roles, escalation, checks, required, optional, reminders',
      );
    });

    it('a file with no items is reported at line 1', () => {
      expect(lines).toContain(
        'no-items.md:1:1 error no task-list items found: a checklist needs lines such as "- [ ] Health endpoint returns 200"',
      );
    });

    it('an error with a hint prints the hint on the next line', () => {
      const index = lines.indexOf('unknown-ref.md:3:1 error required names items that do not exist: 9.9');
      expect(index).toBeGreaterThanOrEqual(0);
      expect(lines[index + 1]).toBe('    hint: quote refs like "1.10" so YAML keeps them as text');
    });

    it('oncall.yaml naming a person who is not under people is an error at that line', () => {
      expect(lines).toContain(
        'oncall.yaml:7:1 error roles.on-call-engineer names “bob”, who is not under people',
      );
    });

    it('a good file gets its summary and detected check, and a warning with a hint that does not fail', () => {
      const index = lines.indexOf(
        'good.md:8:1 warning item 1.2 checks a target that needs ${APP_HOST}, which the front matter does not set',
      );
      expect(index).toBeGreaterThanOrEqual(0);
      expect(lines[index + 1]).toBe(
        "    hint: give it a value under the checklist's variables:, or set SHIPCHECK_VAR_APP_HOST in Shipcheck's environment",
      );
      expect(lines).toContain('good.md: ok · 1 phases · 2 items (1 task, 1 check)');
      expect(lines).toContain(
        '    1.2 http https://${APP_HOST}/health (detected from `GET https://your-app.railway.app/health`)',
      );
    });

    it('README.md and files that are not Markdown are not linted', () => {
      expect(result.stdout).not.toContain('README.md');
      expect(result.stdout).not.toContain('notes.txt');
    });

    it('lints one file given by path, and exits 0 when it has only warnings', async () => {
      const single = await shipcheck(['lint', 'good.md'], folder);
      expect(single.code).toBe(0);
      expect(single.stdout).toContain('good.md:8:1 warning ');
      expect(single.stdout).not.toContain('bad-yaml.md');
    });

    it('warns at its line of every sign-off role oncall.yaml does not define, with the fix', async () => {
      const team = mkdtempSync(join(tmpdir(), 'shipcheck-lint-roles-'));
      try {
        writeFileSync(
          join(team, 'infra.md'),
          '# Infra\n\n## 1. Sign-Off\n- [ ] DevOps/SRE: ________ Date: ______\n- [ ] Engineering Lead: ________ Date: ______\n',
        );
        writeFileSync(
          join(team, 'oncall.yaml'),
          'people:\n  ana:\n    name: Ana\nroles:\n  engineering-lead: [ana]\n',
        );
        const linted = await shipcheck(['lint', '.'], team);
        expect(linted.code).toBe(0);
        expect(linted.stdout).toContain(
          'infra.md:4:1 warning sign-off 1.1 “DevOps/SRE” needs the role “devops-sre”, which oncall.yaml does not define\n    hint: add “devops-sre: [person]” under roles: in oncall.yaml',
        );
        expect(linted.stdout).not.toContain('engineering-lead”, which');
      } finally {
        rmSync(team, { recursive: true, force: true });
      }
    });

    it('a path that does not exist is an error', async () => {
      const missing = await shipcheck(['lint', 'nope.md'], folder);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toContain('nope.md:1:1 error no such file');
    });
  });

  describe('parse --json', () => {
    itWithSeeds('prints items with key, ref, kind, text, line, and the spec of checks', async () => {
      const file = join(SEEDS_DIR, '002_12b12a7f77bbfa89.txt');
      const result = await shipcheck(['parse', file, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const model = JSON.parse(result.stdout);
      expect(model.source).toBeUndefined();
      expect(model.name).toBe('002_12b12a7f77bbfa89');
      expect(model.items).toHaveLength(138);
      expect(model.phases.map((phase: { ref: string }) => phase.ref)).toEqual([
        '0',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
      ]);
      const expected = parseChecklist(readFileSync(file, 'utf8'), { name: 'x', file });
      for (const [index, item] of model.items.entries()) {
        const own = expected.items[index];
        expect({ key: item.key, ref: item.ref, kind: item.kind, text: item.text, line: item.line }).toEqual({
          key: own?.key,
          ref: own?.ref,
          kind: own?.kind,
          text: own?.text,
          line: own?.line,
        });
      }
      const health = model.items.find((item: { line: number }) => item.line === 85);
      expect(health).toMatchObject({
        ref: '2.5',
        kind: 'check',
        text: 'Verify health check endpoint returns 200:',
        check: {
          source: 'detected',
          spec: {
            kind: 'http',
            method: 'GET',
            url: 'https://api.ywmessaging.com/health',
            expectStatus: 200,
            jsonPath: 'status',
          },
        },
      });
      const signoff = model.items.find((item: { line: number }) => item.line === 260);
      expect(signoff).toMatchObject({ kind: 'signoff', signoff: { roleId: 'engineering-lead' } });
    });

    it('prints front matter checks with their name and spec', async () => {
      const file = join(folder, 'with-check.md');
      writeFileSync(
        file,
        '---\nchecks:\n  cache:\n    item: "1.1"\n    kind: redis\n    url: ${REDIS_URL}\n---\n# C\n\n## 1. Go\n- [ ] Cache answers\n',
      );
      const result = await shipcheck(['parse', 'with-check.md', '--json'], folder);
      expect(result.code).toBe(0);
      const model = JSON.parse(result.stdout);
      expect(model.items).toEqual([
        expect.objectContaining({
          ref: '1.1',
          kind: 'check',
          line: 11,
          text: 'Cache answers',
          check: {
            spec: { kind: 'redis', url: '${REDIS_URL}', command: 'PING' },
            source: 'front-matter',
            name: 'cache',
            detectedFrom: null,
            variables: ['REDIS_URL'],
          },
        }),
      ]);
      expect(model.items[0].key).toMatch(/^cache-answers-[0-9a-f]{6}$/);
    });

    it('a broken file prints its errors on stderr and exits 1', async () => {
      const result = await shipcheck(['parse', 'unknown-key.md', '--json'], folder);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('unknown-key.md:4:1 error front matter owner: unknown key “owner”');
    });
  });

  describe('preview', () => {
    it('preview demo --platform text prints the summary and every section with its items', async () => {
      const demo = parseChecklist(readFileSync(join(ROOT, 'checklists', 'demo.md'), 'utf8'), {
        name: 'demo',
        file: 'checklists/demo.md',
      });
      const result = await shipcheck(['preview', 'demo', '--platform', 'text']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`━━ ${demo.title} · `);
      expect(result.stdout).toContain(`0/${demo.items.length} resolved`);
      for (const phase of demo.phases) expect(result.stdout).toContain(`── ${phase.title}`);
      for (const item of demo.items) expect(result.stdout).toContain(`[ ] ${item.ref} ${item.text}`);
      // Phases appear in order.
      const positions = demo.phases.map((phase) => result.stdout.indexOf(`── ${phase.title}`));
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    it('previews a checklist given as a file', async () => {
      const result = await shipcheck(['preview', 'good.md'], folder);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('━━ Good one · ');
      expect(result.stdout).toContain('── Good › 1. Verify');
      expect(result.stdout).toContain('[ ] 1.1 Deploy');
    });

    it('an unknown checklist is a one-line error and exit 2', async () => {
      const result = await shipcheck(['preview', 'no-such-checklist']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('shipcheck: there is no checklist “no-such-checklist”\n');
    });
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { BUILT_PATTERNS } from '../../src/checklist/timeWindow.js';

/**
 * Every parser runs in linear time. A regex that backtracks on some input (`\s*:?\s*`, `[…]+$`,
 * `(.+?)…(?=…)`) is quadratic or worse in the length of a checklist line, a chat command or a check's
 * output; recheck proves each regex literal in src/ is not. A few run only on input with a bound
 * that is enforced where they are called: they are listed with that bound.
 */
const SRC = new URL('../../src/', import.meta.url).pathname;

const BOUNDED: Record<string, string> = {
  // specFromCommand refuses commands over MAX_DETECTED_COMMAND_CHARS before a target is normalised.
  'checklist/detect.ts:PLACEHOLDER_HOST': 'commands of at most 2,000 characters',
};

interface Literal {
  where: string;
  name: string | null;
  pattern: string;
  flags: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function regexLiterals(path: string): Literal[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Literal[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText(file);
      const slash = text.lastIndexOf('/');
      const declaration = ts.findAncestor(node, ts.isVariableDeclaration);
      const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
      found.push({
        where: `${relative(SRC, path)}:${line}`,
        name: declaration && ts.isIdentifier(declaration.name) ? declaration.name.text : null,
        pattern: text.slice(1, slash),
        flags: text.slice(slash + 1),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const literals = sourceFiles(SRC).flatMap(regexLiterals);

describe('regular expressions in src/', () => {
  it('are read from the source (the scan finds them)', () => {
    expect(literals.length).toBeGreaterThan(200);
    expect(literals.some((literal) => literal.name === 'TASK_MARKER')).toBe(true);
  });

  it('run in linear time on any input, or only on bounded input', { timeout: 240_000 }, () => {
    const unsafe: string[] = [];
    for (const literal of literals) {
      const key = `${literal.where.split(':')[0]}:${literal.name}`;
      if (BOUNDED[key]) continue;
      const verdict = checkSync(literal.pattern, literal.flags, { timeout: 10_000 });
      if (verdict.status !== 'safe') {
        const attack = verdict.status === 'vulnerable' ? ` (slow on ${verdict.attack.pattern})` : '';
        unsafe.push(`${literal.where} /${literal.pattern}/${literal.flags}: ${verdict.status}${attack}`);
      }
    }
    expect(unsafe).toEqual([]);
  });

  it('the time-window patterns built from parts run in linear time too', { timeout: 60_000 }, () => {
    const unsafe = BUILT_PATTERNS.filter(
      (pattern) => checkSync(pattern.source, pattern.flags, { timeout: 10_000 }).status !== 'safe',
    ).map((pattern) => pattern.source);
    expect(unsafe).toEqual([]);
  });

  it('the bounded ones are still there and still need their bound', { timeout: 60_000 }, () => {
    for (const key of Object.keys(BOUNDED)) {
      const [file, name] = key.split(':');
      const literal = literals.find(
        (candidate) => candidate.where.startsWith(`${file}:`) && candidate.name === name,
      );
      expect(literal, key).toBeDefined();
      if (literal)
        expect(checkSync(literal.pattern, literal.flags, { timeout: 10_000 }).status).toBe('vulnerable');
    }
  });

  it('a backtracking pattern is caught (the check can fail)', () => {
    expect(checkSync('^(.+?):\\s*_{2,}.*\\bdate\\s*:?\\s*_{2,}', 'i').status).toBe('vulnerable');
    expect(checkSync('\\s+$', '').status).toBe('vulnerable');
  });
});

import { isMap, isSeq, type LineCounter } from 'yaml';

/** File line of every key path in a YAML document (`checks.health.url` → 12), for errors that point at it. */
export function keyLinesOf(
  contents: unknown,
  lineCounter: LineCounter,
  lineOffset = 0,
): Record<string, number> {
  const into: Record<string, number> = {};
  const visit = (node: unknown, prefix: string) => {
    // List items are addressed by index (`reminders.1.every`), so an error in one points at it.
    if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const range = (item as { range?: number[] } | null)?.range;
        const path = `${prefix}.${index}`;
        if (range) into[path] = lineCounter.linePos(range[0] ?? 0).line + lineOffset;
        visit(item, path);
      });
      return;
    }
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const keyNode = pair.key as { value?: unknown; range?: number[] } | null;
      const key = String(keyNode?.value ?? pair.key);
      const path = prefix ? `${prefix}.${key}` : key;
      into[path] = lineCounter.linePos(keyNode?.range?.[0] ?? 0).line + lineOffset;
      visit(pair.value, path);
    }
  };
  visit(contents, '');
  return into;
}

/** The line of the deepest key of `path` that the document has. */
export function lineOfPath(keyLines: Record<string, number>, path: string[]): number | undefined {
  for (let length = path.length; length > 0; length--) {
    const line = keyLines[path.slice(0, length).join('.')];
    if (line !== undefined) return line;
  }
  return undefined;
}

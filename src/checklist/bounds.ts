/**
 * How much of a checklist file Shipcheck reads. No real step is a line of more than a few hundred
 * characters or a list nested more than a handful of levels; past these bounds a file is hostile or
 * broken, and reading it whole would stall start-up, lint and every replica that loads it.
 */

/** A line longer than this is read up to here; lint says which line and how long it was. */
export const MAX_LINE_CHARS = 16_384;

/**
 * Block nesting markdown-it will follow (a list level is two: the list and its item). Deeper than
 * this, markdown-it stops reading the enclosing block, so what follows it would be lost: the file is
 * refused instead, at the line where the cut falls.
 */
export const MAX_NESTING = 200;

export interface BoundedSource {
  text: string;
  /** 1-based line numbers (in the text given) of the lines that were cut, with their full lengths. */
  cut: { line: number; length: number }[];
}

/** Cuts every line to MAX_LINE_CHARS. One pass; line numbers do not change. */
export function boundLines(source: string): BoundedSource {
  if (source.length <= MAX_LINE_CHARS) return { text: source, cut: [] };
  const parts: string[] = [];
  const cut: BoundedSource['cut'] = [];
  let start = 0;
  let line = 1;
  let copiedUpTo = 0;
  while (start <= source.length) {
    const newline = source.indexOf('\n', start);
    const end = newline < 0 ? source.length : newline;
    if (end - start > MAX_LINE_CHARS) {
      parts.push(source.slice(copiedUpTo, start + MAX_LINE_CHARS));
      copiedUpTo = end;
      cut.push({ line, length: end - start });
    }
    if (newline < 0) break;
    start = newline + 1;
    line++;
  }
  if (cut.length === 0) return { text: source, cut };
  parts.push(source.slice(copiedUpTo));
  return { text: parts.join(''), cut };
}

import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { get as getEmoji } from 'node-emoji';
import { MAX_NESTING } from './bounds.js';

/**
 * Markdown → a small block tree with line numbers, using markdown-it (CommonMark). GFM task items
 * are read the way GFM defines them: a list item whose first paragraph starts with `[ ]` or `[x]`
 * and a space. Code fences, tables and HTML are blocks of their own, so nothing inside a fence can
 * ever be mistaken for an item.
 */

export type Block =
  | { type: 'heading'; depth: number; text: string; line: number; raw: string }
  | { type: 'list'; ordered: boolean; items: ListEntry[]; line: number; raw: string }
  /** `struck`: every word of it is ~~struck through~~ (a box before it aside). */
  | { type: 'paragraph'; text: string; line: number; raw: string; struck: boolean; bold: boolean }
  | { type: 'code'; info: string; content: string; line: number; raw: string }
  | { type: 'other'; line: number; raw: string };

export interface ListEntry {
  /** null for a plain bullet; ' ' or 'x' for a task item. */
  checked: boolean | null;
  /** The item's own text (its paragraphs), inline Markdown flattened, code kept in backticks. */
  text: string;
  line: number;
  children: Block[];
  /** The author struck the item's text through: withdrawn, kept to be seen. */
  struck: boolean;
}

const markdown = new MarkdownIt('commonmark', { html: true }).enable(['table', 'strikethrough']);
// The preset follows 20 levels; a real checklist needs fewer, a hostile one more. (The option exists; its types omit it.)
Object.assign(markdown.options, { maxNesting: MAX_NESTING });

/**
 * A task box: `[ ]`, `[x]`, `[X]`, also as people type them by hand (`[ x ]`, `[  ]`), and a box with
 * nothing after it on its line (its text is the next block).
 */
const TASK_MARKER = /^\[ ?([ xX]) ?\](?:[ \t]+|\r?\n|$)/;

export interface ParsedBlocks {
  blocks: Block[];
  /** 1-based line where nesting reached MAX_NESTING and markdown-it stopped reading; null if it never did. */
  tooDeepAt: number | null;
}

export function parseBlocks(source: string): ParsedBlocks {
  const tokens = markdown.parse(source, {});
  const lines = source.split('\n');
  const cursor = { index: 0 };
  return { blocks: readBlocks(tokens, cursor, lines, null), tooDeepAt: deepestCut(tokens) };
}

/** Blocks whose insides markdown-it reads without nesting the block parser: they are never cut. */
const LEAF_OPENINGS = new Set([
  'paragraph_open',
  'heading_open',
  'table_open',
  'thead_open',
  'tbody_open',
  'tr_open',
  'th_open',
  'td_open',
]);

/** A container opened at the last level markdown-it follows: its insides were not read. */
function deepestCut(tokens: Token[]): number | null {
  const cut = tokens.find(
    (token) => token.nesting === 1 && token.level >= MAX_NESTING - 1 && !LEAF_OPENINGS.has(token.type),
  );
  return cut ? lineOf(cut) : null;
}

function rawOf(token: Token, lines: string[]): string {
  if (!token.map) return '';
  return lines.slice(token.map[0], token.map[1]).join('\n').trimEnd();
}

function lineOf(token: Token): number {
  return (token.map?.[0] ?? 0) + 1;
}

/** Reads blocks until the closing token of type `until` (or the end). */
function readBlocks(
  tokens: Token[],
  cursor: { index: number },
  lines: string[],
  until: string | null,
): Block[] {
  const blocks: Block[] = [];
  while (cursor.index < tokens.length) {
    const token = tokens[cursor.index] as Token;
    if (until && token.type === until) {
      cursor.index++;
      return blocks;
    }
    switch (token.type) {
      case 'heading_open': {
        const inline = tokens[cursor.index + 1] as Token;
        blocks.push({
          type: 'heading',
          depth: Number(token.tag.slice(1)),
          text: inlineText(inline),
          line: lineOf(token),
          raw: rawOf(token, lines),
        });
        cursor.index += 3;
        break;
      }
      case 'paragraph_open': {
        const inline = tokens[cursor.index + 1] as Token;
        blocks.push({
          type: 'paragraph',
          text: inlineText(inline),
          line: lineOf(token),
          raw: rawOf(token, lines),
          struck: isWhollyStruck(inline),
          bold: isWholly(inline, 'strong_open', 'strong_close'),
        });
        cursor.index += 3;
        break;
      }
      case 'fence':
      case 'code_block':
        blocks.push({
          type: 'code',
          info: token.info.trim(),
          content: token.content,
          line: lineOf(token),
          raw: rawOf(token, lines),
        });
        cursor.index++;
        break;
      case 'bullet_list_open':
      case 'ordered_list_open': {
        const closing = token.type.replace('_open', '_close');
        cursor.index++;
        blocks.push({
          type: 'list',
          ordered: token.type === 'ordered_list_open',
          items: readListItems(tokens, cursor, lines, closing),
          line: lineOf(token),
          // A nested list's lines are inside its parent's: copying them at every level is quadratic in depth.
          raw: until === 'list_item_close' ? '' : rawOf(token, lines),
        });
        break;
      }
      case 'table_open': {
        const start = token;
        const rows = readTableRows(tokens, cursor);
        blocks.push(tableBlock(rows, lineOf(start), rawOf(start, lines)));
        break;
      }
      case 'blockquote_open': {
        // A quoted checklist is still a checklist: at the top level a quote's blocks are read as if
        // unquoted. Inside an item a quote stays that item's detail.
        if (until === 'list_item_close') {
          const start = token;
          cursor.index++;
          skipTo(tokens, cursor, 'blockquote_close', start.level);
          blocks.push({ type: 'other', line: lineOf(start), raw: rawOf(start, lines) });
          break;
        }
        cursor.index++;
        blocks.push(...readBlocks(tokens, cursor, lines, 'blockquote_close'));
        break;
      }
      default: {
        // HTML, rules, and anything else: kept whole as Markdown, never read for items.
        if (token.nesting === 1) {
          const closing = token.type.replace('_open', '_close');
          const start = token;
          cursor.index++;
          skipTo(tokens, cursor, closing, start.level);
          blocks.push({ type: 'other', line: lineOf(start), raw: rawOf(start, lines) });
        } else {
          // A comment is a prompt for whoever fills the file in (an issue template's "<!-- describe … -->"),
          // not text for the run: dropped, as a reader of the rendered file never sees it.
          if (token.type === 'html_block' && isComment(token.content)) {
            cursor.index++;
            continue;
          }
          if (token.type !== 'hr' && token.map)
            blocks.push({ type: 'other', line: lineOf(token), raw: rawOf(token, lines) });
          cursor.index++;
        }
      }
    }
  }
  return blocks;
}

/**
 * A box in a table cell: `[ ]` or `[x]` only. GFM has no boxes in tables, and there `[X]` is far more
 * often a number to fill in ("[X] ms") than a tick.
 */
const TABLE_BOX = /^\[( |x)\](?:[ \t]+|$)/;

interface TableRow {
  cells: string[];
  line: number;
}

/** From `table_open` past `table_close`: the header row first, then the body rows, each cell as text. */
function readTableRows(tokens: Token[], cursor: { index: number }): TableRow[] {
  const rows: TableRow[] = [];
  const level = (tokens[cursor.index] as Token).level;
  cursor.index++;
  while (cursor.index < tokens.length) {
    const token = tokens[cursor.index] as Token;
    cursor.index++;
    if (token.type === 'table_close' && token.level === level) break;
    if (token.type === 'tr_open') rows.push({ cells: [], line: lineOf(token) });
    if (token.type === 'inline') rows.at(-1)?.cells.push(inlineText(token).trim());
  }
  return rows;
}

/**
 * A table whose rows hold boxes is a list: each row with a box is an item (its text the box's cell, or
 * the first other cell when that is empty), and the row's other cells are its details under their
 * column names. Rows without a box are plain entries, so their text stays in the run as prose.
 */
function tableBlock(rows: TableRow[], line: number, raw: string): Block {
  const [header, ...body] = rows;
  const withBox = body.map((row) => row.cells.findIndex((cell) => TABLE_BOX.test(cell)));
  if (!header || withBox.every((index) => index < 0)) return { type: 'other', line, raw };
  const items = body.map((row, rowIndex): ListEntry => {
    const boxAt = withBox[rowIndex] ?? -1;
    if (boxAt < 0) {
      const text = row.cells.filter(Boolean).join(' · ');
      return { checked: null, text, line: row.line, children: [], struck: false };
    }
    const boxCell = row.cells[boxAt] ?? '';
    const marker = TABLE_BOX.exec(boxCell);
    const others = row.cells
      .map((cell, column) => ({ cell, column }))
      .filter(({ cell, column }) => column !== boxAt && cell !== '');
    let text = boxCell.slice(marker?.[0].length ?? 0).trim();
    if (!text && others.length > 0) text = (others.shift() as { cell: string }).cell;
    const details: ListEntry[] = others.map(({ cell, column }) => ({
      checked: null,
      text: header.cells[column] ? `${header.cells[column]}: ${cell}` : cell,
      line: row.line,
      children: [],
      struck: false,
    }));
    const children: Block[] =
      details.length > 0 ? [{ type: 'list', ordered: false, items: details, line: row.line, raw: '' }] : [];
    return { checked: marker?.[1] !== ' ', text, line: row.line, children, struck: false };
  });
  return { type: 'list', ordered: false, items, line, raw };
}

function skipTo(tokens: Token[], cursor: { index: number }, closing: string, level: number): void {
  while (cursor.index < tokens.length) {
    const token = tokens[cursor.index] as Token;
    cursor.index++;
    if (token.type === closing && token.level === level) return;
  }
}

function readListItems(
  tokens: Token[],
  cursor: { index: number },
  lines: string[],
  closing: string,
): ListEntry[] {
  const items: ListEntry[] = [];
  while (cursor.index < tokens.length) {
    const token = tokens[cursor.index] as Token;
    if (token.type === closing) {
      cursor.index++;
      return items;
    }
    if (token.type !== 'list_item_open') {
      cursor.index++;
      continue;
    }
    cursor.index++;
    const children = readBlocks(tokens, cursor, lines, 'list_item_close');
    items.push(toEntry(children, lineOf(token)));
  }
  return items;
}

function toEntry(children: Block[], line: number): ListEntry {
  const first = children[0];
  let checked: boolean | null = null;
  const paragraphs: string[] = [];
  const rest: Block[] = [];
  children.forEach((child, index) => {
    if (child.type !== 'paragraph') {
      rest.push(child);
      return;
    }
    let text = child.text;
    if (index === 0 && first?.type === 'paragraph') {
      const marker = TASK_MARKER.exec(text);
      if (marker) {
        checked = marker[1] !== ' ';
        text = text.slice(marker[0].length);
      }
    }
    paragraphs.push(text);
  });
  const struck = first?.type === 'paragraph' && first.struck;
  return { checked, text: paragraphs.join(' ').replace(/\s+/g, ' ').trim(), line, children: rest, struck };
}

/** Inline tokens → text: emphasis dropped, code kept in backticks, links as their label. */
export function inlineText(inline: Token): string {
  let text = '';
  for (const child of inline.children ?? []) {
    switch (child.type) {
      case 'text':
        text += withEmoji(child.content);
        break;
      case 'html_inline':
        if (!isComment(child.content)) text += child.content;
        break;
      case 'code_inline':
        text += `\`${child.content}\``;
        break;
      case 'softbreak':
      case 'hardbreak':
        text += ' ';
        break;
      case 'image':
        text += child.content;
        break;
      default:
        break;
    }
  }
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * `:white_check_mark:` as GitHub shows it (✅). Only a whole word between spaces or brackets and only
 * a name node-emoji knows (GitHub's names): `10:30:45` and `a:b:c` stay as written.
 */
const SHORTCODE = /(^|[\s(])(:[a-z0-9_+-]{2,40}:)(?=$|[\s).,;!?])/g;

function withEmoji(text: string): string {
  if (!text.includes(':')) return text;
  return text.replace(SHORTCODE, (whole, before: string, code: string) => {
    const emoji = getEmoji(code);
    return emoji ? `${before}${emoji}` : whole;
  });
}

/** `<!-- … -->` and nothing else (one or more comments, with space between). */
function isComment(html: string): boolean {
  let at = 0;
  let comments = 0;
  for (;;) {
    while (at < html.length && /\s/.test(html[at] as string)) at++;
    if (at >= html.length) return comments > 0;
    if (!html.startsWith('<!--', at)) return false;
    const end = html.indexOf('-->', at + 4);
    if (end < 0) return false;
    at = end + 3;
    comments++;
  }
}

/** True when every word of the paragraph is inside ~~…~~, a leading task box aside. */
/** Every word of the inline text sits inside `open`…`close` tokens (a box before it aside). */
function isWholly(inline: Token, open: string, close: string): boolean {
  let depth = 0;
  let outside = '';
  let inside = false;
  for (const child of inline.children ?? []) {
    if (child.type === open) depth++;
    else if (child.type === close) depth = Math.max(0, depth - 1);
    else if (child.type === 'text' || child.type === 'code_inline') {
      if (depth > 0) inside ||= child.content.trim() !== '';
      else outside += child.content;
    }
  }
  return inside && outside.replace(TASK_MARKER, '').trim() === '';
}

function isWhollyStruck(inline: Token): boolean {
  return isWholly(inline, 's_open', 's_close');
}

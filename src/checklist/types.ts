/** The parsed, platform-neutral model of one checklist file. Plain data: it is frozen into each run as JSON. */

export type ItemKind = 'task' | 'input' | 'decision' | 'signoff' | 'check';

export interface ChecklistItem {
  /** Stable identity: derived from the heading path and the text, unique within the checklist. */
  key: string;
  /** What people type: `3.2`, or `3.2.1` for a sub-item. */
  ref: string;
  text: string;
  kind: ItemKind;
  /** 1-based line in the source file. */
  line: number;
  required: boolean;
  phaseKey: string;
  sectionKey: string;
  parentKey: string | null;
  childKeys: string[];
  /** A plain (unboxed) list item that groups this one, e.g. a bold title with boxes under it. */
  group: string | null;
  /** Plain bullets under the item: details people read, not boxes to tick. */
  details: string[];
}

export interface ChecklistSection {
  key: string;
  /** Heading path below the phase, joined with " › "; empty for items right under the phase heading. */
  title: string;
  line: number;
  /** `### [ ] Team Preparation`: the section is itself a box, done when its items are. */
  boxed: boolean;
  itemKeys: string[];
  /** Paragraphs, tables and code blocks of the section, as Markdown, so nothing in the file is lost. */
  notes: string[];
}

export interface ChecklistPhase {
  key: string;
  /** The number people type before the dot in an item reference. */
  ref: string;
  title: string;
  line: number;
  sections: ChecklistSection[];
}

export interface Checklist {
  /** File name without extension; what `/deploy start <name>` takes. */
  name: string;
  title: string;
  aliases: string[];
  /** sha256 of the file's bytes: a run records exactly which version it ran. */
  hash: string;
  source: string;
  phases: ChecklistPhase[];
  /** Every item in document order. */
  items: ChecklistItem[];
  /** Text outside any section (the preamble under the title), kept as Markdown. */
  notes: string[];
}

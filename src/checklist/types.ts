/** The parsed, platform-neutral model of one checklist file. Plain data: it is frozen into each run as JSON. */

export type ItemKind = 'task' | 'input' | 'decision' | 'signoff' | 'check';

/** A threshold written in the checklist: `(target: <500ms)`, `> 5% … for > 15 minutes`. */
export interface Target {
  op: '<' | '<=' | '>' | '>=' | '=';
  value: number;
  unit: string | null;
  /** As written, for people. */
  text: string;
}

/** One blank of an input: `p95: ___ ms (target: <500ms)`. */
export interface InputField {
  name: string;
  unit: string | null;
  target: Target | null;
}

export interface InputSpec {
  fields: InputField[];
}

export interface DecisionSpec {
  /** As written: `Yes`, `No`, `Keep`, `Rollback`, `✅ Successful`. */
  options: string[];
}

export interface SignoffSpec {
  /** As written: `Engineering Lead`. */
  role: string;
  /** The role in oncall.yaml that may sign: `engineering-lead` unless the front matter maps it. */
  roleId: string;
}

/** What a machine can verify. Strings may hold `${VARIABLE}` placeholders, filled at run time. */
export type CheckSpec =
  | {
      kind: 'http';
      method: string;
      url: string;
      expectStatus?: number | undefined;
      jsonPath?: string | undefined;
      equals?: string | number | boolean | undefined;
      bodyContains?: string | undefined;
      maxLatencyMs?: number | undefined;
      followRedirects?: boolean | undefined;
    }
  | {
      kind: 'redis';
      url: string;
      command: 'PING' | 'INFO';
      field?: string | undefined;
      target?: Target | undefined;
    }
  | { kind: 'websocket'; url: string; send?: string | undefined; expect?: string | undefined }
  | { kind: 'postgres'; url: string; query: string; target?: Target | undefined }
  | { kind: 'tls'; host: string; port: number; minDays: number }
  | { kind: 'dns'; name: string; addresses?: string[] | undefined }
  | { kind: 'prometheus'; server: string; query: string; target: Target };

export interface ItemCheck {
  spec: CheckSpec;
  /** `front-matter` when declared, `detected` when read from a command next to the item. */
  source: 'front-matter' | 'detected';
  name: string | null;
  /** The command or line it was detected from. */
  detectedFrom: string | null;
  /** Variables the spec needs: from the front matter, else SHIPCHECK_VAR_<NAME>. */
  variables: string[];
  /** Run again by itself: every N minutes from the run's start, for M minutes (null: until the run ends). */
  repeat?: { everyMinutes: number; forMinutes: number | null };
}

/** A condition under which the run should roll back, kept as text with what could be parsed of it. */
export interface RollbackCriterion {
  text: string;
  line: number;
  /** The item it is, when the criterion is a box in the checklist. */
  itemKey: string | null;
  metric: string | null;
  threshold: Target | null;
  /** `sustained for > 15 minutes`. */
  forMinutes: number | null;
}

export interface EscalationStepSuggestion {
  /** As written: `If unresolved, page engineering lead`. */
  text: string;
  roleId: string | null;
  /** Minutes before the next step, when the text gives them: `(first 30 minutes)`. */
  waitMinutes: number | null;
}

export interface SeverityLevel {
  level: string;
  label: string;
  /** 0 for "immediate". */
  responseMinutes: number | null;
  line: number;
}

export interface RoleMention {
  id: string;
  label: string;
  line: number;
}

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
  /** Code written under the item (or right above its list): the command the step is about, as written. */
  code?: string[];
  /** Quotes under the item, without their `>`: notes people read. */
  quotes?: string[];
  input?: InputSpec;
  decision?: DecisionSpec;
  signoff?: SignoffSpec;
  check?: ItemCheck;
  /** The role that alone may resolve or reopen this item (front matter roles.items); sign-offs have theirs. */
  role?: string;
  /**
   * A step of rolling back ("Rollback Execution"): never required while the run goes forward; once it rolls
   * back, `required` says whether the run waits for it before it ends as rolled back.
   */
  rollbackStep?: { required: boolean };
  /**
   * Ticked in the file (`- [x] …`): a run starts with it done, attributed to the checklist rather than to
   * a person, and says so. Only steps to tick (a check too); a pre-ticked value, decision or sign-off starts open.
   */
  preTicked?: true;
  /** Struck through in the file (`- [ ] ~~Old step~~`): withdrawn by its author, shown, never required. */
  withdrawn?: true;
}

export interface ChecklistSection {
  key: string;
  /** Heading path below the phase, joined with " › "; empty for items right under the phase heading. */
  title: string;
  line: number;
  /** `### [ ] Team Preparation`: the section is itself a box, done when its items are. */
  boxed: boolean;
  window: TimeWindow | null;
  itemKeys: string[];
  /** Paragraphs, tables and code blocks of the section, as Markdown, so nothing in the file is lost. */
  notes: string[];
}

/** A time window from a title, in minutes relative to the run's start (negative: before go-live). */
export interface TimeWindow {
  text: string;
  startMinutes: number;
  endMinutes: number;
}

export interface ChecklistPhase {
  key: string;
  /** The number people type before the dot in an item reference. */
  ref: string;
  title: string;
  line: number;
  window: TimeWindow | null;
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
  /** Variable name → value from the front matter (null: must come from SHIPCHECK_VAR_<NAME>). */
  variables: Record<string, string | null>;
  rollbackCriteria: RollbackCriterion[];
  /** The escalation path the file describes, as a suggestion for oncall.yaml. */
  suggestedEscalation: EscalationStepSuggestion[];
  severityLevels: SeverityLevel[];
  /** Roles the file names (contact tables, sign-offs, escalation steps). */
  roles: RoleMention[];
  /** Who may do what, from the front matter: action → role ids. */
  permissions: Partial<Record<'abort' | 'rollback' | 'complete' | 'assign', string[]>>;
  escalation: { policy: string | null; severity: string | null };
  /** The IANA zone times of this checklist's runs are shown in (front matter `timezone`); UTC by default. */
  timeZone?: string;
  reminders: { phaseRef: string | null; everyMinutes: number; forMinutes: number | null; text: string }[];
}

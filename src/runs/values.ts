import type { InputField, InputSpec, Target } from '../checklist/types.js';

/**
 * Reads what someone typed for an input item and compares it with the targets the checklist wrote.
 * Pure. A value past its target is still recorded; it is flagged, so the run view and the report
 * can say so.
 */
export type InputReading = { ok: true; value: string; flagged: string[] } | { ok: false; message: string };

const NUMBER_WITH_UNIT =
  /(-?\d+(?:[.,]\d+)?)\s*(%|ms|s|sec|seconds|m|min|minutes?|h|hours?|req\/s|ops\/s|mbps|mb|gb)?/i;

export function readInput(spec: InputSpec, raw: string): InputReading {
  const text = raw.trim();
  if (!text) return { ok: false, message: 'type a value' };
  const fields = spec.fields.length > 0 ? spec.fields : [{ name: 'value', unit: null, target: null }];
  const values = assignValues(fields, text);
  if (!values.ok) return values;
  const flagged: string[] = [];
  const parts: string[] = [];
  for (const [index, field] of fields.entries()) {
    const typed = values.byField[index];
    if (typed === undefined) continue;
    // "640" for a field in ms is kept as "640 ms", so the record reads on its own.
    const value =
      field.unit && /^-?\d+(?:[.,]\d+)?$/.test(typed)
        ? `${typed}${field.unit === '%' ? '' : ' '}${field.unit}`
        : typed;
    const numeric = NUMBER_WITH_UNIT.exec(value);
    const wantsNumber = field.unit !== null || field.target !== null;
    if (wantsNumber && !numeric) {
      const unit = field.unit ? ` in ${field.unit}` : '';
      return { ok: false, message: `${field.name} takes a number${unit}, e.g. 42` };
    }
    if (numeric && field.target) {
      const measured = convert(
        Number((numeric[1] ?? '0').replace(',', '.')),
        numeric[2] ?? field.unit,
        field.target.unit ?? field.unit,
      );
      if (!meets(measured, field.target))
        flagged.push(`${field.name} ${value} (target ${field.target.text.replace(/^target:\s*/i, '')})`);
    }
    parts.push(fields.length > 1 ? `${field.name}: ${value}` : value);
  }
  return { ok: true, value: parts.join(', '), flagged };
}

/** "180 450 900", "p50=180, p95=450", or one value for a one-field input. */
const NAME_CHARACTER = /[\w .%-]/;
// A later pair in the same segment starts at a one-word name after a space: "p95=120 p99=300".
const NEXT_NAME = /\s([A-Za-z][\w.%-]*)\s*[=:]/g;

/**
 * `name=value` (or `name: value`) pairs, split by commas, semicolons or the next `name=`. The first
 * name of a segment may have spaces ("p95 latency: 120"). Scanned in one pass, never by a regex that
 * backtracks: this reads what people type in chat.
 */
function namedPairs(text: string): { name: string; value: string }[] {
  const pairs: { name: string; value: string }[] = [];
  for (const segment of text.split(/[,;]/)) {
    const separator = segment.search(/[=:]/);
    if (separator < 0) continue;
    let start = separator;
    while (start > 0 && NAME_CHARACTER.test(segment[start - 1] as string)) start--;
    const firstName = segment
      .slice(start, separator)
      .replace(/^[^A-Za-z]+/, '')
      .trim();
    if (!firstName) continue;
    const names: { name: string; from: number; valueFrom: number }[] = [
      { name: firstName, from: separator, valueFrom: separator + 1 },
    ];
    for (const next of segment.slice(separator + 1).matchAll(NEXT_NAME)) {
      const from = separator + 1 + (next.index ?? 0);
      names.push({ name: next[1] ?? '', from, valueFrom: from + next[0].length });
    }
    names.forEach((entry, index) => {
      const value = segment.slice(entry.valueFrom, names[index + 1]?.from ?? segment.length).trim();
      if (value) pairs.push({ name: entry.name, value });
    });
  }
  return pairs;
}

function assignValues(
  fields: InputField[],
  text: string,
): { ok: true; byField: (string | undefined)[] } | { ok: false; message: string } {
  if (fields.length === 1) return { ok: true, byField: [text] };
  // `name=value` pairs, separated by commas, semicolons or just the next `name=`.
  const named = namedPairs(text);
  if (named.length > 0) {
    const byField: (string | undefined)[] = fields.map(() => undefined);
    for (const pair of named) {
      const index = fields.findIndex((field) => field.name.toLowerCase() === pair.name.toLowerCase());
      if (index < 0) {
        return {
          ok: false,
          message: `there is no field “${pair.name}”; the fields are ${fields.map((field) => field.name).join(', ')}`,
        };
      }
      byField[index] = pair.value;
    }
    return { ok: true, byField };
  }
  const positional = text.split(/[\s,;]+/).filter(Boolean);
  if (positional.length > fields.length) {
    return {
      ok: false,
      message: `${positional.length} values for ${fields.length} fields (${fields.map((field) => field.name).join(', ')})`,
    };
  }
  return { ok: true, byField: fields.map((_, index) => positional[index]) };
}

function convert(value: number, from: string | null | undefined, to: string | null | undefined): number {
  const unitOf = (unit: string | null | undefined) => (unit ?? '').toLowerCase();
  const source = unitOf(from);
  const target = unitOf(to);
  const seconds: Record<string, number> = {
    ms: 0.001,
    s: 1,
    sec: 1,
    seconds: 1,
    m: 60,
    min: 60,
    minute: 60,
    minutes: 60,
    h: 3600,
    hour: 3600,
    hours: 3600,
  };
  const sourceScale = seconds[source];
  const targetScale = seconds[target];
  if (sourceScale !== undefined && targetScale !== undefined) return (value * sourceScale) / targetScale;
  return value;
}

export function meets(value: number, target: Target): boolean {
  switch (target.op) {
    case '<':
      return value < target.value;
    case '<=':
      return value <= target.value;
    case '>':
      return value > target.value;
    case '>=':
      return value >= target.value;
    case '=':
      return value === target.value;
  }
}

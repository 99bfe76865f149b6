import { trimEndOf } from '../text/trimEnd.js';
import { normalizeOperator } from './kinds.js';
import type { Target } from './types.js';

/** Headings and lead-ins under which a list names the conditions for rolling back. */
export const ROLLBACK_CRITERIA_HEADING = /rollback\s+(?:criteria|triggers?|conditions)|when to roll ?back/i;
export const ROLLBACK_LEAD_IN =
  /(?:initiate|execute|trigger|perform)\s+(?:a\s+)?rollback\s+if|roll ?back\s+if/i;

/**
 * Whether items under these headings are the steps of rolling back ("Rollback Execution", "Post-Rollback
 * Communication"): not the criteria, not the decision, not the preparation done before going live.
 */
export function isRollbackStepHeading(phaseTitle: string, sectionTitle: string): boolean {
  const path = `${phaseTitle} ${sectionTitle}`;
  if (!/roll\s?-?back/i.test(path) || ROLLBACK_CRITERIA_HEADING.test(path)) return false;
  const last = (sectionTitle.split(' › ').at(-1) || phaseTitle).trim();
  return !/decision|prepar|readiness/i.test(last);
}

export interface ParsedCriterion {
  metric: string | null;
  threshold: Target | null;
  forMinutes: number | null;
}

const THRESHOLD = /([<>≤≥]=?)\s*(\d+(?:\.\d+)?)\s*(%|ms|s|seconds?|minutes?|mb|gb)?/i;
const DURATION =
  /\bfor\s+(?:>\s*|more than\s+|at least\s+)?(\d+(?:\.\d+)?)\s*(seconds?|s|minutes?|mins?|hours?|h)\b/i;

/**
 * "> 5% error rate sustained for > 15 minutes", "Error rate > 5% for 2 minutes",
 * "Response time > 500ms consistently for 5 minutes": metric, threshold and duration where written.
 */
export function parseCriterion(text: string): ParsedCriterion {
  const threshold = THRESHOLD.exec(text);
  const duration = DURATION.exec(text);
  let metric: string | null = null;
  if (threshold) {
    const before = text.slice(0, threshold.index).trim();
    const after = text
      .slice(threshold.index + threshold[0].length)
      .replace(DURATION, '')
      .replace(/\b(sustained|consistently|from baseline)\b/gi, '')
      .trim();
    const named = before || after.split(/[,;(]/)[0] || '';
    metric = trimEndOf(named, ':-–').trim() || null;
  }
  return {
    metric,
    threshold: threshold
      ? {
          op: normalizeOperator(threshold[1] ?? '='),
          value: Number(threshold[2]),
          unit: threshold[3]?.toLowerCase() ?? null,
          text: threshold[0].trim(),
        }
      : null,
    forMinutes: duration ? toMinutes(Number(duration[1]), duration[2] ?? 'minutes') : null,
  };
}

function toMinutes(value: number, unit: string): number {
  if (/^s/i.test(unit)) return value / 60;
  if (/^h/i.test(unit)) return value * 60;
  return value;
}

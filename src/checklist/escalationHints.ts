import { slugify } from './text.js';
import type { EscalationStepSuggestion, SeverityLevel } from './types.js';

/**
 * What a checklist says about escalating, in prose: an ordered list under "Escalation Path", an
 * arrow chain ("Tech Lead → Product Owner → Business Stakeholder"), severity levels with response
 * times ("P1 - High (Response within 1 hour)"). Turned into suggestions for oncall.yaml. Pure.
 */

export const ESCALATION_HEADING = /escalation/i;
export const CONTACTS_HEADING = /contacts?|who to call|on-?call/i;

const KNOWN_ROLE =
  /\b(on[- ]?call engineer|engineering lead|tech(?:nical)? lead|vp(?: of)? engineering|product owner|product manager|business stakeholder|database admin(?:istrator)?|dba|devops(?:\/sre)? lead|sre lead|security (?:officer|team)|incident commander|cto|team lead|deployment lead|technical director|project manager)\b/i;

export function roleIdOf(label: string): string {
  return slugify(label.replace(/[*_]/g, ''), 60);
}

/** The role a step names: a known role phrase, or a short text that is itself a role. */
export function roleInStep(text: string): { id: string; label: string } | null {
  const known = KNOWN_ROLE.exec(text);
  if (known?.[1]) return { id: roleIdOf(known[1]), label: known[1] };
  const short = text.replace(/[*_]/g, '').trim();
  if (short && short.split(/\s+/).length <= 4 && !/[:.,]/.test(short))
    return { id: roleIdOf(short), label: short };
  return null;
}

export function stepFromText(text: string): EscalationStepSuggestion {
  const role = roleInStep(text);
  return { text, roleId: role?.id ?? null, waitMinutes: waitIn(text) };
}

/** "Tech Lead → Product Owner → Business Stakeholder" (or with ->). */
export function stepsFromArrowChain(text: string): EscalationStepSuggestion[] | null {
  const body = text.replace(/^.*?escalation(?: path)?\s*[:\-–]\s*/i, '');
  const parts = body.split(/→|->|⇒|>>/).map((part) => part.replace(/[*_]/g, '').trim());
  if (parts.length < 2 || parts.some((part) => !part)) return null;
  return parts.map(stepFromText);
}

function waitIn(text: string): number | null {
  const match =
    /\((?:first|after|within)?\s*(\d+)\s*(minutes?|mins?|hours?)\)/i.exec(text) ??
    /\bafter\s+(\d+)\s*(minutes?|mins?|hours?)/i.exec(text);
  if (!match) return null;
  const value = Number(match[1]);
  return /^h/i.test(match[2] ?? '') ? value * 60 : value;
}

const SEVERITY = /\b(P[0-4]|SEV[-\s]?[0-4])\b[ \t]*[-–:][ \t]*([A-Za-z]+)/i;

/** "P0 - Critical (Immediate response required)", "P2 - Medium (Response within 4 hours)". */
export function readSeverity(text: string, line: number): SeverityLevel | null {
  const plain = text.replace(/[*_]/g, '');
  const match = SEVERITY.exec(plain);
  if (!match) return null;
  // The first parenthesis after the label holds the response time; found by search, not by regex.
  const rest = plain.slice(match.index + match[0].length);
  const open = rest.indexOf('(');
  const close = open < 0 ? -1 : rest.indexOf(')', open);
  if (close < 0) return null;
  const detail = rest.slice(open + 1, close);
  let responseMinutes: number | null = null;
  if (/immediate/i.test(detail)) responseMinutes = 0;
  const within = /within\s+(\d+)\s*(minutes?|hours?|days?)/i.exec(detail);
  if (within) {
    const unit = within[2]?.toLowerCase() ?? '';
    responseMinutes = Number(within[1]) * (unit.startsWith('h') ? 60 : unit.startsWith('d') ? 1440 : 1);
  }
  return {
    level: (match[1] ?? '').toUpperCase().replace(/\s/g, ''),
    label: match[2] ?? '',
    responseMinutes,
    line,
  };
}

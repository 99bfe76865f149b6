import type { PeopleDirectory } from './oncallFile.js';

/**
 * Escalation policies from `checklists/oncall.yaml`: ordered steps of targets, each with a wait
 * before the next step, run `repeat` times. Pure: the engine that fires the steps asks what comes next.
 */

/** Who a step pages: `person:carol`, `role:engineering-lead`, `rotation:primary`, `channel:#incident-response`. */
export type Target =
  | { kind: 'person'; person: string }
  | { kind: 'role'; role: string }
  | { kind: 'rotation'; rotation: string }
  | { kind: 'channel'; channel: string };

export interface PolicyStep {
  targets: Target[];
  /** Minutes to wait after paging this step before the next one (fractions for seconds). */
  waitMinutes: number;
}

export interface Policy {
  name: string;
  /** How many times the whole list of steps runs, at least 1. */
  repeat: number;
  steps: PolicyStep[];
}

export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SeverityLevel {
  /** The policy the severity pages with; '' when oncall.yaml names none (the checklist's policy then applies). */
  policy: string;
  /** Minutes within which somebody should respond. */
  responseMinutes: number;
}

/** Response times when oncall.yaml gives none: P0 at once, P1 within an hour, P2 within 4 hours, P3 within a day. */
export const SEVERITY_RESPONSE_SEEDS: Record<Severity, number> = { P0: 0, P1: 60, P2: 240, P3: 1440 };

/** A position in a policy: zero-based step within the zero-based round. */
export interface StepPosition {
  step: number;
  round: number;
}

/**
 * The step after `step` of round `round` (both zero-based; the first page is step 0 of round 0): the
 * next step of the round, else step 0 of the next round, else null once the last round has run.
 */
export function nextStep(policy: Policy, step: number, round: number): StepPosition | null {
  if (step + 1 < policy.steps.length) return { step: step + 1, round };
  if (round + 1 < Math.max(1, policy.repeat) && policy.steps.length > 0) return { step: 0, round: round + 1 };
  return null;
}

/**
 * The policy an escalation of `severity` follows: the one oncall.yaml maps the severity to, else the
 * one named by `fallbackPolicyName` (the checklist's front matter), else null when neither exists.
 */
export function policyForSeverity(
  directory: PeopleDirectory,
  severity: Severity | null | undefined,
  fallbackPolicyName: string | null | undefined,
): Policy | null {
  const mapped = severity ? directory.severities[severity]?.policy : undefined;
  if (mapped && Object.hasOwn(directory.policies, mapped)) return directory.policies[mapped] ?? null;
  if (fallbackPolicyName && Object.hasOwn(directory.policies, fallbackPolicyName)) {
    return directory.policies[fallbackPolicyName] ?? null;
  }
  return null;
}

const TARGET = /^(person|role|rotation|channel):(.+)$/;

/** `role:dba` → `{ kind: 'role', role: 'dba' }`; null when the text is not `kind:name`. */
export function parseTarget(text: string): Target | null {
  const match = TARGET.exec(text.trim());
  const kind = match?.[1];
  const name = match?.[2]?.trim();
  if (!kind || !name) return null;
  if (kind === 'person') return { kind, person: name };
  if (kind === 'role') return { kind, role: name };
  if (kind === 'rotation') return { kind, rotation: name };
  return { kind: 'channel', channel: name };
}

/** The text form of a target, as written in oncall.yaml. */
export function formatTarget(target: Target): string {
  switch (target.kind) {
    case 'person':
      return `person:${target.person}`;
    case 'role':
      return `role:${target.role}`;
    case 'rotation':
      return `rotation:${target.rotation}`;
    case 'channel':
      return `channel:${target.channel}`;
  }
}

const DURATION = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/** `30s`, `5m`, `1h`, `1d`, `1h30m` → minutes (0.5, 5, 60, 1440, 90); null when not a duration. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '') return null;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * 1440 + Number(hours ?? 0) * 60 + Number(minutes ?? 0) + Number(seconds ?? 0) / 60
  );
}

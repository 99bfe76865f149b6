import type { PeopleDirectory, Person } from './oncallFile.js';
import type { PolicyStep } from './policy.js';
import { dateOfDay, dayNumberOf, instantOfLocal, localPartsOf } from './timeZone.js';

/**
 * Who is on call: rotations from `checklists/oncall.yaml` evaluated at an instant, with overrides,
 * across hand-offs and DST changes. Pure: the instant is always passed in. Hand-offs are calendar
 * arithmetic in the rotation's zone, so a Monday 09:00 hand-off stays 09:00 local all year.
 */

export const WEEKDAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RotationOverride {
  person: string;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface Rotation {
  name: string;
  /** Person keys, in hand-off order; a key may appear more than once. */
  members: string[];
  period: 'daily' | 'weekly';
  /** `time` is HH:MM on the rotation's wall clock; `weekday` is set for weekly rotations only. */
  handoff: { weekday: Weekday | null; time: string };
  /** IANA zone of the hand-off time. */
  timezone: string;
  /**
   * YYYY-MM-DD: members[0] takes over at the hand-off time of this date (for a weekly rotation, of the
   * first hand-off weekday on or after it). Earlier instants count backwards through the members.
   */
  start: string;
  /** Later entries win where they overlap. */
  overrides: RotationOverride[];
}

/** One scheduled shift of a rotation, overrides aside: [start, end). */
export interface Shift {
  /** 0 for the shift that begins on the start date; negative before it. */
  index: number;
  person: string;
  start: Date;
  end: Date;
}

/** A moment at which who is on call changes. */
export interface Handoff {
  at: Date;
  /** Who is on call from `at`. */
  person: string;
  /** Who was on call just before. */
  previous: string;
}

export interface PersonTarget {
  key: string;
  name: string;
  slack: string | null;
  discord: string | null;
  /** The login name in the terminal channel (the person key unless set). */
  terminal: string;
  timezone: string | null;
  /** How the step reached them: `rotation:primary`, `role:engineering-lead` or `person`. */
  via: string;
}

export interface ChannelTarget {
  channel: string;
}

export type ResolvedTarget = PersonTarget | ChannelTarget;

/** The person key on call for `rotation` at `at`: the last listed override covering `at`, else the schedule. */
export function onCallAt(rotation: Rotation, at: Date): string {
  return overrideAt(rotation, at)?.person ?? shiftAt(rotation, at).person;
}

/** The scheduled shift (overrides ignored) that contains `at`. */
export function shiftAt(rotation: Rotation, at: Date): Shift {
  const schedule = scheduleOf(rotation);
  const t = at.getTime();
  const local = localPartsOf(at, rotation.timezone);
  let day = dayNumberOf(local.year, local.month, local.day);
  day -= mod(day - schedule.anchor, schedule.periodDays);
  while (schedule.handoffOn(day) > t) day -= schedule.periodDays;
  while (schedule.handoffOn(day + schedule.periodDays) <= t) day += schedule.periodDays;
  const index = (day - schedule.anchor) / schedule.periodDays;
  return {
    index,
    person: memberAt(rotation, index),
    start: new Date(schedule.handoffOn(day)),
    end: new Date(schedule.handoffOn(day + schedule.periodDays)),
  };
}

/**
 * Every instant in [from, to) at which who is on call changes (scheduled hand-offs and override
 * starts and ends), in order, with who takes over. A hand-off to the same person is not listed.
 */
export function handoffsBetween(rotation: Rotation, from: Date, to: Date): Handoff[] {
  return changesBetween(rotation, from.getTime(), to.getTime(), Number.POSITIVE_INFINITY);
}

function changesBetween(rotation: Rotation, start: number, end: number, limit: number): Handoff[] {
  const handoffs: Handoff[] = [];
  if (!(end > start)) return handoffs;
  const edges = rotation.overrides
    .flatMap((override) => [override.start.getTime(), override.end.getTime()])
    .filter((edge) => edge >= start && edge < end)
    .sort((a, b) => a - b);
  let shift = shiftAt(rotation, new Date(start));
  let scheduled = shift.start.getTime() === start ? start : shift.end.getTime();
  let edgeIndex = 0;
  let last = Number.NEGATIVE_INFINITY;
  while (handoffs.length < limit) {
    const edge = edges[edgeIndex] ?? Number.POSITIVE_INFINITY;
    const instant = Math.min(edge, scheduled);
    if (instant >= end) break;
    if (instant === edge) edgeIndex++;
    if (instant === scheduled) {
      shift = shiftAt(rotation, new Date(scheduled));
      scheduled = shift.end.getTime();
    }
    if (instant === last) continue;
    last = instant;
    const person = onCallAt(rotation, new Date(instant));
    const previous = onCallAt(rotation, new Date(instant - 1));
    if (person !== previous) handoffs.push({ at: new Date(instant), person, previous });
  }
  return handoffs;
}

/**
 * The people and channels a step pages at `at`: a rotation gives who is on call, a role every member,
 * a person that person, a channel itself. Each person appears once (by the first target that names
 * them); names the directory does not know are skipped.
 */
export function resolveTargets(
  step: Pick<PolicyStep, 'targets'>,
  directory: PeopleDirectory,
  at: Date,
): ResolvedTarget[] {
  const resolved: ResolvedTarget[] = [];
  const seenPeople = new Set<string>();
  const seenChannels = new Set<string>();
  const addPerson = (key: string, via: string) => {
    if (seenPeople.has(key)) return;
    const person = directory.people.find((candidate) => candidate.key === key);
    if (!person) return;
    seenPeople.add(key);
    resolved.push(personTarget(person, via));
  };
  for (const target of step.targets) {
    switch (target.kind) {
      case 'person':
        addPerson(target.person, 'person');
        break;
      case 'role':
        for (const key of directory.roles[target.role] ?? []) addPerson(key, `role:${target.role}`);
        break;
      case 'rotation': {
        const rotation = directory.rotations.find((candidate) => candidate.name === target.rotation);
        if (rotation && rotation.members.length > 0) {
          addPerson(onCallAt(rotation, at), `rotation:${target.rotation}`);
        }
        break;
      }
      case 'channel':
        if (!seenChannels.has(target.channel)) {
          seenChannels.add(target.channel);
          resolved.push({ channel: target.channel });
        }
        break;
    }
  }
  return resolved;
}

/** What `/deploy oncall` shows: each rotation with who is on call and until when, each role with its members. */
export function describeOnCall(directory: PeopleDirectory, at: Date): string {
  const rotations = directory.rotations.filter((rotation) => rotation.members.length > 0);
  const roles = Object.entries(directory.roles);
  if (rotations.length === 0 && roles.length === 0) {
    return 'Nobody is on call: checklists/oncall.yaml has no rotations or roles.';
  }
  const nameOf = (key: string) => {
    const person = directory.people.find((candidate) => candidate.key === key);
    return person && person.name !== key ? `${person.name} (${key})` : key;
  };
  const lines = [`On call at ${formatUtc(at)}:`];
  for (const rotation of rotations) {
    const person = onCallAt(rotation, at);
    const override = overrideAt(rotation, at);
    const schedule =
      rotation.period === 'weekly'
        ? `weekly, ${capitalize(rotation.handoff.weekday ?? 'monday')} ${rotation.handoff.time}`
        : `daily, ${rotation.handoff.time}`;
    let line = `• rotation ${rotation.name} (${schedule} ${rotation.timezone}): ${nameOf(person)}`;
    if (override) line += ' by override';
    const next = nextHandoff(rotation, at);
    if (next) {
      line += ` until ${formatLocal(next.at, rotation.timezone)} ${rotation.timezone} (${formatUtc(next.at)}), then ${nameOf(next.person)}`;
    }
    lines.push(line);
  }
  for (const [role, members] of roles) {
    lines.push(`• role ${role}: ${members.length > 0 ? members.map(nameOf).join(', ') : 'nobody'}`);
  }
  return lines.join('\n');
}

/** The next change of who is on call after `at` (within a year), or null for a one-person rotation. */
function nextHandoff(rotation: Rotation, at: Date): Handoff | null {
  return changesBetween(rotation, at.getTime() + 1, at.getTime() + 400 * 86_400_000, 1)[0] ?? null;
}

function overrideAt(rotation: Rotation, at: Date): RotationOverride | null {
  const t = at.getTime();
  for (let i = rotation.overrides.length - 1; i >= 0; i--) {
    const override = rotation.overrides[i];
    if (override && override.start.getTime() <= t && t < override.end.getTime()) return override;
  }
  return null;
}

interface Schedule {
  /** The day number of shift 0. */
  anchor: number;
  periodDays: number;
  /** The hand-off instant (ms) on a local day number. */
  handoffOn(day: number): number;
}

function scheduleOf(rotation: Rotation): Schedule {
  if (rotation.members.length === 0) throw new Error(`rotation ${rotation.name} has no members`);
  const time = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(rotation.handoff.time);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(rotation.start);
  if (!time || !date) throw new Error(`rotation ${rotation.name}: bad hand-off time or start date`);
  const hour = Number(time[1]);
  const minute = Number(time[2]);
  const weekly = rotation.period === 'weekly';
  let anchor = dayNumberOf(Number(date[1]), Number(date[2]), Number(date[3]));
  if (weekly) {
    const weekday = WEEKDAYS.indexOf(rotation.handoff.weekday ?? 'monday');
    anchor += mod(weekday - mod(anchor + 4, 7), 7);
  }
  return {
    anchor,
    periodDays: weekly ? 7 : 1,
    handoffOn: (day) => instantOfLocal({ ...dateOfDay(day), hour, minute }, rotation.timezone).getTime(),
  };
}

function memberAt(rotation: Rotation, index: number): string {
  return rotation.members[mod(index, rotation.members.length)] as string;
}

function personTarget(person: Person, via: string): PersonTarget {
  return {
    key: person.key,
    name: person.name,
    slack: person.slack ?? null,
    discord: person.discord === undefined ? null : String(person.discord),
    terminal: person.terminal ?? person.key,
    timezone: person.timezone ?? null,
    via,
  };
}

function mod(value: number, by: number): number {
  return ((value % by) + by) % by;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const SHORT_WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Mon 2026-04-06 09:00` on the zone's wall clock. */
function formatLocal(at: Date, timeZone: string): string {
  const local = localPartsOf(at, timeZone);
  return `${SHORT_WEEKDAYS[local.weekday]} ${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)} ${pad(local.hour)}:${pad(local.minute)}`;
}

/** `2026-04-06 07:00 UTC`. */
function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { keyLinesOf, lineOfPath } from '../yaml/keyLines.js';
import { type Rotation, type RotationOverride, WEEKDAYS } from './oncall.js';
import {
  type Policy,
  parseDuration,
  parseTarget,
  SEVERITIES,
  SEVERITY_RESPONSE_SEEDS,
  type Severity,
  type SeverityLevel,
} from './policy.js';
import { dayNumberOf, instantOfLocal, isTimeZone, weekdayOfDay } from './timeZone.js';

/**
 * `checklists/oncall.yaml`: the people who run deployments, how each platform knows them, and the
 * roles they hold, the rotations that say who is on call, the escalation policies and the severities
 * that pick them. Pure: YAML text in, a directory or line-numbered problems out.
 */

const TIME_ZONE_MESSAGE = 'not a time zone name such as Europe/Madrid';
const DATE_TIME_MESSAGE =
  'a date-time in quotes, such as "2026-03-29T08:00:00+02:00" (without an offset: the rotation\'s zone)';
const DURATION_MESSAGE = 'a duration such as 30s, 5m, 1h or 1d';
const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

const durationSchema = z
  .string({ error: DURATION_MESSAGE })
  .refine((text) => parseDuration(text) !== null, DURATION_MESSAGE);

const rotationSchema = z
  .object({
    members: z.array(z.string(), { error: 'a list of person keys' }).min(1, 'a rotation needs a member'),
    period: z.enum(['daily', 'weekly'], { error: 'daily or weekly' }),
    handoff: z
      .object({
        weekday: z
          .string({ error: 'a weekday such as monday' })
          .transform((day) => day.toLowerCase())
          .pipe(z.enum(WEEKDAYS, { error: 'a weekday such as monday' }))
          .optional(),
        time: z
          .string({ error: 'a time HH:MM in quotes, such as "09:00"' })
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM in quotes, such as "09:00"'),
      })
      .strict(),
    timezone: z.string({ error: TIME_ZONE_MESSAGE }).refine(isTimeZone, TIME_ZONE_MESSAGE),
    start: z
      .string({ error: 'a date YYYY-MM-DD in quotes, such as "2026-01-05"' })
      .refine((text) => dateParts(text) !== null, 'a date YYYY-MM-DD in quotes, such as "2026-01-05"'),
    overrides: z
      .array(
        z
          .object({
            person: z.string(),
            start: z.string({ error: DATE_TIME_MESSAGE }),
            end: z.string({ error: DATE_TIME_MESSAGE }),
          })
          .strict(),
      )
      .nullish(),
  })
  .strict();

const policySchema = z
  .object({
    repeat: z
      .number({ error: 'how many rounds: a whole number, at least 1' })
      .int()
      .min(1, 'repeat is at least 1')
      .default(1),
    steps: z
      .array(
        z
          .object({
            targets: z
              .array(z.string(), { error: 'a list such as [rotation:primary, role:engineering-lead]' })
              .min(1, 'a step needs a target'),
            wait: durationSchema,
          })
          .strict(),
      )
      .min(1, 'a policy needs a step'),
  })
  .strict();

const severitySchema = z
  .object({ policy: z.string().min(1).optional(), response: durationSchema.optional() })
  .strict();

const discordId = z.string().regex(/^\d{15,21}$/, 'a Discord id is 15–21 digits, in quotes');

const personSchema = z
  .object({
    name: z.string().min(1),
    slack: z
      .string()
      .regex(/^[UW][A-Z0-9]{6,}$/, 'a Slack user id looks like U012AB3CD')
      .optional(),
    discord: z.union([discordId, z.number()]).optional(),
    terminal: z.string().min(1).optional(),
    timezone: z.string().refine(isTimeZone, TIME_ZONE_MESSAGE).optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
  })
  .strict();

const oncallSchema = z
  .object({
    people: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'person keys are letters, digits, . _ -'),
        personSchema,
      )
      .default({}),
    roles: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'role ids are lowercase-with-dashes'),
        z.array(z.string()),
      )
      .default({}),
    rotations: z
      .record(z.string().regex(NAME, 'rotation names are letters, digits, . _ -'), rotationSchema)
      .nullish(),
    policies: z
      .record(z.string().regex(NAME, 'policy names are letters, digits, . _ -'), policySchema)
      .nullish(),
    severities: z
      .strictObject(
        {
          P0: severitySchema.optional(),
          P1: severitySchema.optional(),
          P2: severitySchema.optional(),
          P3: severitySchema.optional(),
        },
        {
          error: (issue) =>
            issue.code === 'unrecognized_keys' ? 'severities are P0, P1, P2 and P3' : undefined,
        },
      )
      .nullish(),
    stall_minutes: z.number({ error: 'a positive number of minutes, such as 30' }).positive().nullish(),
  })
  .strict();

export type Person = z.infer<typeof personSchema> & { key: string };

export interface OncallProblem {
  line: number;
  message: string;
}

export interface PeopleDirectory {
  people: Person[];
  roles: Record<string, string[]>;
  /** The raw parsed file, for the parts escalation reads (rotations, policies, severities). */
  raw: Record<string, unknown>;
  /** In file order. */
  rotations: Rotation[];
  policies: Record<string, Policy>;
  /** Every severity: the file's policy and response time, else no policy ('') and the seed response time. */
  severities: Record<Severity, SeverityLevel>;
  /** A run with no progress for this many minutes escalates; null: never. */
  stallMinutes: number | null;
  /**
   * A person's roles, or null when no people or platform roles are configured (then nothing is
   * restricted). `groups` are the platform's own roles the person holds (Discord role ids).
   */
  rolesOf(platform: string, userId: string, groups?: readonly string[]): string[] | null;
  personOf(platform: string, userId: string): Person | null;
}

interface Escalation {
  rotations: Rotation[];
  policies: Record<string, Policy>;
  severities: Record<Severity, SeverityLevel>;
  stallMinutes: number | null;
}

const EMPTY_ESCALATION: Escalation = {
  rotations: [],
  policies: {},
  severities: {
    P0: { policy: '', responseMinutes: SEVERITY_RESPONSE_SEEDS.P0 },
    P1: { policy: '', responseMinutes: SEVERITY_RESPONSE_SEEDS.P1 },
    P2: { policy: '', responseMinutes: SEVERITY_RESPONSE_SEEDS.P2 },
    P3: { policy: '', responseMinutes: SEVERITY_RESPONSE_SEEDS.P3 },
  },
  stallMinutes: null,
};

export const EMPTY_DIRECTORY: PeopleDirectory = buildDirectory([], {}, {}, EMPTY_ESCALATION);

export function readOncallFile(text: string): {
  directory: PeopleDirectory | null;
  problems: OncallProblem[];
} {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const problems: OncallProblem[] = document.errors.map((error) => ({
    line: error.linePos?.[0]?.line ?? 1,
    message: `not valid YAML: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
  }));
  if (problems.length > 0) return { directory: null, problems };
  const keyLines = keyLinesOf(document.contents, lineCounter);
  const lineOf = (path: (string | number)[]) => lineOfPath(keyLines, path.map(String)) ?? 1;
  let raw: Record<string, unknown>;
  try {
    raw = (document.toJS() ?? {}) as Record<string, unknown>;
  } catch (error) {
    // An alias to nothing (`people: *x`) only fails here.
    return {
      directory: null,
      problems: [
        { line: 1, message: `not valid YAML: ${error instanceof Error ? error.message : String(error)}` },
      ],
    };
  }
  const parsed = oncallSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      const extra = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const where = extra.length > 0 ? [...path, extra[0] ?? ''] : path;
      const message =
        issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      problems.push({ line: lineOf(where), message: `${where.join('.') || 'file'}: ${message}` });
    }
    return { directory: null, problems };
  }
  const { people, roles } = parsed.data;
  for (const [key, person] of Object.entries(people)) {
    if (typeof person.discord === 'number') {
      problems.push({
        line: lineOf(['people', key, 'discord']),
        message: `people.${key}.discord: put the Discord id in quotes; YAML reads long numbers inexactly`,
      });
    }
  }
  for (const [role, members] of Object.entries(roles)) {
    for (const member of members) {
      if (member.startsWith(DISCORD_ROLE_PREFIX)) {
        if (!SNOWFLAKE.test(member.slice(DISCORD_ROLE_PREFIX.length))) {
          problems.push({
            line: lineOf(['roles', role]),
            message: `roles.${role}: “${member}” needs a Discord role id, e.g. "discord-role:123456789012345678"`,
          });
        }
        continue;
      }
      if (!people[member]) {
        problems.push({
          line: lineOf(['roles', role]),
          message: `roles.${role} names “${member}”, who is not under people`,
        });
      }
    }
  }
  const escalation = readEscalation(parsed.data, (path, message) => {
    problems.push({ line: lineOf(path), message: `${path.join('.')}: ${message}` });
  });
  if (problems.length > 0) return { directory: null, problems };
  const list = Object.entries(people).map(([key, person]) => ({ ...person, key }));
  const { people: _people, roles: _roles, ...rest } = raw;
  return { directory: buildDirectory(list, roles, rest, escalation), problems };
}

type Report = (path: (string | number)[], message: string) => void;

/** Rotations, policies and severities, with every name they use checked against the file. */
function readEscalation(data: z.infer<typeof oncallSchema>, report: Report): Escalation {
  const isPerson = (key: string) => Object.hasOwn(data.people, key);
  const rotations: Rotation[] = [];
  for (const [name, entry] of Object.entries(data.rotations ?? {})) {
    const at = ['rotations', name];
    entry.members.forEach((member, index) => {
      if (!isPerson(member)) report([...at, 'members', index], `names “${member}”, who is not under people`);
    });
    const weekday = entry.handoff.weekday ?? null;
    if (entry.period === 'weekly' && !weekday) {
      report(
        [...at, 'handoff'],
        'a weekly rotation needs a weekday, such as { weekday: monday, time: "09:00" }',
      );
    }
    if (entry.period === 'daily' && weekday) {
      report([...at, 'handoff', 'weekday'], 'a daily rotation hands off every day; remove the weekday');
    }
    const start = dateParts(entry.start);
    if (entry.period === 'weekly' && weekday && start) {
      const actual = WEEKDAYS[weekdayOfDay(dayNumberOf(start.year, start.month, start.day))] ?? '';
      if (actual !== weekday) {
        report([...at, 'start'], `${entry.start} is a ${actual}; the first hand-off is on a ${weekday}`);
      }
    }
    const overrides: RotationOverride[] = [];
    (entry.overrides ?? []).forEach((override, index) => {
      const where = [...at, 'overrides', index];
      if (!isPerson(override.person)) {
        report([...where, 'person'], `names “${override.person}”, who is not under people`);
      }
      const from = instantOf(override.start, entry.timezone);
      const to = instantOf(override.end, entry.timezone);
      if (!from) report([...where, 'start'], DATE_TIME_MESSAGE);
      if (!to) report([...where, 'end'], DATE_TIME_MESSAGE);
      if (from && to && to.getTime() <= from.getTime())
        report([...where, 'end'], 'the end is not after the start');
      if (from && to) overrides.push({ person: override.person, start: from, end: to });
    });
    rotations.push({
      name,
      members: entry.members,
      period: entry.period,
      handoff: { weekday: entry.period === 'weekly' ? weekday : null, time: entry.handoff.time },
      timezone: entry.timezone,
      start: entry.start,
      overrides,
    });
  }
  const policies: Record<string, Policy> = {};
  for (const [name, entry] of Object.entries(data.policies ?? {})) {
    const steps = entry.steps.map((step, stepIndex) => {
      const targets = step.targets.flatMap((text, targetIndex) => {
        const where = ['policies', name, 'steps', stepIndex, 'targets', targetIndex];
        const target = parseTarget(text);
        if (!target) {
          report(where, `“${text}” is not person:KEY, role:ID, rotation:NAME or channel:NAME`);
          return [];
        }
        if (target.kind === 'person' && !isPerson(target.person)) {
          report(where, `names “${target.person}”, who is not under people`);
        } else if (target.kind === 'role' && !Object.hasOwn(data.roles, target.role)) {
          report(where, `names the role “${target.role}”, which is not under roles`);
        } else if (target.kind === 'rotation' && !Object.hasOwn(data.rotations ?? {}, target.rotation)) {
          report(where, `names the rotation “${target.rotation}”, which is not under rotations`);
        }
        return [target];
      });
      return { targets, waitMinutes: parseDuration(step.wait) ?? 0 };
    });
    policies[name] = { name, repeat: entry.repeat, steps };
  }
  const severities = { ...EMPTY_ESCALATION.severities };
  for (const severity of SEVERITIES) {
    const entry = data.severities?.[severity];
    if (!entry) continue;
    if (entry.policy !== undefined && !Object.hasOwn(policies, entry.policy)) {
      report(['severities', severity, 'policy'], `names “${entry.policy}”, which is not under policies`);
    }
    severities[severity] = {
      policy: entry.policy ?? '',
      responseMinutes:
        entry.response === undefined
          ? SEVERITY_RESPONSE_SEEDS[severity]
          : (parseDuration(entry.response) ?? SEVERITY_RESPONSE_SEEDS[severity]),
    };
  }
  return { rotations, policies, severities, stallMinutes: data.stall_minutes ?? null };
}

/** A role member that is not a person: everyone holding this Discord role in the server has the role. */
const DISCORD_ROLE_PREFIX = 'discord-role:';
const SNOWFLAKE = /^\d{17,20}$/;

function buildDirectory(
  people: Person[],
  roles: Record<string, string[]>,
  raw: Record<string, unknown>,
  escalation: Escalation,
): PeopleDirectory {
  const personOf = (platform: string, userId: string): Person | null => {
    const wanted = userId.replace(/^@/, '');
    return (
      people.find((person) => {
        if (platform === 'slack') return person.slack === wanted;
        if (platform === 'discord') return String(person.discord ?? '') === wanted;
        return (person.terminal ?? person.key) === wanted;
      }) ?? null
    );
  };
  return {
    people,
    roles,
    raw,
    ...escalation,
    personOf,
    rolesOf(platform, userId, groups = []) {
      const byPlatformRole = Object.values(roles).some((members) =>
        members.some((member) => member.startsWith(DISCORD_ROLE_PREFIX)),
      );
      if (people.length === 0 && !byPlatformRole) return null;
      const person = personOf(platform, userId);
      const held = new Set(platform === 'discord' ? groups.map((id) => `${DISCORD_ROLE_PREFIX}${id}`) : []);
      return Object.entries(roles)
        .filter(([, members]) => members.some((member) => member === person?.key || held.has(member)))
        .map(([role]) => role);
    },
  };
}

/** `2026-01-05` → its parts, or null when it is not a real date. */
function dateParts(text: string): { year: number; month: number; day: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return { year, month, day };
}

/**
 * `2026-03-29T08:00:00+02:00` (or `Z`) → that instant; without an offset, `2026-03-29T08:00` or
 * `2026-03-29` is read on the wall clock of `timeZone`. Null when it is not a date-time.
 */
function instantOf(text: string, timeZone: string): Date | null {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text.trim(),
  );
  const date = match?.[1] ? dateParts(match[1]) : null;
  if (!match || !date) return null;
  const hour = Number(match[2] ?? 0);
  const minute = Number(match[3] ?? 0);
  const second = Number(match[4] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const zone = match[5];
  if (!zone) return instantOfLocal({ ...date, hour, minute, second }, timeZone);
  if (match[2] === undefined) return null;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  const offsetMinutes = offset
    ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]))
    : 0;
  const utc = Date.UTC(date.year, date.month - 1, date.day, hour, minute, second);
  return new Date(utc - offsetMinutes * 60_000);
}

import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { keyLinesOf, lineOfPath } from '../yaml/keyLines.js';

/**
 * `checklists/oncall.yaml`: the people who run deployments, how each platform knows them, and the
 * roles they hold. Pure: YAML text in, a directory or line-numbered problems out. Rotations and
 * escalation policies live in the same file; their keys are accepted here and read by escalation.
 */

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
    timezone: z
      .string()
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'not a time zone name such as Europe/Madrid')
      .optional(),
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
    rotations: z.unknown().optional(),
    policies: z.unknown().optional(),
    severities: z.unknown().optional(),
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
  /** A person's roles, or null when no people are configured (then nothing is restricted). */
  rolesOf(platform: string, userId: string): string[] | null;
  personOf(platform: string, userId: string): Person | null;
}

export const EMPTY_DIRECTORY: PeopleDirectory = buildDirectory([], {}, {});

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
  const parsed = oncallSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      const extra = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const where = extra.length > 0 ? [...path, extra[0] ?? ''] : path;
      problems.push({
        line: lineOf(keyLines, where),
        message: `${where.join('.') || 'file'}: ${issue.message}`,
      });
    }
    return { directory: null, problems };
  }
  const { people, roles, ...rest } = parsed.data;
  for (const [key, person] of Object.entries(people)) {
    if (typeof person.discord === 'number') {
      problems.push({
        line: lineOf(keyLines, ['people', key, 'discord']),
        message: `people.${key}.discord: put the Discord id in quotes; YAML reads long numbers inexactly`,
      });
    }
  }
  for (const [role, members] of Object.entries(roles)) {
    for (const member of members) {
      if (!people[member]) {
        problems.push({
          line: lineOf(keyLines, ['roles', role]),
          message: `roles.${role} names “${member}”, who is not under people`,
        });
      }
    }
  }
  if (problems.length > 0) return { directory: null, problems };
  const list = Object.entries(people).map(([key, person]) => ({ ...person, key }));
  return { directory: buildDirectory(list, roles, rest), problems };
}

function buildDirectory(
  people: Person[],
  roles: Record<string, string[]>,
  raw: Record<string, unknown>,
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
    personOf,
    rolesOf(platform, userId) {
      if (people.length === 0) return null;
      const person = personOf(platform, userId);
      if (!person) return [];
      return Object.entries(roles)
        .filter(([, members]) => members.includes(person.key))
        .map(([role]) => role);
    },
  };
}

function lineOf(keyLines: Record<string, number>, path: string[]): number {
  return lineOfPath(keyLines, path) ?? 1;
}

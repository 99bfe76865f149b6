import type { ChecklistProblem } from './parse.js';
import type { Checklist } from './types.js';

/** A role the checklist relies on: someone must hold it for the run to get past the item or action. */
export interface RoleNeed {
  role: string;
  line: number;
  /** What needs it, for the sentence: `sign-off 4.2 “DevOps/SRE”`, `roles.rollback`. */
  what: string;
}

export function rolesNeeded(checklist: Checklist): RoleNeed[] {
  const needs: RoleNeed[] = [];
  for (const item of checklist.items) {
    if (item.signoff)
      needs.push({
        role: item.signoff.roleId,
        line: item.line,
        what: `sign-off ${item.ref} “${item.signoff.role}”`,
      });
    if (item.role) needs.push({ role: item.role, line: item.line, what: `item ${item.ref}` });
  }
  for (const [action, roles] of Object.entries(checklist.permissions)) {
    for (const role of roles ?? [])
      needs.push({ role, line: 1, what: `roles.${action} in the front matter` });
  }
  return needs;
}

/**
 * Every role the checklist needs that oncall.yaml does not define, at its line. Without this a sign-off
 * for "DevOps/SRE" can be neither signed nor given to anyone, and nobody finds out until the run's end.
 */
export function undefinedRoles(checklist: Checklist, defined: ReadonlySet<string>): ChecklistProblem[] {
  const seen = new Set<string>();
  const problems: ChecklistProblem[] = [];
  for (const need of rolesNeeded(checklist)) {
    if (defined.has(need.role) || seen.has(`${need.role}:${need.line}`)) continue;
    seen.add(`${need.role}:${need.line}`);
    problems.push({
      line: need.line,
      severity: 'warning',
      message: `${need.what} needs the role “${need.role}”, which oncall.yaml does not define`,
      hint: `add “${need.role}: [person]” under roles: in oncall.yaml, or name the role in roles.signoff; until then it can only be given for one run with /deploy assign ${need.role} @person`,
    });
  }
  return problems;
}

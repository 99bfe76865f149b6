/**
 * Check variables are their own namespace: a checklist's `${NAME}` is filled from the checklist's own
 * variables or from `SHIPCHECK_VAR_NAME` in Shipcheck's environment, never from Shipcheck's settings
 * (DATABASE_URL, REDIS_URL, tokens, signing secrets), so a checklist cannot point a check at them.
 */
export const CHECK_VARIABLE_PREFIX = 'SHIPCHECK_VAR_';

/** How to give a check variable a value, for every message that says one is missing. */
export function howToSet(names: readonly string[]): string {
  const settings = names.map((name) => `${CHECK_VARIABLE_PREFIX}${name}`).join(', ');
  return `give ${names.length === 1 ? 'it' : 'them'} a value under the checklist's variables:, or set ${settings} in Shipcheck's environment`;
}

export function checkVariablesFrom(environment: NodeJS.ProcessEnv): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (!name.startsWith(CHECK_VARIABLE_PREFIX) || value === undefined) continue;
    const variable = name.slice(CHECK_VARIABLE_PREFIX.length);
    if (variable) variables[variable] = value;
  }
  return variables;
}

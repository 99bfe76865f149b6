import { howToSet } from '../checklist/checkVariables.js';
import type { CheckSpec } from '../checklist/types.js';
import type { CheckContext, CheckResult } from './types.js';

/** `substituted`: every value that filled a placeholder, so the check's output can be masked by value. */
export type Resolution =
  | { ok: true; spec: CheckSpec; substituted: string[] }
  | { ok: false; result: CheckResult };

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** A variable may itself hold placeholders (`APP_URL: https://${APP_HOST}`); this bounds the nesting. */
const MAX_DEPTH = 5;

/**
 * Fills the `${NAME}` placeholders in every string of a spec: from the checklist's variables first
 * (null there means "from the operator"), then from the operator's SHIPCHECK_VAR_* variables. A name set nowhere gives a
 * failed result that says where to set it, so no check ever runs against a half-filled target.
 */
export function resolveSpec(spec: CheckSpec, context: Pick<CheckContext, 'variables' | 'env'>): Resolution {
  const missing: string[] = [];
  const substituted = new Set<string>();
  const fill = (text: string, depth = 0): string =>
    text.replace(PLACEHOLDER, (placeholder, name: string) => {
      const value = lookupVariable(name, context);
      if (value === undefined) {
        if (!missing.includes(name)) missing.push(name);
        return placeholder;
      }
      const filled = depth < MAX_DEPTH ? fill(value, depth + 1) : value;
      substituted.add(filled);
      return filled;
    });

  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (typeof value === 'string') resolved[key] = fill(value);
    else if (Array.isArray(value))
      resolved[key] = value.map((entry: unknown) => (typeof entry === 'string' ? fill(entry) : entry));
    else if (value && typeof value === 'object' && key === 'headers')
      resolved[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, header]) => [
          name,
          typeof header === 'string' ? fill(header) : header,
        ]),
      );
    else resolved[key] = value;
  }

  if (missing.length > 0) {
    const names = missing.join(', ');
    const verb = missing.length === 1 ? 'is' : 'are';
    return {
      ok: false,
      result: {
        ok: false,
        value: null,
        latencyMs: 0,
        detail: `${names} ${verb} not set: ${howToSet(missing)}`,
      },
    };
  }
  return { ok: true, spec: resolved as CheckSpec, substituted: [...substituted] };
}

/** The value of one variable, or undefined when neither the checklist nor the environment sets it. */
function lookupVariable(name: string, context: Pick<CheckContext, 'variables' | 'env'>): string | undefined {
  const declared = Object.hasOwn(context.variables, name) ? context.variables[name] : null;
  if (declared) return declared;
  const fromEnv = context.env[name];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

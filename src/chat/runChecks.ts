import type { ChecklistItem, CheckSpec } from '../checklist/types.js';
import type { Actor, CheckOutcome, RunState } from '../runs/types.js';

/** Runs checks; the chat layer depends on this shape, not on the runner, so it can be replaced in tests. */
export interface CheckExecutor {
  run(
    entries: { key: string; spec: CheckSpec }[],
    variables: Record<string, string | null>,
  ): Promise<Map<string, { ok: boolean; value: string | null; latencyMs: number; detail: string }>>;
}

/** Shipcheck's own name in the audit trail, for what its checks record. */
export const BOT_ACTOR: Actor = { name: '@shipcheck', roles: null };

/** The items with a check in a scope: everything (null), a phase (`2`) or one item (`2.3`); or why none. */
export function itemsInScope(state: RunState, scope: string | null): ChecklistItem[] | string {
  const withChecks = state.checklist.items.filter((item) => item.check);
  if (scope === null) {
    return withChecks.length > 0 ? withChecks : `“${state.checklist.title}” has no automated checks.`;
  }
  const item = state.checklist.items.find((candidate) => candidate.ref === scope || candidate.key === scope);
  if (item) return item.check ? [item] : `item ${item.ref} has no automated check.`;
  const phase = state.checklist.phases.find((candidate) => candidate.ref === scope);
  if (!phase) return `there is no item or phase ${scope} in “${state.checklist.title}”.`;
  const inPhase = withChecks.filter((candidate) => candidate.phaseKey === phase.key);
  return inPhase.length > 0 ? inPhase : `phase ${phase.ref} has no automated checks.`;
}

export function outcomesOf(
  items: ChecklistItem[],
  results: Awaited<ReturnType<CheckExecutor['run']>>,
): CheckOutcome[] {
  return items.flatMap((item) => {
    const result = results.get(item.key);
    return result ? [{ ref: item.ref, ...result }] : [];
  });
}

/** "Ran 3 checks: 2 passed, 1 failed. 2.3: expected status 200, got 503." */
export function summarizeOutcomes(outcomes: CheckOutcome[]): string {
  const failed = outcomes.filter((outcome) => !outcome.ok);
  const head = `Ran ${outcomes.length} check${outcomes.length === 1 ? '' : 's'}: ${outcomes.length - failed.length} passed, ${failed.length} failed.`;
  return [head, ...failed.map((outcome) => `  ${outcome.ref}: ${outcome.detail}`)].join('\n');
}

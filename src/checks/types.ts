/** What the checks runner gives back for one check, and what it needs to run one. */

export interface CheckResult {
  ok: boolean;
  /** The measured value as text (`200`, `PONG`, `42`, `18` days), or null when nothing was measured. */
  value: string | null;
  latencyMs: number;
  /** One short sentence for chat: secrets masked, response bodies truncated. */
  detail: string;
}

export interface CheckContext {
  /** The checklist's front matter variables; null means "take it from the environment". */
  variables: Record<string, string | null>;
  env: Record<string, string | undefined>;
  /** Per-check budget: connecting, asking and reading the answer. */
  timeoutMs: number;
  /** Host names allowed even though they are link-local or cloud metadata endpoints. */
  allowedHosts: string[];
  signal?: AbortSignal;
}

/** What the runner hands each kind of check, once the spec is resolved and its host let through. */
export interface KindContext {
  /** Aborts at the per-check deadline, or when the caller cancels. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Milliseconds left of the budget. */
  remainingMs(): number;
  allowedHosts: string[];
  /** A DNS lookup for sockets that refuses link-local and metadata addresses. */
  lookup: import('node:net').LookupFunction;
}

import type { LookupFunction } from 'node:net';
import type { NetworkPolicy, Resolver } from './guard.js';
import type { OwnEndpoint } from './ownEndpoints.js';

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
  /** Ranges the operator denies to checks (SHIPCHECK_CHECK_DENY), on top of link-local and metadata. */
  deniedNetworks?: readonly string[];
  /** Shipcheck's own database and Redis: never reachable by a check with Shipcheck's login. */
  ownEndpoints?: readonly OwnEndpoint[];
  /** How host names are resolved; the system resolver unless a test injects one. */
  resolve?: Resolver;
  signal?: AbortSignal;
}

/** What the runner hands each kind of check, once the spec is resolved and its host let through. */
export interface KindContext {
  /** Aborts at the per-check deadline, or when the caller cancels. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Milliseconds left of the budget. */
  remainingMs(): number;
  /** Where this check may connect. */
  policy: NetworkPolicy;
  ownEndpoints: readonly OwnEndpoint[];
  /** A DNS lookup for sockets that connects only to addresses the policy vetted. */
  lookup: LookupFunction;
}

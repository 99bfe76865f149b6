import type { FrontMatterCheck } from './frontMatter.js';
import { normalizeOperator } from './kinds.js';
import type { CheckSpec, Target } from './types.js';

/** A check as declared in front matter (snake_case YAML) → the CheckSpec the runner takes. */
export function checkSpecFrom(definition: FrontMatterCheck): CheckSpec {
  switch (definition.kind) {
    case 'http':
      return {
        kind: 'http',
        method: definition.method.toUpperCase(),
        url: definition.url,
        expectStatus: definition.expect_status,
        jsonPath: definition.json_path,
        equals: definition.equals,
        bodyContains: definition.body_contains,
        maxLatencyMs: definition.max_latency_ms,
        followRedirects: definition.follow_redirects,
      };
    case 'redis':
      return {
        kind: 'redis',
        url: definition.url,
        command: definition.command.toUpperCase() as 'PING' | 'INFO',
        field: definition.field,
        target: definition.target ? targetFrom(definition.target) : undefined,
      };
    case 'websocket':
      return { kind: 'websocket', url: definition.url, send: definition.send, expect: definition.expect };
    case 'postgres':
      return {
        kind: 'postgres',
        url: definition.url,
        query: definition.query,
        target: definition.target ? targetFrom(definition.target) : undefined,
      };
    case 'tls':
      return { kind: 'tls', host: definition.host, port: definition.port, minDays: definition.min_days };
    case 'dns':
      return { kind: 'dns', name: definition.name, addresses: definition.addresses };
    case 'prometheus':
      return {
        kind: 'prometheus',
        server: definition.server,
        query: definition.query,
        target: targetFrom(definition.target),
      };
  }
}

/** `< 500ms`, `>= 30`, `0.01` (equals): the front matter's schema and targetFrom read it alike. */
export const THRESHOLD_TEXT = /^\s*(?:(<=|>=|<|>|=)\s*)?(-?\d+(?:\.\d+)?)(?:\s*([a-z%/]+))?\s*$/i;

/** The schema has already checked the shape. */
export function targetFrom(text: string): Target {
  const match = THRESHOLD_TEXT.exec(text);
  return {
    op: normalizeOperator(match?.[1] ?? '='),
    value: Number(match?.[2] ?? Number.NaN),
    unit: match?.[3] ? match[3].toLowerCase() : null,
    text: text.trim(),
  };
}

import type { Target } from '../checklist/types.js';
import { meets } from '../runs/values.js';

/**
 * Compares a measured number with a checklist target. A target with a unit is read in base units, the
 * way Redis, Prometheus and SQL report them: sizes in bytes (`512mb`), durations in seconds (`500ms`),
 * percentages as ratios (`1%` is 0.01). A target without a unit compares the number as it is.
 */

type Base = 'bytes' | 'seconds' | 'ratio';

/** Redis's own convention: `1k` is 1000 bytes, `1kb` is 1024. */
const BYTES: Record<string, number> = {
  b: 1,
  byte: 1,
  bytes: 1,
  k: 1e3,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
};

const SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  sec: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minutes: 60,
  h: 3600,
  hours: 3600,
};

export interface Comparison {
  ok: boolean;
  /** The measured value for people: `1.1 MB`, `420 ms`, `0.4%`, `42`. */
  shown: string;
  /** `< 512mb`. */
  target: string;
}

export function compareWithTarget(measured: number, target: Target): Comparison {
  const { value, base } = inBaseUnits(target);
  const ok = Number.isFinite(value) && !Number.isNaN(measured) && meets(measured, { ...target, value });
  return { ok, shown: formatMeasured(measured, base), target: target.text };
}

function inBaseUnits(target: Target): { value: number; base: Base | null } {
  const unit = target.unit?.toLowerCase() ?? null;
  if (!unit) return { value: target.value, base: null };
  if (unit === '%') return { value: target.value / 100, base: 'ratio' };
  const bytes = BYTES[unit];
  if (bytes !== undefined) return { value: target.value * bytes, base: 'bytes' };
  const seconds = SECONDS[unit];
  if (seconds !== undefined) return { value: target.value * seconds, base: 'seconds' };
  return { value: target.value, base: null };
}

function formatMeasured(value: number, base: Base | null): string {
  if (!Number.isFinite(value)) return String(value);
  switch (base) {
    case 'bytes': {
      const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
      let scaled = value;
      let index = 0;
      while (Math.abs(scaled) >= 1024 && index < units.length - 1) {
        scaled /= 1024;
        index++;
      }
      return `${round(scaled)} ${units[index]}`;
    }
    case 'seconds':
      return Math.abs(value) < 1 ? `${round(value * 1000)} ms` : `${round(value)} s`;
    case 'ratio':
      return `${round(value * 100)}%`;
    case null:
      return String(round(value));
  }
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
}

/** `1048576`, `1.05M`, `12.5K` (Redis `*_human` fields, 1024-based) → a number; NaN when not numeric. */
export function parseNumber(text: string): number {
  const match = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([KMGTP])?B?$/i.exec(text.trim());
  if (!match) {
    const special = text.trim().toLowerCase();
    if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
    if (special === '-inf') return Number.NEGATIVE_INFINITY;
    return Number.NaN;
  }
  const number = Number(match[1]);
  const suffix = match[2]?.toUpperCase();
  const scale = suffix ? 1024 ** ('KMGTP'.indexOf(suffix) + 1) : 1;
  return number * scale;
}

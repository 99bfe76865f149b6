/**
 * Wall-clock time in IANA time zones, from the zone data Node's Intl carries. Pure: an instant and a
 * zone name in, calendar parts or an instant out. Formatters are cached per zone.
 */

/** A local calendar date and time; month 1–12, weekday 0 = Sunday … 6 = Saturday. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** A local date and time to place in a zone; `second` defaults to 0. */
export interface LocalInput {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

const MS_PER_DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows the zone (`Europe/Madrid`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time of `at` in `timeZone` (seconds precision). */
export function localPartsOf(at: Date, timeZone: string): LocalDateTime {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) fields[part.type] = part.value;
  const yearOfEra = Number(fields.year);
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - yearOfEra : yearOfEra;
  const month = Number(fields.month);
  const day = Number(fields.day);
  return {
    year,
    month,
    day,
    hour: Number(fields.hour) % 24,
    minute: Number(fields.minute),
    second: Number(fields.second),
    weekday: weekdayOfDay(dayNumberOf(year, month, day)),
  };
}

/** Milliseconds the zone is ahead of UTC at `at` (Madrid in summer: 7,200,000). */
export function offsetAt(at: Date | number, timeZone: string): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  const whole = Math.floor(ms / 1000) * 1000;
  const local = localPartsOf(new Date(whole), timeZone);
  return wallClockMs(local) - whole;
}

/**
 * The UTC instant at which the wall clock in `timeZone` shows `local`. A time skipped by a forward
 * change (02:30 on a spring-forward night) gives the first instant after the gap, i.e. the moment of
 * the change; a time shown twice (02:30 on a fall-back night) gives the earlier of the two.
 */
export function instantOfLocal(local: LocalInput, timeZone: string): Date {
  const wanted = wallClockMs(local);
  const offsets = new Set<number>();
  for (const probe of [wanted - MS_PER_DAY, wanted, wanted + MS_PER_DAY])
    offsets.add(offsetAt(probe, timeZone));
  const valid = [...offsets]
    .map((offset) => wanted - offset)
    .filter((candidate) => wallClockMs(localPartsOf(new Date(candidate), timeZone)) === wanted)
    .sort((a, b) => a - b);
  if (valid[0] !== undefined) return new Date(valid[0]);
  // In a gap: the change happens between the instant read with the later offset and the one read
  // with the earlier offset; find it to the second.
  const before = offsetAt(wanted - MS_PER_DAY, timeZone);
  const after = offsetAt(wanted + MS_PER_DAY, timeZone);
  let low = Math.min(wanted - before, wanted - after); // still before the change
  let high = Math.max(wanted - before, wanted - after); // already after it
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (wallClockMs(localPartsOf(new Date(middle), timeZone)) > wanted) high = middle;
    else low = middle;
  }
  return new Date(high);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
export function dayNumberOf(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

/** The date of a day number. */
export function dateOfDay(dayNumber: number): { year: number; month: number; day: number } {
  const date = new Date(dayNumber * MS_PER_DAY);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOfDay(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

function wallClockMs(local: LocalInput): number {
  const date = new Date(0);
  date.setUTCFullYear(local.year, local.month - 1, local.day);
  date.setUTCHours(local.hour, local.minute, local.second ?? 0, 0);
  return date.getTime();
}

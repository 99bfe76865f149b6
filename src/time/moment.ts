/**
 * How a time is said to a person: the clock time alone when it is today, with the day when it is not
 * ("Tue 8 Dec 14:02 UTC"), with the year when that differs too. "Today" is the day of `now` in the run's
 * time zone, so a phase due tomorrow at 02:00 never reads as if it were due in a few minutes.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface Parts {
  year: string;
  month: string;
  day: string;
  weekday: string;
  hour: string;
  minute: string;
  zone: string;
}

function partsOf(at: Date, timeZone: string): Parts {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  return {
    year: parts.year ?? '',
    month: parts.month ?? '',
    day: parts.day ?? '',
    weekday: parts.weekday ?? '',
    hour: parts.hour ?? '',
    minute: parts.minute ?? '',
    zone: timeZone === 'UTC' ? 'UTC' : (parts.timeZoneName ?? timeZone),
  };
}

/** True when Node's zone data knows the name (`Europe/Berlin`, `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function formatMoment(at: Date, now: Date, timeZone = 'UTC'): string {
  const when = partsOf(at, timeZone);
  const today = partsOf(now, timeZone);
  const clock = `${when.hour}:${when.minute} ${when.zone}`;
  if (when.year === today.year && when.month === today.month && when.day === today.day) return clock;
  if (when.year === today.year) return `${when.weekday} ${when.day} ${when.month} ${clock}`;
  return `${when.day} ${when.month} ${when.year} ${clock}`;
}

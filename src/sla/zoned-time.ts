/**
 * Wall-clock time in an IANA zone, from the Intl API alone (no time-zone library): the offset in
 * force at an instant, and the instants at which it changes (daylight saving time).
 */
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether Intl knows the zone (a misspelt zone would otherwise fail at first use). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall-clock time at `instantMs` in `timeZone`, as milliseconds since the epoch of a UTC clock
 * showing the same date and time ("local as if UTC"); local − instant is the zone's offset.
 */
export function wallClock(timeZone: string, instantMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instantMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  // Intl drops the milliseconds; keep them so that wall − instant is an exact offset.
  return wall + (((instantMs % 1000) + 1000) % 1000);
}

export function offsetAt(timeZone: string, instantMs: number): number {
  return wallClock(timeZone, instantMs) - instantMs;
}

/** A stretch of time with one offset: the wall clock there is instant + offset. */
export type OffsetSpan = { readonly from: number; readonly to: number; readonly offset: number };

/**
 * Splits [from, to) where the offset changes. Zones change offset at most a few times a year, so a
 * window of a couple of days holds at most one change: equal offsets at both ends mean none (two
 * changes that cancel out within the window exist in no zone's rules since 1970).
 */
export function offsetSpans(timeZone: string, from: number, to: number): OffsetSpan[] {
  const first = offsetAt(timeZone, from);
  const last = offsetAt(timeZone, to - 1);
  if (first === last) return [{ from, to, offset: first }];
  // Bisect to the first millisecond with the new offset (about 28 steps over two days).
  let before = from;
  let change = to - 1;
  while (change - before > 1) {
    const middle = Math.floor((before + change) / 2);
    if (offsetAt(timeZone, middle) === first) before = middle;
    else change = middle;
  }
  return [{ from, to: change, offset: first }, ...offsetSpans(timeZone, change, to)];
}

/** Days since 1970-01-01 of a local date "YYYY-MM-DD". */
export function dayNumber(isoDate: string): number {
  return Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS;
}

/** 0 = Sunday … 6 = Saturday, of a day number. */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export { DAY_MS, MINUTE_MS };

import { z } from 'zod';
import { AppError } from '../errors.ts';
import { DAY_MS, dayNumber, isTimeZone, MINUTE_MS, offsetSpans, weekdayOf, type OffsetSpan } from './zoned-time.ts';

/**
 * A tenant's business calendar and the arithmetic SLA clocks are built on. A minute is business
 * time when its wall-clock time in the calendar's zone falls in a working interval of its weekday
 * and its local date is not a holiday. Across daylight saving time this is taken literally: the
 * hour that does not exist on the spring-forward day is not worked, the repeated hour of the
 * fall-back day is worked twice when it lies within working hours.
 */
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const time = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time HH:MM between 00:00 and 24:00');
const interval = z
  .object({ start: time, end: time })
  .strict()
  .refine((i) => i.end > i.start, { message: 'must be later than start', path: ['end'] });
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a date of the calendar');

const weekShape = Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(interval).default([])])) as Record<Weekday, z.ZodDefault<z.ZodArray<typeof interval>>>;

export const businessCalendarSchema = z
  .object({
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris'),
    week: z.object(weekShape).strict(),
    holidays: z.array(isoDate).default([]),
  })
  .strict()
  .superRefine((calendar, ctx) => {
    for (const day of WEEKDAYS) {
      const sorted = calendar.week[day].map((i, index) => ({ ...i, index })).sort((a, b) => a.start.localeCompare(b.start));
      for (let k = 1; k < sorted.length; k++) {
        if (sorted[k]!.start < sorted[k - 1]!.end) {
          ctx.addIssue({ code: 'custom', path: ['week', day, sorted[k]!.index, 'start'], message: `overlaps ${sorted[k - 1]!.start}–${sorted[k - 1]!.end}` });
        }
      }
    }
    if (WEEKDAYS.every((day) => calendar.week[day].length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['week'], message: 'must have at least one working interval' });
    }
  });

export type BusinessCalendarInput = z.input<typeof businessCalendarSchema>;

/** Minutes since local midnight, [start, end). */
type Interval = { readonly start: number; readonly end: number };

export type BusinessCalendar = {
  readonly timeZone: string;
  /** Indexed by weekday, 0 = Sunday; each day's intervals sorted. */
  readonly week: readonly (readonly Interval[])[];
  /** Local dates, as days since 1970-01-01. */
  readonly holidays: ReadonlySet<number>;
};

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Validates a calendar; a bad one is a VALIDATION_FAILED naming the field (`week.monday[1].end`). */
export function parseBusinessCalendar(input: unknown): BusinessCalendar {
  const parsed = businessCalendarSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${String(key)}` : String(key)), '');
    throw new AppError('VALIDATION_FAILED', `Business calendar: ${field || 'calendar'} ${issue.message}.`, field || undefined);
  }
  const { timeZone, week, holidays } = parsed.data;
  return {
    timeZone,
    week: WEEKDAYS.map((day) => week[day].map((i) => ({ start: minutesOf(i.start), end: minutesOf(i.end) })).sort((a, b) => a.start - b.start)),
    holidays: new Set(holidays.map(dayNumber)),
  };
}

/** Working time as instants (ms since the epoch), [start, end). */
type Segment = { start: number; end: number };

// The offsets around a local day depend on the zone only: shared by every calendar in that zone.
const spanCache = new Map<string, Map<number, OffsetSpan[]>>();
const SPAN_CACHE_DAYS = 20_000;

/** The instants whose local date may be `day`: offsets range from −12 h to +14 h. */
function spansAround(timeZone: string, day: number): OffsetSpan[] {
  let zone = spanCache.get(timeZone);
  if (!zone) spanCache.set(timeZone, (zone = new Map()));
  let spans = zone.get(day);
  if (!spans) {
    if (zone.size >= SPAN_CACHE_DAYS) zone.clear();
    spans = offsetSpans(timeZone, day * DAY_MS - 14 * 3_600_000, (day + 1) * DAY_MS + 12 * 3_600_000);
    zone.set(day, spans);
  }
  return spans;
}

/** The local date of an instant, from the cached offsets (no Intl call once the day is cached). */
function localDayOf(timeZone: string, instant: number): number {
  const span = spansAround(timeZone, Math.floor(instant / DAY_MS)).find((s) => s.from <= instant && instant < s.to)!;
  return Math.floor((instant + span.offset) / DAY_MS);
}

/** The working time of one local date, in instant order (adjacent pieces merged). */
export function businessSegments(calendar: BusinessCalendar, day: number): Segment[] {
  const intervals = calendar.week[weekdayOf(day)]!;
  if (intervals.length === 0 || calendar.holidays.has(day)) return [];
  const segments: Segment[] = [];
  for (const span of spansAround(calendar.timeZone, day)) {
    for (const interval of intervals) {
      // Within one span, wall clock = instant + offset: invert it, then keep what lies in the span.
      const start = Math.max(span.from, day * DAY_MS + interval.start * MINUTE_MS - span.offset);
      const end = Math.min(span.to, day * DAY_MS + interval.end * MINUTE_MS - span.offset);
      if (start >= end) continue;
      const last = segments.at(-1);
      if (last && last.end === start) last.end = end;
      else segments.push({ start, end });
    }
  }
  return segments;
}

export function isBusinessTime(calendar: BusinessCalendar, at: Date): boolean {
  const t = at.getTime();
  return businessSegments(calendar, localDayOf(calendar.timeZone, t)).some((s) => s.start <= t && t < s.end);
}

// A due date further than this is a configuration error (a calendar whose holidays cover years).
const MAX_DAYS = 366 * 5;

/**
 * The instant at which `minutes` of business time have passed since `from`: the earliest `t` with
 * businessMinutesBetween(from, t) = minutes. Friday 16:30 + 60 min (Mon–Fri 09:00–17:00) is
 * Monday 09:30; a target ending exactly at closing time is that closing time.
 */
export function addBusinessMinutes(calendar: BusinessCalendar, from: Date, minutes: number): Date {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number ≥ 0, not ${minutes}`);
  if (minutes === 0) return new Date(from);
  const t0 = from.getTime();
  let remaining = minutes * MINUTE_MS;
  // From the day before: just after a fall-back across midnight, the clock may still show it.
  const firstDay = localDayOf(calendar.timeZone, t0) - 1;
  for (let day = firstDay; day < firstDay + MAX_DAYS; day++) {
    for (const segment of businessSegments(calendar, day)) {
      if (segment.end <= t0) continue;
      const start = Math.max(segment.start, t0);
      if (remaining <= segment.end - start) return new Date(start + remaining);
      remaining -= segment.end - start;
    }
  }
  throw new AppError('VALIDATION_FAILED', `Business calendar: no ${minutes} business minutes within ${MAX_DAYS} days of ${from.toISOString()}.`, 'holidays');
}

/** Business minutes in [from, to); negative when `to` is before `from`. Fractions of minutes count. */
export function businessMinutesBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b < a) return -businessMinutesBetween(calendar, to, from);
  let total = 0;
  const last = localDayOf(calendar.timeZone, b) + 1;
  for (let day = localDayOf(calendar.timeZone, a) - 1; day <= last; day++) {
    for (const segment of businessSegments(calendar, day)) {
      const overlap = Math.min(segment.end, b) - Math.max(segment.start, a);
      if (overlap > 0) total += overlap;
    }
  }
  return total / MINUTE_MS;
}

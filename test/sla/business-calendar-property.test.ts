import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  isBusinessTime,
  parseBusinessCalendar,
  WEEKDAYS,
  type BusinessCalendarInput,
} from '../../src/sla/business-calendar.ts';
import { referenceAdd, referenceBetween, referenceIsBusiness } from './reference-calendar.ts';

/**
 * The day-stepping implementation against the minute-by-minute reference, on random calendars in
 * zones with daylight saving time in either hemisphere, half-hour and 45-minute offsets, a 30-minute
 * DST shift (Lord Howe) and changes at midnight (Santiago), around the days the clocks change.
 * Ranges stay within a few days so the reference stays fast.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;
const ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'];
// Days on which at least one of the zones changes its clocks (2024–2025).
const CHANGE_DAYS = ['2024-03-10', '2024-03-31', '2024-04-07', '2024-09-08', '2024-10-06', '2024-10-27', '2024-11-03', '2025-03-09', '2025-03-30', '2025-04-06', '2025-10-05', '2025-10-26', '2025-11-02'];

const hhmm = (quarter: number) => `${String(Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;

/** 0–2 non-overlapping intervals on a quarter-hour grid, 00:00 to 24:00. */
const dayIntervals = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 4 })
  .map((bounds) => {
    const sorted = [...bounds].sort((a, b) => a - b);
    const intervals = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) intervals.push({ start: hhmm(sorted[i]!), end: hhmm(sorted[i + 1]!) });
    return intervals;
  });

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const scenario = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    week: fc.tuple(...WEEKDAYS.map(() => dayIntervals)),
    anchor: fc.constantFrom(...CHANGE_DAYS),
    fromMinute: fc.integer({ min: -3 * 1440, max: 3 * 1440 }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -3, max: 3 }), { maxLength: 2 }),
  })
  .filter((s) => s.week.some((intervals) => intervals.length > 0))
  .map((s) => {
    const anchor = Date.parse(`${s.anchor}T00:00:00Z`);
    const calendar: BusinessCalendarInput = {
      timeZone: s.timeZone,
      week: Object.fromEntries(WEEKDAYS.map((day, i) => [day, s.week[i]!])),
      holidays: s.holidayOffsets.map((d) => isoDay(anchor + d * DAY)),
    };
    return { calendar, from: anchor + s.fromMinute * MINUTE };
  });

const RUNS = { numRuns: 60 };

const weeklyMinutes = (calendar: BusinessCalendarInput) =>
  WEEKDAYS.flatMap((day) => calendar.week[day] ?? []).reduce((sum, i) => sum + minutesOf(i.end) - minutesOf(i.start), 0);
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

describe('business calendar against the minute-by-minute reference', () => {
  it('counts the same business minutes between two instants', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 3 * 1440 }), ({ calendar, from }, length) => {
        const to = from + length * MINUTE;
        assert.equal(businessMinutesBetween(parseBusinessCalendar(calendar), new Date(from), new Date(to)), referenceBetween(calendar, from, to));
      }),
      RUNS,
    );
  });

  it('finds the same due date', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 900 }), ({ calendar, from }, minutes) => {
        const expected = referenceAdd(calendar, from, minutes, 6 * 1440);
        fc.pre(expected !== undefined);
        assert.equal(addBusinessMinutes(parseBusinessCalendar(calendar), new Date(from), minutes).getTime(), expected);
      }),
      RUNS,
    );
  });

  it('agrees on whether each minute is business time', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.integer({ min: 0, max: 2 * 1440 }), { minLength: 1, maxLength: 50 }), ({ calendar, from }, offsets) => {
        const parsed = parseBusinessCalendar(calendar);
        for (const offset of offsets) {
          const t = from + offset * MINUTE;
          assert.equal(isBusinessTime(parsed, new Date(t)), referenceIsBusiness(calendar, t), new Date(t).toISOString());
        }
      }),
      { numRuns: 100 },
    );
  });

  it('measures back exactly the minutes it added, over weeks, at any second', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 59_999 }), fc.double({ min: 0, max: 8, noNaN: true }), ({ calendar, from }, ms, weeks) => {
        // Up to eight weeks' worth of the calendar's own working time, however sparse it is.
        const minutes = Math.floor(weeks * weeklyMinutes(calendar));
        const parsed = parseBusinessCalendar(calendar);
        const start = new Date(from + ms);
        const due = addBusinessMinutes(parsed, start, minutes);
        assert.ok(due >= start);
        assert.equal(businessMinutesBetween(parsed, start, due), minutes);
      }),
      { numRuns: 200 },
    );
  });
});

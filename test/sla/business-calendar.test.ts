import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.ts';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  isBusinessTime,
  parseBusinessCalendar,
  type BusinessCalendarInput,
} from '../../src/sla/business-calendar.ts';

const nineToFive = [{ start: '09:00', end: '17:00' }];
const officeWeek = { monday: nineToFive, tuesday: nineToFive, wednesday: nineToFive, thursday: nineToFive, friday: nineToFive };
const paris = parseBusinessCalendar({ timeZone: 'Europe/Paris', week: officeWeek });
const at = (iso: string) => new Date(iso);

function validationField(input: unknown): string | undefined {
  try {
    parseBusinessCalendar(input);
  } catch (error) {
    assert.ok(error instanceof AppError && error.code === 'VALIDATION_FAILED', String(error));
    return error.field;
  }
  assert.fail('the calendar was accepted');
}

describe('business calendar arithmetic', () => {
  it('carries Friday 16:30 + 60 business minutes over the weekend to Monday 09:30', () => {
    // 2025-01-10 is a Friday; Paris is UTC+1 in winter.
    assert.equal(addBusinessMinutes(paris, at('2025-01-10T15:30:00Z'), 60).toISOString(), '2025-01-13T08:30:00.000Z');
  });

  it('ends a target that fills the day exactly at closing time, not at the next opening', () => {
    assert.equal(addBusinessMinutes(paris, at('2025-01-10T15:00:00Z'), 60).toISOString(), '2025-01-10T16:00:00.000Z');
  });

  it('starts counting at the next opening when the clock starts out of hours', () => {
    assert.equal(addBusinessMinutes(paris, at('2025-01-11T10:00:00Z'), 30).toISOString(), '2025-01-13T08:30:00.000Z');
    assert.equal(addBusinessMinutes(paris, at('2025-01-11T10:00:00Z'), 0).toISOString(), '2025-01-11T10:00:00.000Z');
  });

  it('skips a holiday on Monday (Easter Monday 2025) in summer time', () => {
    const withEaster = parseBusinessCalendar({ timeZone: 'Europe/Paris', week: officeWeek, holidays: ['2025-04-21'] });
    // Friday 18 April 16:30 CEST + 60 min: Tuesday 22 April 09:30 CEST.
    assert.equal(addBusinessMinutes(withEaster, at('2025-04-18T14:30:00Z'), 60).toISOString(), '2025-04-22T07:30:00.000Z');
    assert.equal(businessMinutesBetween(withEaster, at('2025-04-18T00:00:00Z'), at('2025-04-23T00:00:00Z')), 2 * 480);
  });

  it('skips the lunch break of a split day', () => {
    const split = parseBusinessCalendar({
      timeZone: 'Asia/Kolkata',
      week: { monday: [{ start: '13:00', end: '17:00' }, { start: '08:00', end: '12:00' }] },
    });
    // Monday 2025-01-06 11:30 IST (UTC+05:30) + 60 min: 13:30 IST.
    assert.equal(addBusinessMinutes(split, at('2025-01-06T06:00:00Z'), 60).toISOString(), '2025-01-06T08:00:00.000Z');
    assert.equal(isBusinessTime(split, at('2025-01-06T06:45:00Z')), false, '12:15 IST is lunch');
    assert.equal(isBusinessTime(split, at('2025-01-06T02:30:00Z')), true, '08:00 IST is open');
  });

  it('does not count the hour skipped on a spring-forward day (New York, 9 March 2025)', () => {
    const night = parseBusinessCalendar({ timeZone: 'America/New_York', week: { sunday: [{ start: '01:00', end: '04:00' }] } });
    // 01:00 EST is 06:00Z; 02:00–03:00 does not exist; 04:00 EDT is 08:00Z.
    assert.equal(businessMinutesBetween(night, at('2025-03-09T00:00:00Z'), at('2025-03-10T00:00:00Z')), 120);
    assert.equal(addBusinessMinutes(night, at('2025-03-09T06:30:00Z'), 60).toISOString(), '2025-03-09T07:30:00.000Z');
  });

  it('counts the repeated hour twice on a fall-back day (New York, 2 November 2025)', () => {
    const night = parseBusinessCalendar({ timeZone: 'America/New_York', week: { sunday: [{ start: '01:00', end: '03:00' }] } });
    assert.equal(businessMinutesBetween(night, at('2025-11-02T00:00:00Z'), at('2025-11-03T00:00:00Z')), 180);
  });

  it('has 23 hours on the spring-forward day and 25 on the fall-back day (Paris and Sydney)', () => {
    const allDay = Object.fromEntries(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
    const parisAll = parseBusinessCalendar({ timeZone: 'Europe/Paris', week: allDay });
    assert.equal(businessMinutesBetween(parisAll, at('2025-03-29T23:00:00Z'), at('2025-03-30T22:00:00Z')), 23 * 60);
    assert.equal(businessMinutesBetween(parisAll, at('2025-10-25T22:00:00Z'), at('2025-10-26T23:00:00Z')), 25 * 60);
    const sydney = parseBusinessCalendar({ timeZone: 'Australia/Sydney', week: allDay });
    // Sydney leaves summer time on 6 April 2025 (03:00 → 02:00) and enters it on 5 October 2025.
    assert.equal(businessMinutesBetween(sydney, at('2025-04-05T13:00:00Z'), at('2025-04-06T14:00:00Z')), 25 * 60);
    assert.equal(businessMinutesBetween(sydney, at('2025-10-04T14:00:00Z'), at('2025-10-05T13:00:00Z')), 23 * 60);
  });

  it('keeps office hours in local time across a change: 09:00 is 08:00Z in winter and 07:00Z in summer', () => {
    // Friday 28 March 16:30 CET + 60: Monday 31 March 09:30 CEST.
    assert.equal(addBusinessMinutes(paris, at('2025-03-28T15:30:00Z'), 60).toISOString(), '2025-03-31T07:30:00.000Z');
  });

  it('is antisymmetric and counts fractions of a minute', () => {
    const from = at('2025-01-06T08:00:00Z');
    const to = at('2025-01-06T08:00:30Z');
    assert.equal(businessMinutesBetween(paris, from, to), 0.5);
    assert.equal(businessMinutesBetween(paris, to, from), -0.5);
  });

  it('refuses a negative duration', () => {
    assert.throws(() => addBusinessMinutes(paris, at('2025-01-06T08:00:00Z'), -1), RangeError);
  });
});

describe('business calendar validation', () => {
  const valid: BusinessCalendarInput = { timeZone: 'Europe/Paris', week: officeWeek, holidays: ['2025-12-25'] };

  it('accepts a well-formed calendar', () => {
    assert.equal(parseBusinessCalendar(valid).holidays.size, 1);
  });

  it('names the time zone when it is not an IANA zone', () => {
    assert.equal(validationField({ ...valid, timeZone: 'Europe/Pariss' }), 'timeZone');
  });

  it('names the interval whose end is not after its start', () => {
    assert.equal(validationField({ ...valid, week: { monday: [{ start: '17:00', end: '09:00' }] } }), 'week.monday[0].end');
    assert.equal(validationField({ ...valid, week: { monday: [{ start: '09:00', end: '09:00' }] } }), 'week.monday[0].end');
  });

  it('names the interval that overlaps another of the same day', () => {
    const week = { tuesday: [{ start: '08:00', end: '12:00' }, { start: '11:00', end: '17:00' }] };
    assert.equal(validationField({ ...valid, week }), 'week.tuesday[1].start');
  });

  it('names malformed times, dates and weekdays', () => {
    assert.equal(validationField({ ...valid, week: { monday: [{ start: '9:00', end: '17:00' }] } }), 'week.monday[0].start');
    assert.equal(validationField({ ...valid, week: { monday: [{ start: '09:00', end: '24:30' }] } }), 'week.monday[0].end');
    assert.equal(validationField({ ...valid, holidays: ['2025-02-30'] }), 'holidays[0]');
    assert.equal(validationField({ ...valid, week: { mon: nineToFive } }), 'week');
  });

  it('refuses a week without any working time', () => {
    assert.equal(validationField({ ...valid, week: {} }), 'week');
  });
});

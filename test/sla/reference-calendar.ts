import type { BusinessCalendarInput, Weekday } from '../../src/sla/business-calendar.ts';

/**
 * The obvious, slow definition the real implementation is checked against: look at every minute's
 * wall clock (through Intl, with its own formatter) and ask whether it is a working minute.
 */
const MINUTE = 60_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function wall(timeZone: string, instant: number): { date: string; time: string; weekday: Weekday } {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', weekday: 'long', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, weekday: p.weekday!.toLowerCase() as Weekday };
}

export function referenceIsBusiness(calendar: BusinessCalendarInput, instant: number): boolean {
  const { date, time, weekday } = wall(calendar.timeZone, instant);
  if (calendar.holidays?.includes(date)) return false;
  return (calendar.week[weekday] ?? []).some((i) => i.start <= time && time < i.end);
}

/** Business minutes in [from, to), both on whole minutes. */
export function referenceBetween(calendar: BusinessCalendarInput, from: number, to: number): number {
  let count = 0;
  for (let t = from; t < to; t += MINUTE) if (referenceIsBusiness(calendar, t)) count++;
  return count;
}

/** The end of the `minutes`-th business minute from `from`; undefined past `limitMinutes`. */
export function referenceAdd(calendar: BusinessCalendarInput, from: number, minutes: number, limitMinutes: number): number | undefined {
  let count = 0;
  let t = from;
  while (count < minutes) {
    if (t - from > limitMinutes * MINUTE) return undefined;
    if (referenceIsBusiness(calendar, t)) count++;
    t += MINUTE;
  }
  return t;
}

import { performance } from 'node:perf_hooks';
import { addBusinessMinutes, businessMinutesBetween, parseBusinessCalendar, type BusinessCalendar } from '../src/sla/business-calendar.ts';
import { isMain, parseArgs } from './support/args.ts';
import { seededInts, summarize, table } from './support/stats.ts';

/**
 * Business-hours arithmetic as an overdue sweep calls it: due dates (4 h, 1 day, 3 days of business
 * time) and elapsed business minutes over up to two weeks, from start instants spread over two years
 * in four zones. "cold" is the first pass over those instants (the per-zone offset cache is empty
 * for most days), "warm" the passes after it. Figures are calls per second, median of the rounds.
 */
const ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];
const DAY_MS = 86_400_000;

function calendars(): BusinessCalendar[] {
  const split = [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:30' }];
  const week = { monday: split, tuesday: split, wednesday: split, thursday: split, friday: [{ start: '08:00', end: '16:00' }] };
  return ZONES.map((timeZone) => parseBusinessCalendar({ timeZone, week, holidays: ['2025-01-01', '2025-05-01', '2025-12-25', '2026-01-01'] }));
}

export type CalendarBenchResult = { rows: string[][] };

export function runBusinessCalendar(options: { calls: number; rounds: number }): CalendarBenchResult {
  const cals = calendars();
  const next = seededInts(11);
  const starts = Array.from({ length: options.calls }, () => Date.UTC(2025, 0, 1) + next(730) * DAY_MS + next(1440) * 60_000);
  const cases: [string, (cal: BusinessCalendar, t: number, i: number) => unknown][] = [
    ['addBusinessMinutes 240 min', (cal, t) => addBusinessMinutes(cal, new Date(t), 240)],
    ['addBusinessMinutes 510 min (1 day)', (cal, t) => addBusinessMinutes(cal, new Date(t), 510)],
    ['addBusinessMinutes 1530 min (3 days)', (cal, t) => addBusinessMinutes(cal, new Date(t), 1530)],
    ['businessMinutesBetween ≤ 14 days', (cal, t, i) => businessMinutesBetween(cal, new Date(t), new Date(t + (i % 14) * DAY_MS + 3_600_000))],
  ];
  const rows: string[][] = [];
  for (const [name, call] of cases) {
    const perSecond: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const began = performance.now();
      for (let i = 0; i < starts.length; i++) call(cals[i % cals.length]!, starts[i]!, i);
      perSecond.push(starts.length / ((performance.now() - began) / 1000));
    }
    const [cold, ...warm] = perSecond;
    rows.push([name, Math.round(cold!).toLocaleString('en'), Math.round(summarize(warm).median).toLocaleString('en')]);
  }
  return { rows };
}

export function reportBusinessCalendar(result: CalendarBenchResult): string {
  return ['## Business-hours arithmetic (calls per second)', '', table(['call', 'cold (first pass)', 'warm (median)'], result.rows)].join('\n');
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  console.log(reportBusinessCalendar(runBusinessCalendar({ calls: args.int('calls', 20_000), rounds: args.int('rounds', 6) })));
}

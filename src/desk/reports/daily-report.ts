import { sql } from 'kysely';
import { aggregateObjects } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { localDate, reportContext, reportRange, type ReportQuery } from './report-scope.ts';

export type DailyCounts = { date: string; created: number; resolved: number };
export type DailyReport = { from: Date; to: Date; timeZone: string; days: DailyCounts[] };

/** Tickets created and resolved per local day of `timeZone` within the range, every day listed. */
export async function dailyReport(desk: DeskContext, query: ReportQuery): Promise<DailyReport> {
  const range = reportRange(query);
  const { from, to, timeZone } = range;
  const ctx = reportContext(desk, query.tenantId);
  type Count = { day: string; what: 'created' | 'resolved'; n: number };
  const answers = await aggregateObjects(ctx, 'ticket', async (tx, rows) =>
    (await sql<Count>`
      select to_char(created_at at time zone ${timeZone}, 'YYYY-MM-DD') as day, 'created' as what, count(*)::integer as n
      from tickets where ${rows} and created_at >= ${from} and created_at < ${to} group by 1
      union all
      select to_char(resolved_at at time zone ${timeZone}, 'YYYY-MM-DD'), 'resolved', count(*)::integer
      from tickets where ${rows} and resolved_at >= ${from} and resolved_at < ${to} group by 1`.execute(tx)).rows,
  );
  const days = new Map<string, DailyCounts>();
  // Every local day the range touches, empty ones included (a chart needs its zeros).
  const last = localDate(timeZone, new Date(to.getTime() - 1));
  for (let day = Date.parse(`${localDate(timeZone, from)}T00:00:00Z`); ; day += 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10);
    if (date > last) break;
    days.set(date, { date, created: 0, resolved: 0 });
  }
  for (const { day, what, n } of answers.flat()) {
    const entry = days.get(day) ?? { date: day, created: 0, resolved: 0 };
    entry[what] += n;
    days.set(day, entry);
  }
  return { from, to, timeZone, days: [...days.values()].sort((a, b) => a.date.localeCompare(b.date)) };
}

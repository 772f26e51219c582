import { Cron } from 'croner';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { enqueue } from './enqueue.ts';
import type { Schedule } from './job-type.ts';

/** The name a schedule is recorded under: one schedule per job type. */
export const scheduleName = (schedule: Schedule<unknown>) => schedule.type.name;

/** Checks a cron expression (and zone) up front, so a bad one fails at start-up, not at its first tick. */
export function cronOf(schedule: Schedule<unknown>): Cron {
  try {
    return new Cron(schedule.cron, { timezone: schedule.timeZone ?? 'UTC', paused: true });
  } catch (error) {
    throw new Error(`Schedule of job "${scheduleName(schedule)}": invalid cron "${schedule.cron}": ${(error as Error).message}`);
  }
}

/** Each schedule's parsed expression: parsing it again at every poll cost a server 4 % of a core (issue 25). */
const crons = new WeakMap<Schedule<unknown>, Cron>();
const cronFor = (schedule: Schedule<unknown>) => crons.get(schedule) ?? crons.set(schedule, cronOf(schedule)).get(schedule)!;

/**
 * When a runner may next find each schedule due (by name): the next period after the last firing it
 * saw. Another runner's firing only moves the real one later, so no schedule is looked at in the
 * database before its time, and a poll costs no transaction per schedule while none is due.
 */
export type ScheduleClock = Map<string, Date>;

/**
 * Enqueues the installation job of every schedule whose next period has come, in the pool. The
 * schedule's row is locked while it is advanced, so however many runners look at the same moment,
 * one of them fires it and the others see it already fired. Periods missed while no runner was up
 * fire once, not once each. The job's key is the period it fires for. `clock` (a runner's own)
 * skips the schedules not due yet by what this runner last saw.
 */
export async function fireDueSchedules(pool: Database, schedules: readonly Schedule<unknown>[], now = new Date(), clock?: ScheduleClock): Promise<string[]> {
  const fired: string[] = [];
  for (const schedule of schedules) {
    const name = scheduleName(schedule);
    if (clock && (clock.get(name) ?? now) > now) continue;
    const cron = cronFor(schedule);
    const due = await pool.system.transaction().execute(async (tx) => {
      // A new schedule starts counting from now: its first period is the next one.
      await sql`insert into job_schedules (name, last_fired_at) values (${name}, ${now}) on conflict (name) do nothing`.execute(tx);
      const row = (await sql<{ last_fired_at: Date }>`select last_fired_at from job_schedules where name = ${name} for update`.execute(tx)).rows[0]!;
      const next = cron.nextRun(row.last_fired_at);
      if (!next || next > now) {
        if (next) clock?.set(name, next);
        return undefined;
      }
      await sql`update job_schedules set last_fired_at = ${now} where name = ${name}`.execute(tx);
      await enqueue(tx, schedule.type, { tenantId: null, payload: schedule.payload, key: `schedule:${next.toISOString()}` });
      return next;
    });
    if (due) {
      fired.push(name);
      const after = cron.nextRun(now);
      if (after) clock?.set(name, after);
    }
  }
  return fired;
}

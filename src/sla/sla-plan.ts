import { z } from 'zod';
import { AppError } from '../errors.ts';
import { parseBusinessCalendar, WEEKDAYS, type BusinessCalendar } from './business-calendar.ts';

/**
 * An SLA plan as the clocks use it: targets, the plan's business calendar and the pause setting.
 * The calendar is the plan's own (`timezone`, `business_hours`, `holidays` of `sla_plans`), so a
 * tenant's calendar is the one of its plans: a tenant with two calendars (a 24/7 plan for outages,
 * office hours for requests) needs no second concept (decisions.md, "SLA clocks").
 */
export type SlaPlan = {
  readonly id: string;
  readonly firstResponseMinutes: number | null;
  readonly resolutionMinutes: number;
  readonly pauseWhenPending: boolean;
  readonly calendar: BusinessCalendar;
  /** Targets by priority slug, overriding the plan's own. */
  readonly priorityTargets: Readonly<Record<string, Targets>>;
};

export type Targets = { readonly firstResponseMinutes?: number | null; readonly resolutionMinutes?: number };

const minutes = z.number().int().min(1).max(525_600);
export const priorityTargetsSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a priority slug'),
  z.object({ firstResponseMinutes: minutes.nullable().optional(), resolutionMinutes: minutes.optional() }).strict(),
);

// `business_hours` names days as sla_plans stores them; null means around the clock.
const DAY_KEYS: Record<string, (typeof WEEKDAYS)[number]> = { sun: 'sunday', mon: 'monday', tue: 'tuesday', wed: 'wednesday', thu: 'thursday', fri: 'friday', sat: 'saturday' };
const AROUND_THE_CLOCK = Object.fromEntries(WEEKDAYS.map((day) => [day, [{ start: '00:00', end: '24:00' }]]));

const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);

/** The business calendar of a stored (or about to be stored) plan row; a bad one is VALIDATION_FAILED naming the field. */
export function planCalendar(row: Record<string, unknown>): BusinessCalendar {
  const hours = json(row.business_hours ?? null) as Record<string, [string, string][]> | null;
  const week = hours
    ? Object.fromEntries(Object.entries(hours).map(([day, periods]) => [DAY_KEYS[day] ?? day, periods.map(([start, end]) => ({ start, end }))]))
    : AROUND_THE_CLOCK;
  return parseBusinessCalendar({ timeZone: row.timezone ?? 'UTC', week, holidays: json(row.holidays ?? []) });
}

export function planFromRow(row: Record<string, unknown>): SlaPlan {
  const targets = priorityTargetsSchema.safeParse(json(row.priority_targets ?? {}));
  if (!targets.success) throw new AppError('VALIDATION_FAILED', `priority_targets is not valid: ${targets.error.issues[0]?.message}.`, 'priority_targets');
  return {
    id: row.id as string,
    firstResponseMinutes: (row.first_response_minutes as number | null) ?? null,
    resolutionMinutes: row.resolution_minutes as number,
    pauseWhenPending: row.pause_when_pending !== false,
    calendar: planCalendar(row),
    priorityTargets: targets.data,
  };
}

/** The targets for a ticket of `prioritySlug`: the plan's, overridden by the priority's. */
export function targetsFor(plan: SlaPlan, prioritySlug: string | null): { firstResponseMinutes: number | null; resolutionMinutes: number } {
  const own = prioritySlug ? plan.priorityTargets[prioritySlug] : undefined;
  return {
    firstResponseMinutes: own?.firstResponseMinutes !== undefined ? own.firstResponseMinutes : plan.firstResponseMinutes,
    resolutionMinutes: own?.resolutionMinutes ?? plan.resolutionMinutes,
  };
}

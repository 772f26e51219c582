import type { TicketState } from '../db/schema.ts';
import { addBusinessMinutes, businessMinutesBetween, parseBusinessCalendar, WEEKDAYS, type BusinessCalendar } from './business-calendar.ts';
import { targetsFor, type SlaPlan } from './sla-plan.ts';

/**
 * A ticket's SLA clocks, as pure arithmetic. Both clocks (first response, resolution) run in the
 * plan's business time from the moment the ticket was opened, and stop while the ticket is pending
 * on the customer (when the plan says so) or resolved/closed: due = opened + target + the business
 * minutes spent paused. A pause ends by adding its business minutes to `sla_paused_minutes`, which
 * moves both due dates; while paused, the overdue sweep leaves the ticket alone.
 */
export type ClockTicket = {
  readonly created_at: Date;
  readonly status: TicketState;
  /** A due date an agent set by hand: it is the resolution due date, and no pause moves it. */
  readonly due_at: Date | null;
  readonly first_response_due_at: Date | null;
  readonly first_responded_at: Date | null;
  readonly resolved_at: Date | null;
  readonly sla_paused_at: Date | null;
  readonly sla_paused_minutes: number;
  readonly first_response_breached_at: Date | null;
  readonly resolution_breached_at: Date | null;
};

export type ClockColumns = {
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  resolved_at: Date | null;
  sla_paused_at: Date | null;
  sla_paused_minutes: number;
  first_response_breached_at: Date | null;
  resolution_breached_at: Date | null;
};

// Without a plan, pauses are still counted (in wall-clock time): a plan set later starts from them.
const AROUND_THE_CLOCK: BusinessCalendar = parseBusinessCalendar({ timeZone: 'UTC', week: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]])) });

const isDone = (state: TicketState) => state === 'resolved' || state === 'closed';

/**
 * The clock columns of `ticket` (already in its new state) at `at`, under `plan` (null: no SLA)
 * and the ticket's priority. A due date moved past `at` clears its breach, so a new one is recorded
 * (and escalated) once again.
 */
export function runClock(plan: SlaPlan | null, prioritySlug: string | null, ticket: ClockTicket, at: Date): ClockColumns {
  const calendar = plan?.calendar ?? AROUND_THE_CLOCK;
  const paused = isDone(ticket.status) || (ticket.status === 'pending' && (plan?.pauseWhenPending ?? true));
  let pausedAt = ticket.sla_paused_at;
  let pausedMinutes = ticket.sla_paused_minutes;
  if (paused && !pausedAt) pausedAt = at;
  if (!paused && pausedAt) {
    pausedMinutes += Math.max(0, businessMinutesBetween(calendar, pausedAt, at));
    pausedAt = null;
  }
  const targets = plan ? targetsFor(plan, prioritySlug) : null;
  const due = (minutes: number | null | undefined) => (minutes == null ? null : addBusinessMinutes(calendar, ticket.created_at, minutes + pausedMinutes));
  // Once answered, the first-response due date is history (reports compare the answer with it).
  const firstResponseDue = ticket.first_responded_at ? ticket.first_response_due_at : due(targets?.firstResponseMinutes);
  const resolutionDue = ticket.due_at ?? due(targets?.resolutionMinutes);
  const breach = (dueAt: Date | null, breachedAt: Date | null) => (breachedAt && (!dueAt || dueAt > at) ? null : breachedAt);
  return {
    first_response_due_at: firstResponseDue,
    resolution_due_at: resolutionDue,
    resolved_at: isDone(ticket.status) ? (ticket.resolved_at ?? at) : null,
    sla_paused_at: pausedAt,
    sla_paused_minutes: pausedMinutes,
    first_response_breached_at: ticket.first_responded_at ? ticket.first_response_breached_at : breach(firstResponseDue, ticket.first_response_breached_at),
    resolution_breached_at: breach(resolutionDue, ticket.resolution_breached_at),
  };
}

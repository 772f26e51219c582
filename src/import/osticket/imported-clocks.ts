import type { TicketState } from '../../db/schema.ts';
import type { SlaPlan } from '../../sla/sla-plan.ts';
import { runClock, type ClockColumns } from '../../sla/ticket-clock.ts';

/**
 * An imported ticket's SLA clocks, recomputed from its history under the tenant's plan and business
 * hours (never restarted at the import): opened when osTicket opened it, first answered at its first
 * response, stopped when it was closed. A due date already past at that point is recorded as
 * breached then, so the overdue sweep flags it without escalating years-old tickets again.
 */
export type ImportedHistory = {
  readonly createdAt: string;
  readonly state: TicketState;
  /** An agent's own due date in osTicket (`duedate`), which overrides the plan's resolution target. */
  readonly manualDueAt: string | null;
  readonly firstResponseAt: string | null;
  readonly closedAt: string | null;
};

export type ImportedClock = ClockColumns & { first_responded_at: Date | null };

export function importedClock(plan: SlaPlan | null, prioritySlug: string | null, history: ImportedHistory, now: Date): ImportedClock {
  const done = history.state === 'resolved' || history.state === 'closed';
  const stoppedAt = done ? new Date(history.closedAt ?? now) : null;
  const firstResponse = history.firstResponseAt ? new Date(history.firstResponseAt) : null;
  const clock = runClock(plan, prioritySlug, {
    created_at: new Date(history.createdAt),
    status: history.state,
    due_at: history.manualDueAt ? new Date(history.manualDueAt) : null,
    first_response_due_at: null,
    first_responded_at: null,
    resolved_at: stoppedAt,
    // Paused since it was closed: a closed ticket's clocks stand where they stopped.
    sla_paused_at: stoppedAt,
    sla_paused_minutes: 0,
    first_response_breached_at: null,
    resolution_breached_at: null,
  }, stoppedAt ?? now);
  const breachedBy = (due: Date | null, end: Date) => (due && due < end ? due : null);
  return {
    ...clock,
    first_responded_at: firstResponse,
    first_response_breached_at: breachedBy(clock.first_response_due_at, firstResponse ?? stoppedAt ?? now),
    resolution_breached_at: breachedBy(clock.resolution_due_at, stoppedAt ?? now),
  };
}

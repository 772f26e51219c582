import type { TicketState } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { findObject, referenceableTenants, updateObject, type Row } from '../tenancy/data-access.ts';
import { planFromRow, type SlaPlan } from './sla-plan.ts';
import { runClock, type ClockColumns, type ClockTicket } from './ticket-clock.ts';

/**
 * The SLA clocks' hooks into the ticket use cases: due dates when a ticket opens, again when its
 * plan, priority, manual due date or state changes, and its first response. The columns returned
 * are written in the use case's own update, so they commit with it.
 */

/** Changes to these columns move the clocks. */
const CLOCK_INPUTS = ['sla_plan_id', 'priority_id', 'due_at', 'status'] as const;

/**
 * The plan a ticket of `tenantId` refers to, read with the tenants the reference rules allow (its
 * own and those above it) rather than the caller's: a customer's ticket may use its parent tenant's
 * plan. Tenant boundary: nothing else is read under this set, and only the clock columns come back.
 */
async function readPlan(ctx: TenancyContext, tenantId: number | null, planId: unknown): Promise<SlaPlan | null> {
  if (typeof planId !== 'string') return null;
  const read = referenceableTenants(ctx, tenantId, {});
  // Inside a unit of work this read joins it (a second connection could wait for this one on PGlite).
  return planFromRow(await findObject({ ...ctx, access: { read, write: [], writePublic: false } }, 'slaPlan', planId));
}

async function prioritySlug(ctx: TenancyContext, priorityId: unknown): Promise<string | null> {
  if (typeof priorityId !== 'string') return null;
  return (await findObject(ctx, 'priority', priorityId)).slug as string;
}

const asDate = (value: unknown): Date | null => (value == null ? null : value instanceof Date ? value : new Date(value as string));

function clockTicket(row: Row): ClockTicket {
  return {
    created_at: asDate(row.created_at) ?? new Date(),
    status: (row.status as TicketState | undefined) ?? 'open',
    due_at: asDate(row.due_at),
    first_response_due_at: asDate(row.first_response_due_at),
    first_responded_at: asDate(row.first_responded_at),
    resolved_at: asDate(row.resolved_at),
    sla_paused_at: asDate(row.sla_paused_at),
    sla_paused_minutes: Number(row.sla_paused_minutes ?? 0),
    first_response_breached_at: asDate(row.first_response_breached_at),
    resolution_breached_at: asDate(row.resolution_breached_at),
  };
}

/** The clock columns of a ticket about to be opened in `tenantId` with `values` (columns), at `at`. */
export async function clockOnOpen(ctx: TenancyContext, tenantId: number | null, values: Row, at = new Date()): Promise<ClockColumns & { created_at: Date }> {
  const plan = await readPlan(ctx, tenantId, values.sla_plan_id);
  // The ticket opens at the instant its clocks start from (milliseconds, as the queue's cursor wants).
  return { created_at: at, ...runClock(plan, plan ? await prioritySlug(ctx, values.priority_id) : null, clockTicket({ ...values, created_at: at, status: 'open' }), at) };
}

/** The clock columns that `patch` (columns) changes on `current`; none when it touches no clock input. */
export async function clockOnChange(ctx: TenancyContext, current: Row, patch: Row, at = new Date()): Promise<Partial<ClockColumns>> {
  if (!CLOCK_INPUTS.some((column) => column in patch)) return {};
  const next = { ...current, ...patch };
  const plan = await readPlan(ctx, current.tenant_id as number | null, next.sla_plan_id);
  const columns = runClock(plan, plan ? await prioritySlug(ctx, next.priority_id) : null, clockTicket(next), at);
  const same = (a: unknown, b: unknown) => String(asDate(a)?.getTime() ?? a ?? null) === String(asDate(b)?.getTime() ?? b ?? null);
  return Object.fromEntries(Object.entries(columns).filter(([column, value]) => (column === 'sla_paused_minutes' ? Number(current[column]) !== value : !same(current[column], value))));
}

/**
 * Records the first public reply of an agent, in the caller's unit of work. Two agents answering at
 * once: the update is conditional, the later one changes nothing.
 */
export async function recordFirstResponse(ctx: TenancyContext, ticket: Row, at = new Date()): Promise<void> {
  if (ticket.first_responded_at) return;
  try {
    await updateObject(ctx, 'ticket', ticket.id as string, { first_responded_at: at }, { expect: { first_responded_at: null } });
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
  }
}

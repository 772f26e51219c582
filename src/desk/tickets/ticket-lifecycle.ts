import { AppError } from '../../errors.ts';
import { findObject, type Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { updateTicket } from './update-ticket.ts';

/**
 * The named moves of a ticket's life. Each is an update based on the version the caller read, so
 * each is audited, evented and refused when stale like any other change.
 */
export function assignTicket(desk: DeskContext, id: string, to: { assigneeId?: string | null; teamId?: string | null }, version: number): Promise<Row> {
  return updateTicket(desk, id, to, version);
}

export function transferTicket(desk: DeskContext, id: string, departmentId: string, version: number): Promise<Row> {
  return updateTicket(desk, id, { departmentId }, version);
}

export function closeTicket(desk: DeskContext, id: string, version: number, status = 'closed'): Promise<Row> {
  return updateTicket(desk, id, { status }, version);
}

export async function reopenTicket(desk: DeskContext, id: string, version: number): Promise<Row> {
  const ticket = await findObject(desk, 'ticket', id);
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') throw new AppError('CONFLICT', 'Only a resolved or closed ticket can be reopened.', 'status');
  if (ticket.merged_into_id) throw new AppError('CONFLICT', 'A ticket merged into another stays closed: work on the one it was merged into.', 'status');
  return updateTicket(desk, id, { status: 'open' }, version);
}

/** The states a customer's reply takes a ticket out of: it waited on them, or the problem is back. */
const REOPENED_BY_CUSTOMER: ReadonlySet<unknown> = new Set(['pending', 'resolved', 'closed']);

/**
 * A customer's reply, in its unit of work, reopens the ticket it answers: the SLA clock paused on
 * the customer resumes and the ticket is back in the agents' open queues. A ticket merged into
 * another stays closed.
 */
export async function reopenOnCustomerReply(desk: DeskContext, answered: string | Row): Promise<void> {
  if (desk.actor.kind !== 'customer') return;
  // A row the caller read in this unit of work is current enough: updateTicket checks its version.
  const ticket = typeof answered === 'string' ? await findObject(desk, 'ticket', answered) : answered;
  if (!REOPENED_BY_CUSTOMER.has(ticket.status) || ticket.merged_into_id) return;
  await updateTicket(desk, ticket.id as string, { status: 'open' }, ticket.version as number, { implied: true });
}

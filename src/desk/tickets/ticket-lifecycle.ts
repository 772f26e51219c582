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

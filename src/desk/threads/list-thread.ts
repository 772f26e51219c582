import { findObject, listObjects, type Row } from '../../tenancy/data-access.ts';
import { mayReadNotes, type DeskContext } from '../desk-context.ts';

/**
 * A ticket's thread, oldest first. Internal notes are left out for anyone who may not read them
 * (customers above all); the customer role's data partition on thread entries says the same
 * again, so a route that forgot this would still not show them.
 */
export async function listThread(desk: DeskContext, ticketId: string): Promise<Row[]> {
  const ticket = await findObject(desk, 'ticket', ticketId);
  const entries = await listObjects(desk, 'threadEntry', { where: { ticket_id: ticket.id }, orderBy: 'created_at', limit: 1000 });
  return mayReadNotes(desk) ? entries : entries.filter((e) => e.kind !== 'note');
}

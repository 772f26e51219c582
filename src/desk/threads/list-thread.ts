import { findObject, listObjects, type Row } from '../../tenancy/data-access.ts';
import { mayReadNotes, type DeskContext } from '../desk-context.ts';

/**
 * The system events a customer is shown: what happened to its request (its state moved, it was
 * merged). Assignment, team, transfer, filter, follower and SLA events are the desk's own working
 * and read as noise ("Assignment changed: Unassigned → —"); an event kind not listed here stays
 * hidden from customers until someone decides it is meant for them.
 */
const CUSTOMER_EVENTS: ReadonlySet<string> = new Set(['status', 'merged', 'merged-in']);

/** Whether a thread entry is for a customer's eyes: replies, and only the events listed above. */
export function isForCustomer(entry: Row): boolean {
  if (entry.kind === 'note') return false;
  if (entry.kind !== 'event') return true;
  const data = typeof entry.data === 'string' ? (JSON.parse(entry.data) as unknown) : entry.data;
  const event = data && typeof data === 'object' ? (data as { event?: unknown }).event : undefined;
  return typeof event === 'string' && CUSTOMER_EVENTS.has(event);
}

/**
 * A ticket's thread, oldest first. Internal notes are left out for anyone who may not read them
 * (customers above all); the customer role's data partition on thread entries says the same
 * again, so a route that forgot this would still not show them. A customer also sees only the
 * system events meant for it, here in the server so that no client can show it the others.
 */
export async function listThread(desk: DeskContext, ticketId: string): Promise<Row[]> {
  const ticket = await findObject(desk, 'ticket', ticketId);
  const entries = await listObjects(desk, 'threadEntry', { where: { ticket_id: ticket.id }, orderBy: 'created_at', limit: 1000 });
  if (desk.actor.kind === 'customer') return entries.filter(isForCustomer);
  return mayReadNotes(desk) ? entries : entries.filter((e) => e.kind !== 'note');
}

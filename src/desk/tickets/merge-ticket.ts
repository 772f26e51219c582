import { AppError } from '../../errors.ts';
import { createObject, findObject, inTransaction, listObjects, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { addSystemEvent } from '../threads/add-system-event.ts';
import { withTicketFieldNames } from './ticket-fields.ts';
import { updateTicket } from './update-ticket.ts';

/**
 * The other ticket of a merge or link, which must be of the same tenant. One of another tenant is
 * answered exactly like one that does not exist, even to a caller who can read both.
 */
export async function sameTenantTicket(desk: DeskContext, ticket: Row, otherId: string, field: string): Promise<Row> {
  const notFound = new AppError('NOT_FOUND', 'The other ticket was not found.', field);
  if (otherId === ticket.id) throw new AppError('VALIDATION_FAILED', 'A ticket cannot be merged or linked with itself.', field);
  const other = await findObject(desk, 'ticket', otherId).catch((error: unknown) => {
    throw error instanceof AppError && error.code === 'NOT_FOUND' ? notFound : error;
  });
  // Tenant boundary: merges and links never join tickets of two tenants.
  if (other.tenant_id !== ticket.tenant_id) throw notFound;
  return other;
}

/**
 * Merges `sourceId` into `targetId`: the source is closed and points to the target, its requester
 * becomes a collaborator of the target, and both threads say what happened.
 */
export async function mergeTicket(desk: DeskContext, sourceId: string, targetId: string, version: number): Promise<Row> {
  requireDeskPermission(desk, 'ticket.edit');
  return withTicketFieldNames(async () => {
    const source = await findObject(desk, 'ticket', sourceId);
    const target = await sameTenantTicket(desk, source, targetId, 'targetId');
    if (source.merged_into_id) throw new AppError('CONFLICT', 'This ticket was already merged into another.', 'targetId');
    if (target.merged_into_id) throw new AppError('CONFLICT', 'The target was itself merged: merge into the ticket it was merged into.', 'targetId');
    return inTransaction(desk, async (tx) => {
      const merged = await updateTicket(tx, sourceId, { mergedIntoId: targetId, status: 'closed' }, version);
      await addSystemEvent(tx, target, desk.actor.contactId, { event: 'merged-in', ticketId: source.id, number: source.number });
      const requester = source.requester_id;
      if (requester && requester !== target.requester_id) {
        const already = await listObjects(tx, 'ticketCollaborator', { where: { ticket_id: target.id, contact_id: requester }, limit: 1 });
        if (!already.length) await createObject(tx, 'ticketCollaborator', { ticket_id: target.id, contact_id: requester });
      }
      return merged;
    }, source.tenant_id as number | null);
  });
}

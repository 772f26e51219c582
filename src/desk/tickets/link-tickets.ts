import { recordAuditInScope } from '../../identity/audit.ts';
import { createObject, findObject, inTransaction, listObjects, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { sameTenantTicket } from './merge-ticket.ts';

export type LinkKind = 'related' | 'duplicate' | 'caused-by';

/** Links two tickets of one tenant; linking the same pair twice is CONFLICT. */
export async function linkTickets(desk: DeskContext, ticketId: string, otherId: string, kind: LinkKind = 'related'): Promise<Row> {
  requireDeskPermission(desk, 'ticket.edit');
  const ticket = await findObject(desk, 'ticket', ticketId);
  const other = await sameTenantTicket(desk, ticket, otherId, 'ticketId');
  return inTransaction(desk, async (tx) => {
    const link = await createObject(tx, 'ticketLink', { ticket_id: ticket.id, linked_ticket_id: other.id, kind });
    await recordAuditInScope(tx, { tenantId: ticket.tenant_id as number, actorContactId: desk.actor.contactId, action: 'ticket.linked', objectType: 'ticket', objectId: ticket.id as string, data: { to: other.id, kind } });
    return link;
  }, ticket.tenant_id as number | null);
}

/** The links of a ticket, in both directions. */
export async function listLinks(desk: DeskContext, ticketId: string): Promise<Row[]> {
  const ticket = await findObject(desk, 'ticket', ticketId);
  const [from, to] = await Promise.all([
    listObjects(desk, 'ticketLink', { where: { ticket_id: ticket.id }, orderBy: 'created_at', limit: 500 }),
    listObjects(desk, 'ticketLink', { where: { linked_ticket_id: ticket.id }, orderBy: 'created_at', limit: 500 }),
  ]);
  return [...from, ...to];
}

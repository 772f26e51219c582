import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { createObject, deleteObject, findObject, inTransaction, listObjects, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { addSystemEvent } from '../threads/add-system-event.ts';

/**
 * A ticket's collaborators (CC): contacts who follow the ticket, are mailed its public replies and
 * see it in their portal. Managing them is editing the ticket (`ticket.edit`), and so is listing
 * them: the list names other people's addresses, which a customer is not shown.
 */
export type Collaborator = Row & { name: string | null; email: string | null };

/** The collaborators of a ticket with their names where the caller may read the contact. */
export async function listCollaborators(desk: DeskContext, ticketId: string): Promise<Collaborator[]> {
  requireDeskPermission(desk, 'ticket.edit');
  const ticket = await findObject(desk, 'ticket', ticketId);
  const rows = await listObjects(desk, 'ticketCollaborator', { where: { ticket_id: ticket.id }, limit: 500 });
  return Promise.all(rows.map(async (row) => ({ ...row, ...(await contactLabel(desk, row.contact_id as string)) })));
}

/** A contact of another tenant than the caller reads (a parent tenant's) stays unnamed. */
async function contactLabel(desk: DeskContext, contactId: string): Promise<{ name: string | null; email: string | null }> {
  const contact = await findObject(desk, 'contact', contactId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  });
  return { name: (contact?.name as string | undefined) ?? null, email: (contact?.email as string | undefined) ?? null };
}

/**
 * Adds a contact as collaborator. The reference rules decide which contacts may be (the ticket's
 * tenant or a tenant above it); one already there is CONFLICT, and so is the requester.
 */
export async function addCollaborator(desk: DeskContext, ticketId: string, contactId: string): Promise<Collaborator> {
  requireDeskPermission(desk, 'ticket.edit');
  const ticket = await findObject(desk, 'ticket', ticketId);
  if (ticket.requester_id === contactId) throw new AppError('CONFLICT', 'The requester follows the ticket already.', 'contactId');
  const row = await inTransaction(desk, async (tx) => {
    const created = await createObject(tx, 'ticketCollaborator', { ticket_id: ticket.id, contact_id: contactId });
    await recordChange(tx, ticket, 'collaborator-added', contactId);
    return created;
  }, ticket.tenant_id as number);
  return { ...row, ...(await contactLabel(desk, contactId)) };
}

/** Removes a collaborator; one that is not there is NOT_FOUND. */
export async function removeCollaborator(desk: DeskContext, ticketId: string, contactId: string): Promise<void> {
  requireDeskPermission(desk, 'ticket.edit');
  const ticket = await findObject(desk, 'ticket', ticketId);
  const [row] = await listObjects(desk, 'ticketCollaborator', { where: { ticket_id: ticket.id, contact_id: contactId }, limit: 1 });
  if (!row) throw new AppError('NOT_FOUND', 'This contact is not a collaborator of the ticket.', 'contactId');
  await inTransaction(desk, async (tx) => {
    await deleteObject(tx, 'ticketCollaborator', row.id as string);
    await recordChange(tx, ticket, 'collaborator-removed', contactId);
  }, ticket.tenant_id as number);
}

/** The thread says who changed the followers; the audit log keeps it for administrators. */
async function recordChange(tx: DeskContext, ticket: Row, event: string, contactId: string): Promise<void> {
  await addSystemEvent(tx, ticket, tx.actor.contactId, { event, contactId });
  await recordAuditInScope(tx, { tenantId: ticket.tenant_id as number, actorContactId: tx.actor.contactId, action: `ticket.${event.replace('-', '_')}`, objectType: 'ticket', objectId: ticket.id as string, data: { contactId } });
}

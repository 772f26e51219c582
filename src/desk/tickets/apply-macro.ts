import { AppError } from '../../errors.ts';
import { findObject, inTransaction, type Row } from '../../tenancy/data-access.ts';
import { requireConfigRead } from '../config/config-objects.ts';
import type { DeskContext } from '../desk-context.ts';
import { addThreadEntry } from '../threads/add-thread-entry.ts';
import { updateTicket, type UpdateTicketInput } from './update-ticket.ts';

/**
 * Applies a macro to a ticket based on the version the caller read (decision 0122): its status,
 * priority and assignee changes, then its reply, in one transaction. Each part goes through the use
 * case an agent would use by hand (`updateTicket`, `addThreadEntry`), so it needs the same rights
 * and follows the same rules; any refusal undoes the whole. Answers the ticket as changed.
 */
export async function applyMacro(desk: DeskContext, ticketId: string, macroId: string, expectedVersion: number): Promise<Row> {
  requireConfigRead(desk, 'macro');
  const ticket = await findObject(desk, 'ticket', ticketId);
  const macro = await findObject(desk, 'macro', macroId);
  // Tenant boundary: another tenant's macro (one an SP role reads) never applies here.
  if (macro.tenant_id !== null && macro.tenant_id !== ticket.tenant_id) throw new AppError('NOT_FOUND', "This macro is not one of this ticket's tenant.", 'macroId');
  const changes: UpdateTicketInput = {
    ...(macro.set_status ? { status: macro.set_status as string } : {}),
    ...(macro.set_priority_id ? { priorityId: macro.set_priority_id as string } : {}),
    ...(macro.set_assignee_id ? { assigneeId: macro.set_assignee_id as string } : {}),
    ...(macro.assign_to_me ? { assigneeId: desk.actor.contactId } : {}),
  };
  return inTransaction(desk, async (tx) => {
    const updated = await updateTicket(tx, ticketId, changes, expectedVersion);
    if (macro.body_html) await addThreadEntry(tx, ticketId, { kind: 'reply', body: macro.body_html as string });
    return findObject(tx, 'ticket', updated.id as string);
  }, ticket.tenant_id as number | null);
}

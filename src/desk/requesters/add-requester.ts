import { createContact } from '../../identity/create-contact.ts';
import { onlyTenant } from '../../tenancy/access.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';

export type AddRequesterInput = { tenantId: number; email: string; name?: string };

/**
 * The requester an agent names by email address while opening a ticket: the tenant's contact with
 * that address if there is one, else a new customer of that tenant (role `customer`, no password:
 * the password-reset mail lets them in). `created` says which, for the answer's status.
 */
export async function addRequester(desk: DeskContext, input: AddRequesterInput): Promise<{ contact: Row; created: boolean }> {
  requireDeskPermission(desk, 'ticket.edit');
  const email = input.email.trim().toLowerCase();
  const [existing] = await listObjects(onlyTenant(desk, input.tenantId), 'contact', { where: { tenant_id: input.tenantId, email }, limit: 1 });
  if (existing) return { contact: existing, created: false };
  const name = input.name?.trim() || email.split('@')[0]!;
  const contact = await createContact(desk, { tenantId: input.tenantId, email, name, roles: ['customer'], grantedBy: desk.actor.activeRole });
  return { contact, created: true };
}

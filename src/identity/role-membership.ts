import type { Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { deleteObject, findObject, inTransaction, listObjects, updateObject, type Row } from '../tenancy/data-access.ts';
import { recordAuditInScope } from './audit.ts';
import { assertCanGrant } from './permissions.ts';
import { credentialsChanged } from './credential-cache.ts';

/** The roles a contact holds (its tenant's own or public ones), default first; NOT_FOUND for a contact the role cannot read. */
export async function heldRoles(ctx: TenancyContext, contactId: string): Promise<Row[]> {
  await findObject(ctx, 'contact', contactId);
  const held = await listObjects(ctx, 'contactRole', { where: { contact_id: contactId }, limit: 100 });
  const roles: Row[] = await Promise.all(held.map(async (h) => ({ ...(await findObject(ctx, 'role', String(h.role_id))), is_default: h.is_default === true })));
  return roles.sort((a, b) => Number(b.is_default) - Number(a.is_default) || String(a.slug).localeCompare(String(b.slug)));
}

/**
 * Takes a role away from a contact. Whoever does it must be allowed to grant that role; a contact
 * keeps at least one role (disable the contact instead), and nobody takes away the role they are
 * acting with. The default role passes to another one the contact holds.
 */
export async function revokeRole(ctx: TenancyContext, input: { contactId: string; roleId: string; revokedBy: Role; actorContactId: string }): Promise<void> {
  const contact = await findObject(ctx, 'contact', input.contactId);
  const held = await listObjects(ctx, 'contactRole', { where: { contact_id: input.contactId }, orderBy: 'role_id', limit: 100 });
  const membership = held.find((h) => h.role_id === input.roleId);
  if (!membership) throw new AppError('NOT_FOUND', 'This contact does not hold that role.', 'role');
  assertCanGrant(input.revokedBy, (await findObject(ctx, 'role', input.roleId)) as unknown as Role);
  if (held.length === 1) throw new AppError('VALIDATION_FAILED', 'A contact keeps at least one role: disable the contact instead.', 'role');
  if (input.contactId === input.actorContactId && input.roleId === input.revokedBy.id) {
    throw new AppError('VALIDATION_FAILED', 'You are acting with this role: switch to another role first.', 'role');
  }
  await inTransaction(ctx, async (tx) => {
    await deleteObject(tx, 'contactRole', String(membership.id));
    const next = held.find((h) => h !== membership);
    if (membership.is_default && next) await updateObject(tx, 'contactRole', String(next.id), { is_default: true });
    await recordAuditInScope(tx, { tenantId: contact.tenant_id as number, actorContactId: input.actorContactId, action: 'role.revoked', objectType: 'contact', objectId: input.contactId, data: { roleId: input.roleId } });
  }, contact.tenant_id as number);
  credentialsChanged(contact.tenant_id as number);
}

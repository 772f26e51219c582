import type { Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, inTransaction, listObjects } from '../tenancy/data-access.ts';
import { recordAudit } from './audit.ts';
import { assertCanGrant } from './permissions.ts';

/** Gives a contact one more role (its tenant's own, or a public one); recorded in the audit log. */
export async function grantRole(ctx: TenancyContext, input: { contactId: string; roleSlug: string; grantedBy?: Role; actorContactId?: string | null }) {
  const [contact] = await listObjects(ctx, 'contact', { where: { id: input.contactId }, limit: 1 });
  if (!contact) throw new AppError('NOT_FOUND', 'This contact was not found.', 'contact');
  return inTransaction(ctx, async (ctx) => {
    const roles = await listObjects(ctx, 'role', { where: { slug: input.roleSlug }, orderBy: 'tenant_id' });
    // The contact's own tenant's role first, else the public one; never another tenant's.
    const role = roles.find((r) => r.tenant_id === contact.tenant_id) ?? roles.find((r) => r.tenant_id === null);
    if (!role) throw new AppError('NOT_FOUND', `No role "${input.roleSlug}" for this contact.`, 'role');
    if (input.grantedBy) assertCanGrant(input.grantedBy, role as Role);
    const existing = await listObjects(ctx, 'contactRole', { where: { contact_id: contact.id, role_id: role.id }, limit: 1 });
    if (existing.length) return role;
    await createObject(ctx, 'contactRole', { contact_id: contact.id, role_id: role.id, is_default: false });
    await recordAudit(ctx.tx!, { tenantId: Number(contact.tenant_id), actorContactId: input.actorContactId ?? null, action: 'role.granted', objectType: 'contact', objectId: String(contact.id), data: { role: role.slug } });
    return role;
  }, contact.tenant_id as number);
}

import type { Role } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { createObject, inTransaction, listObjects, type Row } from '../../tenancy/data-access.ts';
import { recordAuditInScope } from '../audit.ts';
import { isCustomerRole } from '../contact-kind.ts';
import { createContact } from '../create-contact.ts';
import type { RoleMapping } from './sso-connections.ts';

/** The person the provider vouched for, as the connection reads its claims. */
export type SignedInPerson = { email: string; name: string; groups: readonly string[] };

/** The roles the person's groups map to, among the roles the tenant's context reads (its own and public ones). */
async function mappedRoles(ctx: TenancyContext, connection: Row, groups: readonly string[]): Promise<Row[]> {
  const ids = [...new Set(((connection.role_mapping ?? []) as RoleMapping).filter((m) => groups.includes(m.group)).map((m) => m.roleId))];
  if (!ids.length) return [];
  const roles = await listObjects(ctx, 'role', { limit: 1000 });
  return ids.map((id) => roles.find((r) => r.id === id)).filter((r): r is Row => r !== undefined);
}

/**
 * The contact of the host's tenant with this email; one created when the connection provisions
 * just in time. "customers" makes only customers, and hands out only customers' roles; "customers
 * and agents" gives the default role and the mapped ones, the first mapped role deciding the kind.
 * A known contact is given the mapped roles of its own side (a customer never becomes an agent here).
 */
export async function provisionedContact(ctx: TenancyContext, connection: Row, person: SignedInPerson): Promise<Row & { mappedRoleIds: string[] }> {
  const tenantId = connection.tenant_id as number;
  const mapped = await mappedRoles(ctx, connection, person.groups);
  const [known] = await listObjects(ctx, 'contact', { where: { tenant_id: tenantId, email: person.email }, limit: 1 });
  if (known) {
    const sameSide = mapped.filter((r) => isCustomerRole(r as Role) === (known.kind === 'customer'));
    await grantMissing(ctx, known, sameSide, connection);
    return { ...known, mappedRoleIds: sameSide.map((r) => r.id as string) };
  }
  if (connection.jit === 'off') throw new AppError('UNAUTHENTICATED', `${person.email} has no account at this help desk, and ${connection.name as string} does not create accounts.`);
  const [defaultRole] = await listObjects(ctx, 'role', { where: { id: connection.jit_role_id }, limit: 1 });
  if (!defaultRole) throw new AppError('UNAUTHENTICATED', `${connection.name as string} has no default role for new accounts: ask the help desk’s administrator.`);
  const customersOnly = connection.jit === 'customers';
  const allowed = (r: Row) => !customersOnly || isCustomerRole(r as Role);
  if (!allowed(defaultRole)) throw new AppError('UNAUTHENTICATED', `${connection.name as string} creates customers only, but its default role is an agent's: ask the help desk’s administrator.`);
  const given = mapped.filter(allowed);
  // The first role decides the kind; roles of the other side are left out rather than contradict it.
  const first = given[0] ?? defaultRole;
  const roles = [first, defaultRole, ...given].filter((r, i, all) => all.findIndex((o) => o.id === r.id) === i && isCustomerRole(r as Role) === isCustomerRole(first as Role));
  const created = await inTransaction(ctx, async (tx) => {
    const contact = await createContact(tx, { tenantId, kind: isCustomerRole(first as Role) ? 'customer' : 'agent', email: person.email, name: person.name.slice(0, 200), roles: [] });
    await grantRows(tx, contact, roles, true);
    await recordAuditInScope(tx, { tenantId, action: 'contact.provisioned', objectType: 'contact', objectId: contact.id as string, data: { via: connection.name, roles: roles.map((r) => r.slug) } });
    return contact;
  }, tenantId);
  return { ...created, kind: isCustomerRole(first as Role) ? 'customer' : 'agent', mappedRoleIds: given.map((r) => r.id as string) };
}

/** Role memberships written through the data-access layer; the first is the default when asked. */
async function grantRows(ctx: TenancyContext, contact: Row, roles: readonly Row[], firstIsDefault: boolean): Promise<void> {
  for (const [index, role] of roles.entries()) {
    await createObject(ctx, 'contactRole', { contact_id: contact.id, role_id: role.id, is_default: firstIsDefault && index === 0 });
  }
}

async function grantMissing(ctx: TenancyContext, contact: Row, roles: readonly Row[], connection: Row): Promise<void> {
  if (!roles.length) return;
  const held = await listObjects(ctx, 'contactRole', { where: { contact_id: contact.id }, limit: 100 });
  const missing = roles.filter((r) => !held.some((h) => h.role_id === r.id));
  if (!missing.length) return;
  await inTransaction(ctx, async (tx) => {
    await grantRows(tx, contact, missing, false);
    await recordAuditInScope(tx, { tenantId: contact.tenant_id as number, action: 'role.granted', objectType: 'contact', objectId: contact.id as string, data: { roles: missing.map((r) => r.slug), via: connection.name } });
  }, contact.tenant_id as number);
}

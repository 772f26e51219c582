import { sql } from 'kysely';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects, type Row } from '../tenancy/data-access.ts';

export type ContactWithRoles = Row & { roles: Row[] };

/**
 * The contacts of the readable tenants (by email, the first 200), each with the roles it holds,
 * default first: three reads whatever the number of contacts, all through the scoped data-access
 * layer, so a role or membership of a tenant the caller cannot read is never shown.
 */
export async function listContactsWithRoles(ctx: TenancyContext): Promise<ContactWithRoles[]> {
  const contacts = await listObjects(ctx, 'contact', { orderBy: 'email', limit: 200 });
  if (!contacts.length) return [];
  const ids = contacts.map((c) => String(c.id));
  const held = await listObjects(ctx, 'contactRole', { filter: sql<boolean>`contact_id in (${sql.join(ids)})`, limit: 5000 });
  const roles = new Map((await listObjects(ctx, 'role', { limit: 1000 })).map((r) => [r.id, r]));
  const byContact = new Map<unknown, { role: Row; isDefault: boolean }[]>();
  for (const h of held) {
    const role = roles.get(h.role_id);
    if (!role) continue;
    byContact.set(h.contact_id, [...(byContact.get(h.contact_id) ?? []), { role, isDefault: h.is_default === true }]);
  }
  return contacts.map((c) => ({
    ...c,
    roles: (byContact.get(c.id) ?? [])
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || String(a.role.slug).localeCompare(String(b.role.slug)))
      .map((h) => h.role),
  }));
}

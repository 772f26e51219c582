import { randomUUID } from 'node:crypto';
import type { ContactKind, Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, inTransaction, listObjects, type Row } from '../tenancy/data-access.ts';
import { contactKindFor } from './contact-kind.ts';
import { hashPassword } from './passwords.ts';
import { assertCanGrant } from './permissions.ts';
import { emitWebhookEvent } from '../webhooks/webhook-events.ts';

export type CreateContactInput = {
  tenantId?: number;
  /** Left out, it follows the default role (a customer's role makes a customer). */
  kind?: ContactKind;
  email: string;
  name: string;
  password?: string;
  /** Slugs of roles to give, the first being the default active role. */
  roles?: string[];
  /** The active role of whoever creates the contact; it must be allowed to grant each role. */
  grantedBy?: Role;
};

/** Creates a contact and its role memberships, through the scoped data-access layer. */
export async function createContact(ctx: TenancyContext, input: CreateContactInput): Promise<Row> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new AppError('VALIDATION_FAILED', 'This is not an email address.', 'email');
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const write = ctx.access.write;
  const tenantId = input.tenantId ?? (write !== 'all' && write.length === 1 ? write[0] : null);
  return inTransaction(ctx, async (ctx) => {
    const roles: Row[] = [];
    for (const slug of input.roles ?? []) {
      // Ascending puts the tenant's own role before a public one of the same slug (nulls sort last).
      const [role] = await listObjects(ctx, 'role', { where: { slug }, orderBy: 'tenant_id', limit: 1 });
      if (!role) throw new AppError('NOT_FOUND', `No role "${slug}".`, 'roles');
      if (input.grantedBy) assertCanGrant(input.grantedBy, role as Role);
      roles.push(role);
    }
    const kind = contactKindFor(input.kind, roles[0] as { slug: string; permissions: string[] | null } | undefined);
    const id = randomUUID();
    // Its role memberships are written in the contact's statement.
    const memberships = roles.map((role, index) => ({ name: 'contactRole' as const, values: { contact_id: id, role_id: role.id, is_default: index === 0 } }));
    const contact = await createObject(ctx, 'contact', {
      id,
      ...(input.tenantId !== undefined ? { tenant_id: input.tenantId } : {}),
      kind,
      email,
      name: input.name,
      password_hash: passwordHash,
    }, { with: memberships });
    await emitWebhookEvent(ctx, contact.tenant_id as number | null, 'contact.created', { contact: { id: contact.id, kind: contact.kind, email: contact.email, name: contact.name } });
    return contact;
  }, tenantId);
}

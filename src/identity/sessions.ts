import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { ContactKind, Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from './audit.ts';

/** Who is making a request: a contact, its tenant and its active role, from a live session. */
export type Actor = {
  readonly contactId: string;
  readonly tenantId: number;
  readonly kind: ContactKind;
  readonly email: string;
  readonly name: string;
  readonly activeRole: Role;
  /** The session signed in with, or the API key used: exactly one is set. */
  readonly sessionId?: string;
  readonly apiKeyId?: string;
};

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** Opens a session; returns the token for the cookie (only its digest is stored). */
export async function openSession(
  database: Database,
  input: { tenantId: number; contactId: string; roleId: string; host: string; ttlMs: number },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await database.owner
    .insertInto('sessions')
    .values({
      id: digest(token),
      tenant_id: input.tenantId,
      contact_id: input.contactId,
      active_role_id: input.roleId,
      host: input.host,
      expires_at: new Date(Date.now() + input.ttlMs),
    })
    .execute();
  return token;
}

/**
 * The actor behind a session token, if the session is live and was issued on this host.
 * Authentication precedes any tenant scope, so this lookup runs as the owner and matches the
 * token's digest only.
 */
export async function resolveSession(database: Database, token: string, host: string): Promise<Actor | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const session = await database.owner
    .selectFrom('sessions')
    .select(['id', 'contact_id', 'active_role_id'])
    .where('id', '=', digest(token))
    .where('host', '=', host)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  if (!session) return undefined;
  const actor = await resolveActor(database, { contactId: session.contact_id, roleId: session.active_role_id });
  return actor && { ...actor, sessionId: session.id };
}

/** A contact acting with a role, if the contact is active and still holds the role. */
export async function resolveActor(database: Database, input: { contactId: string; roleId: string }): Promise<Actor | undefined> {
  const row = await database.owner
    .selectFrom('contacts as c')
    .innerJoin('contact_roles as cr', 'cr.contact_id', 'c.id')
    .innerJoin('roles as r', 'r.id', 'cr.role_id')
    .selectAll('r')
    .select(['c.id as contact_id', 'c.tenant_id as contact_tenant_id', 'c.kind', 'c.email', 'c.name as contact_name'])
    .where('c.id', '=', input.contactId)
    .where('r.id', '=', input.roleId)
    .where('c.status', '=', 'active')
    .executeTakeFirst();
  if (!row || row.contact_tenant_id === null) return undefined;
  const { contact_id, contact_tenant_id, kind, email, contact_name, ...role } = row;
  return { contactId: contact_id, tenantId: contact_tenant_id, kind, email, name: contact_name, activeRole: role };
}

export async function revokeSession(database: Database, sessionId: string): Promise<void> {
  await database.owner.updateTable('sessions').set({ revoked_at: new Date() }).where('id', '=', sessionId).execute();
}

/** The roles a contact holds, default first. */
export async function contactRoles(database: Database, contactId: string): Promise<Role[]> {
  return database.owner
    .selectFrom('contact_roles as cr')
    .innerJoin('roles as r', 'r.id', 'cr.role_id')
    .selectAll('r')
    .where('cr.contact_id', '=', contactId)
    .orderBy('cr.is_default', 'desc')
    .orderBy('r.slug')
    .execute();
}

/** Makes one of the contact's own roles the session's active role; the next request uses it. */
export async function switchActiveRole(database: Database, actor: Actor, roleSlugOrId: string): Promise<Role> {
  if (!actor.sessionId) throw new AppError('FORBIDDEN', 'An API key acts with one fixed role; create another key for another role.');
  const role = (await contactRoles(database, actor.contactId)).find((r) => r.slug === roleSlugOrId || r.id === roleSlugOrId);
  if (!role) throw new AppError('NOT_FOUND', `You have no role "${roleSlugOrId}".`, 'role');
  await database.owner.transaction().execute(async (tx) => {
    await tx.updateTable('sessions').set({ active_role_id: role.id }).where('id', '=', actor.sessionId!).execute();
    await recordAudit(tx, { tenantId: actor.tenantId, actorContactId: actor.contactId, action: 'auth.role_switched', data: { from: actor.activeRole.slug, to: role.slug } });
  });
  return role;
}

/** The departments a contact works in, for the `@my_departments` partition placeholder. */
export async function contactDepartmentIds(database: Database, contactId: string): Promise<string[]> {
  const rows = await database.owner.selectFrom('contact_departments').select('department_id').where('contact_id', '=', contactId).execute();
  return rows.map((r) => r.department_id);
}

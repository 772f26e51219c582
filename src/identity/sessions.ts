import type { Database } from '../db/database.ts';
import { sql, type RawBuilder } from 'kysely';
import type { ContactKind, Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from './audit.ts';
import { digest, randomToken } from './tokens.ts';
import { rolesById, type TenantDatabases } from './tenant-databases.ts';

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

/** Opens a session; returns the token for the cookie (only its digest is stored). */
export async function openSession(
  database: Database,
  input: { tenantId: number; contactId: string; roleId: string; host: string; ttlMs: number },
): Promise<string> {
  const token = randomToken();
  await database.system
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
export async function resolveSession(dbs: TenantDatabases, token: string, host: string): Promise<Actor | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const found = await sql<ActorRow & { session_id: string }>`select s.id as session_id, ${ACTOR_COLUMNS}
    from sessions s ${actorJoin(sql.ref('s.contact_id'), sql.ref('s.active_role_id'))}
    where s.id = ${digest(token)} and s.host = ${host} and s.revoked_at is null and s.expires_at > ${new Date()}`.execute(dbs.tenant.system);
  const row = found.rows[0];
  const actor = row && (await actorOf(dbs, row));
  return actor && { ...actor, sessionId: row!.session_id };
}

/**
 * Authentication reads a credential with its actor in one round trip: the credential's query
 * selects `ACTOR_COLUMNS` through `actorJoin` (its active contact, holding the role, and the role,
 * left-joined because a silo tenant's public roles live in the pool).
 */
export type ActorRow = { contact_id: string; tenant_id: number | null; kind: ContactKind; email: string; name: string; role_id: string; role: Record<string, unknown> | null };
export const ACTOR_COLUMNS = sql`c.id as contact_id, c.tenant_id, c.kind, c.email, c.name, cr.role_id, to_jsonb(r) as role`;
export function actorJoin(contactId: RawBuilder<unknown>, roleId: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`join contacts c on c.id = ${contactId} and c.status = 'active'
    join contact_roles cr on cr.contact_id = c.id and cr.role_id = ${roleId}
    left join roles r on r.id = cr.role_id`;
}

/** The actor of a row selected with `ACTOR_COLUMNS`. */
export async function actorOf(dbs: TenantDatabases, row: ActorRow): Promise<Actor | undefined> {
  const role = row.role ? ({ ...row.role, created_at: new Date(row.role.created_at as string) } as Role) : (await rolesById(dbs, [row.role_id]))[0];
  if (row.tenant_id === null || !role) return undefined;
  return { contactId: row.contact_id, tenantId: row.tenant_id, kind: row.kind, email: row.email, name: row.name, activeRole: role };
}

export async function revokeSession(database: Database, sessionId: string): Promise<void> {
  await database.system.updateTable('sessions').set({ revoked_at: new Date() }).where('id', '=', sessionId).execute();
}

/** The roles a contact holds, default first. */
export async function contactRoles(dbs: TenantDatabases, contactId: string): Promise<Role[]> {
  const held = await dbs.tenant.system.selectFrom('contact_roles').select(['role_id', 'is_default']).where('contact_id', '=', contactId).execute();
  const roles = await rolesById(dbs, held.map((h) => h.role_id));
  const isDefault = (role: Role) => held.some((h) => h.role_id === role.id && h.is_default);
  return roles.sort((a, b) => Number(isDefault(b)) - Number(isDefault(a)) || a.slug.localeCompare(b.slug));
}

/** Makes one of the contact's own roles the session's active role; the next request uses it. */
export async function switchActiveRole(dbs: TenantDatabases, actor: Actor, roleSlugOrId: string): Promise<Role> {
  if (!actor.sessionId) throw new AppError('FORBIDDEN', 'An API key acts with one fixed role; create another key for another role.');
  const role = (await contactRoles(dbs, actor.contactId)).find((r) => r.slug === roleSlugOrId || r.id === roleSlugOrId);
  if (!role) throw new AppError('NOT_FOUND', `You have no role "${roleSlugOrId}".`, 'role');
  await dbs.tenant.system.transaction().execute(async (tx) => {
    await tx.updateTable('sessions').set({ active_role_id: role.id }).where('id', '=', actor.sessionId!).execute();
    await recordAudit(tx, { tenantId: actor.tenantId, actorContactId: actor.contactId, action: 'auth.role_switched', data: { from: actor.activeRole.slug, to: role.slug } });
  });
  return role;
}

/** The departments a contact works in, for the `@my_departments` partition placeholder. */
export async function contactDepartmentIds(database: Database, contactId: string): Promise<string[]> {
  const rows = await database.system.selectFrom('contact_departments').select('department_id').where('contact_id', '=', contactId).execute();
  return rows.map((r) => r.department_id);
}

/**
 * Whether the credential an actor was resolved from still acts as it: the session live, on the
 * same active role (a role switch ends what was opened under the old one), or the API key unrevoked.
 * Long-lived answers (the live event stream) ask it again from time to time.
 */
export async function credentialStillActs(dbs: TenantDatabases, actor: Actor): Promise<boolean> {
  if (actor.sessionId) {
    const row = await dbs.tenant.system
      .selectFrom('sessions')
      .select('id')
      .where('id', '=', actor.sessionId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .where('active_role_id', '=', actor.activeRole.id)
      .executeTakeFirst();
    return row !== undefined;
  }
  if (!actor.apiKeyId) return false;
  const key = await dbs.tenant.system.selectFrom('api_keys').select('id').where('id', '=', actor.apiKeyId).where('revoked_at', 'is', null).executeTakeFirst();
  return key !== undefined;
}

import { sql } from 'kysely';
import { BlockList, isIP } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { TenantDatabases } from './tenant-databases.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, findObject, inTransaction, listObjects, updateObject } from '../tenancy/data-access.ts';
import { recordAudit } from './audit.ts';
import { ACTOR_COLUMNS, actorJoin, actorOf, type Actor, type ActorRow } from './sessions.ts';
import { digest, randomToken } from './tokens.ts';
import { credentialsChanged, type CredentialCache, type KeptKey } from './credential-cache.ts';

/**
 * API keys for integrations: `Authorization: Bearer td_<prefix>_<secret>`. A key acts as one
 * contact with one role, on that contact's tenant only; only the secret's digest is stored.
 */
const KEY = /^td_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

export type ApiKeyInput = { contactId: string; roleSlug?: string; name?: string; allowedIps?: string[] };

export async function createApiKey(ctx: TenancyContext, actorContactId: string | null, input: ApiKeyInput): Promise<{ id: string; key: string }> {
  for (const ip of input.allowedIps ?? []) {
    const [address, bits] = ip.split('/');
    if (!isIP(address ?? '') || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new AppError('VALIDATION_FAILED', `"${ip}" is not an IP address or CIDR range.`, 'allowedIps');
    }
  }
  const contact = await findObject(ctx, 'contact', input.contactId);
  return inTransaction(ctx, async (ctx) => {
    const roles = await listObjects(ctx, 'contactRole', { where: { contact_id: contact.id } });
    const granted = await Promise.all(roles.map((r) => findObject(ctx, 'role', String(r.role_id))));
    const role = input.roleSlug ? granted.find((r) => r.slug === input.roleSlug) : granted.find((r) => roles.find((cr) => cr.role_id === r.id)?.is_default) ?? granted[0];
    if (!role) throw new AppError('NOT_FOUND', `The contact has no role "${input.roleSlug ?? '(any)'}".`, 'role');
    const prefix = randomBytes(8).toString('hex');
    const secret = randomToken();
    const row = await createObject(ctx, 'apiKey', {
      contact_id: contact.id,
      role_id: role.id,
      name: input.name ?? '',
      prefix,
      secret_hash: digest(secret),
      allowed_ips: input.allowedIps ?? [],
    });
    await recordAudit(ctx.tx!, { tenantId: Number(contact.tenant_id), actorContactId, action: 'apikey.created', objectType: 'apiKey', objectId: String(row.id), data: { role: role.slug } });
    return { id: String(row.id), key: `td_${prefix}_${secret}` };
  }, contact.tenant_id as number);
}

export async function revokeApiKey(ctx: TenancyContext, actorContactId: string | null, id: string): Promise<void> {
  const key = await findObject(ctx, 'apiKey', id);
  await inTransaction(ctx, async (ctx) => {
    const row = await updateObject(ctx, 'apiKey', id, { revoked_at: new Date() });
    await recordAudit(ctx.tx!, { tenantId: Number(row.tenant_id), actorContactId, action: 'apikey.revoked', objectType: 'apiKey', objectId: id });
  }, key.tenant_id as number);
  credentialsChanged(key.tenant_id as number);
}

function ipAllowed(allowed: string[], ip: string): boolean {
  if (!allowed.length) return true;
  const list = new BlockList();
  for (const entry of allowed) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  const bare = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return list.check(bare, isIP(bare) === 6 ? 'ipv6' : 'ipv4');
}

/** What a verified key stands for: kept by the credential cache between requests. */
type VerifiedKey = { actor: Actor; keyId: string; allowedIps: string[]; lastUsedAt: number | null };

/**
 * The actor an API key acts as, if the key is live, allowed from this address and of this tenant.
 * With `cache`, a key verified before is not read again until a change to what it stands for is
 * notified (credential-cache.ts); the address and tenant are checked at every request.
 */
export async function resolveApiKey(dbs: TenantDatabases, key: string, tenantId: number, ip: string, cache?: CredentialCache): Promise<Actor | undefined> {
  const match = KEY.exec(key);
  if (!match) return undefined;
  const verify = () => verifyKey(dbs, match[1]!, match[2]!);
  const found = cache ? await cache.get([dbs.tenant, dbs.pool], `key:${digest(key)}`, verify) : (await verify())?.value;
  // Tenant boundary: a key works only at its own tenant's host.
  if (!found || found.actor.tenantId !== tenantId || !ipAllowed(found.allowedIps, ip)) return undefined;
  // Last use is recorded at most once a minute, so a busy integration does not write on every call.
  if (found.lastUsedAt === null || Date.now() - found.lastUsedAt > 60_000) {
    found.lastUsedAt = Date.now();
    await dbs.tenant.system.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', found.keyId).execute();
  }
  return found.actor;
}

/** The key of this prefix if it is live and this is its secret, with its actor; undefined otherwise. */
async function verifyKey(dbs: TenantDatabases, prefix: string, secret: string): Promise<KeptKey<VerifiedKey> | undefined> {
  const found = await sql<ActorRow & { key_id: string; key_tenant_id: number; secret_hash: string; allowed_ips: string[]; last_used_at: Date | null }>`
    select k.id as key_id, k.tenant_id as key_tenant_id, k.secret_hash, k.allowed_ips, k.last_used_at, ${ACTOR_COLUMNS}
    from api_keys k ${actorJoin(sql.ref('k.contact_id'), sql.ref('k.role_id'))}
    where k.prefix = ${prefix} and k.revoked_at is null`.execute(dbs.tenant.system);
  const row = found.rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(digest(secret), 'hex'))) return undefined;
  const actor = await actorOf(dbs, row);
  if (!actor || actor.tenantId !== row.key_tenant_id) return undefined;
  const lastUsedAt = row.last_used_at ? new Date(row.last_used_at).getTime() : null;
  return { tenantId: row.key_tenant_id, value: { actor: { ...actor, apiKeyId: row.key_id }, keyId: row.key_id, allowedIps: row.allowed_ips, lastUsedAt } };
}

import type { Database } from '../db/database.ts';
import type { Role } from '../db/schema.ts';
import type { CatalogSnapshot } from '../tenancy/catalog/snapshot.ts';
import type { Shards } from '../tenancy/placement/shards.ts';

/**
 * Where a tenant's identity data is: its contacts, sessions, keys and audit log in its own
 * database (`tenant`: the pool or its silo), and the public roles in the pool.
 */
export type TenantDatabases = { readonly tenant: Database; readonly pool: Database };

export async function tenantDatabases(shards: Shards, catalog: CatalogSnapshot, tenantId: number): Promise<TenantDatabases> {
  return { tenant: await shards.forTenant(catalog, tenantId), pool: shards.pool };
}

/** Roles by id: the tenant's own (in its database) and public ones (in the pool). */
export async function rolesById(dbs: TenantDatabases, ids: readonly string[]): Promise<Role[]> {
  if (!ids.length) return [];
  const own = await dbs.tenant.system.selectFrom('roles').selectAll().where('id', 'in', ids).execute();
  if (dbs.tenant === dbs.pool) return own;
  const shared = await dbs.pool.system.selectFrom('roles').selectAll().where('id', 'in', ids).where('tenant_id', 'is', null).execute();
  return [...own, ...shared];
}

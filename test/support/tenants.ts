import type { Database } from '../../src/db/database.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant, type CreateTenantInput } from '../../src/tenancy/catalog/create-tenant.ts';
import type { Access } from '../../src/tenancy/access.ts';
import type { TenancyContext } from '../../src/tenancy/context.ts';
import { DEFAULT_TENANCY, type TenancySettings } from '../../src/tenancy/settings.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';

/** Creates tenants in order (the first is the service provider) and returns their ids by slug. */
export async function createTenants(database: Database, tenants: CreateTenantInput[], settings = DEFAULT_TENANCY): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const t of tenants) ids[t.slug] = (await createTenant(database, settings, t)).id;
  return ids;
}

/** A context for the given access, over a freshly loaded catalog. */
export async function contextFor(database: Database, access: Access, settings: TenancySettings = DEFAULT_TENANCY, shards = new Shards(database)): Promise<TenancyContext> {
  const catalog = await Catalog.load(database);
  return { database, shards, settings, catalog: catalog.snapshot(), access };
}

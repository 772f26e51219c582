import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';

/**
 * The catalog every benchmark loads: `tenants` tenants with set-based SQL (never one createTenant
 * call per tenant). Tenant 1 is the service provider; tenants 2..P+1 are parents that may have
 * subtenants; every other tenant is a child of one of them, so each parent's `subtenants` group
 * holds about 20 tenants. Every tenant has one host, `t<id>.bench.test`, and the parents get their
 * maintained `subtenants` group (the only groups the benchmarks use).
 */
export const HOST_SUFFIX = 'bench.test';
export const hostOf = (id: number): string => `t${id}.${HOST_SUFFIX}`;

export type CatalogShape = { tenants: number; parents: number };

export function catalogShape(tenants: number): CatalogShape {
  if (tenants < 2) throw new Error('the benchmarks need at least 2 tenants');
  return { tenants, parents: Math.max(1, Math.min(500, Math.floor((tenants - 1) / 20))) };
}

/** Loads the catalog into a freshly migrated, empty database, as the owner. */
export async function loadCatalog(db: Kysely<DB>, shape: CatalogShape): Promise<void> {
  const { tenants, parents } = shape;
  await db.transaction().execute(async (tx) => {
    await sql`insert into tenants (id, slug, name, parent_id, is_service_provider, subtenants_allowed, depth)
      overriding system value
      select g, 't' || g, 'Tenant ' || g,
        case when g > ${parents} + 1 then 2 + (g - 2 - ${parents}) % ${parents} end,
        g = 1, g <= ${parents} + 1, case when g > ${parents} + 1 then 1 else 0 end
      from generate_series(1, ${tenants}::integer) g`.execute(tx);
    await sql`select setval(pg_get_serial_sequence('tenants', 'id'), ${tenants}::integer)`.execute(tx);
    await sql`insert into tenant_hosts (host, tenant_id) select slug || ${'.' + HOST_SUFFIX}, id from tenants`.execute(tx);
    // Every pool tenant's writes are fenced at its placement epoch (tenancy/placement/fences.ts).
    await sql`insert into tenant_fences (tenant_id, epoch) select id, placement_epoch from tenants`.execute(tx);
    await sql`insert into tenant_groups (slug, name, description, kind, owner_tenant_id)
      select slug || '.subtenants', name || ': subtenants', 'Maintained by TenantDesk: the tenant and all its descendants.', 'subtenants', id
      from tenants where subtenants_allowed and not is_service_provider`.execute(tx);
    await sql`insert into tenant_group_members (group_id, tenant_id)
      select g.id, t.id from tenant_groups g join tenants t on t.id = g.owner_tenant_id or t.parent_id = g.owner_tenant_id
      where g.kind = 'subtenants'`.execute(tx);
    await sql`update catalog_state set version = version + 1`.execute(tx);
  });
}

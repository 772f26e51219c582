import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { registry, tenantTables, type ObjectType } from '../../db/registry.ts';
import { AppError } from '../../errors.ts';
import { refreshMaintainedGroups } from '../catalog/groups.ts';
import { ancestorIds } from '../catalog/create-tenant.ts';
import type { TenancyContext } from '../context.ts';
import { countObjects } from '../data-access.ts';
import { setFence } from './fences.ts';
import { dropSiloDatabase } from './provision-silo.ts';
import { deleteTenantFiles } from '../../files/tenant-files.ts';

/**
 * Tenant tables in an order safe for deleting a tenant's rows: a table whose rows belong to another
 * row of the same tenant (a foreign key, `sameTenant` in the registry) comes before that table.
 */
export function deleteOrder(): ObjectType[] {
  const tables = tenantTables();
  const owners = (t: ObjectType) => t.references.filter((r) => r.sameTenant).map((r) => registry[r.target as keyof typeof registry].table);
  const ordered: ObjectType[] = [];
  const place = (t: ObjectType, seen: Set<string>) => {
    if (ordered.includes(t) || seen.has(t.table)) return;
    seen.add(t.table);
    for (const child of tables.filter((c) => owners(c).includes(t.table))) place(child, seen);
    ordered.push(t);
  };
  for (const t of tables) place(t, new Set());
  return ordered;
}

/** Deletes every row of the tenant in one database, parts before their owners. */
export async function deleteTenantRows(tx: Transaction<DB>, tenantId: number): Promise<void> {
  for (const type of deleteOrder()) await sql`delete from ${sql.table(type.table)} where tenant_id = ${tenantId}`.execute(tx);
}

/**
 * Deletes a tenant and everything it owns: its rows in the pool, or its silo database, then its
 * hosts, groups and catalog row. Refused for the service provider, for a tenant with subtenants,
 * and while another role's access names it.
 */
export async function deleteTenant(ctx: TenancyContext, slug: string, options: { dataDir?: string | undefined } = {}): Promise<void> {
  const tenant = ctx.catalog.bySlug.get(slug);
  if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  if (tenant.isServiceProvider) throw new AppError('TENANT_RULE_VIOLATION', 'The service provider cannot be deleted.', 'tenant');
  if (tenant.move) throw new AppError('CONFLICT', `Tenant "${slug}" is being moved: finish the move (rerun it) or abort it first.`, 'tenant');
  if ([...ctx.catalog.byId.values()].some((t) => t.parentId === tenant.id)) {
    throw new AppError('TENANT_RULE_VIOLATION', `Tenant "${slug}" has subtenants; delete or move them first.`, 'tenant');
  }
  // Roles of other tenants (and public ones) naming it; its own go with it.
  let naming = 0;
  for (const column of ['read_tenant_id', 'write_tenant_id']) {
    naming += (await countObjects(ctx, 'role', { [column]: tenant.id })) - (await countObjects(ctx, 'role', { [column]: tenant.id, tenant_id: tenant.id }));
  }
  if (naming) throw new AppError('TENANT_RULE_VIOLATION', `${naming} role(s) give access to tenant "${slug}"; change them first.`, 'tenant');

  if (tenant.shard === 'pool') {
    await ctx.database.system.transaction().execute(async (tx) => {
      // Fenced first: a write routed by an older map waits for this and is then refused, not left behind.
      await setFence(tx, tenant.id, null);
      await deleteTenantRows(tx, tenant.id);
    });
  } else {
    await dropSiloDatabase(ctx.shards, tenant.shard);
  }
  await ctx.database.system.transaction().execute(async (tx) => {
    const ancestors = (await ancestorIds(tx, tenant.id)).filter((id) => id !== tenant.id);
    await tx.deleteFrom('tenants').where('id', '=', tenant.id).execute();
    if (tenant.shard !== 'pool') await tx.deleteFrom('shards').where('name', '=', tenant.shard).execute();
    await refreshMaintainedGroups(tx, ancestors);
  });
  if (options.dataDir) await deleteTenantFiles(options.dataDir, tenant.id);
}

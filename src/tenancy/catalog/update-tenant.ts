import type { Database } from '../../db/database.ts';
import type { TenantStatus } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { TenancySettings } from '../settings.ts';
import { ancestorIds } from './create-tenant.ts';
import { refreshMaintainedGroups } from './groups.ts';

export type UpdateTenantInput = {
  name?: string;
  status?: TenantStatus;
  subtenantsAllowed?: boolean;
  branding?: Record<string, unknown>;
  termsOfUse?: string | null;
  /** A new parent's slug, or null to make it a top-level tenant. */
  parentSlug?: string | null;
  serviceProvider?: boolean;
};

type Tx = Parameters<typeof refreshMaintainedGroups>[0];

/**
 * Changes a tenant. Re-parenting keeps the hierarchy acyclic and within the depth limit, recomputes
 * the depth of the moved subtree and the maintained groups of every tenant whose lineage changed.
 */
export async function updateTenant(database: Database, settings: TenancySettings, slug: string, input: UpdateTenantInput) {
  return database.system.transaction().execute(async (tx) => {
    const tenant = await tx.selectFrom('tenants').selectAll().where('slug', '=', slug).forUpdate().executeTakeFirst();
    if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
    if (input.serviceProvider !== undefined && input.serviceProvider !== tenant.is_service_provider) {
      throw new AppError('TENANT_RULE_VIOLATION', 'The service-provider flag is set on the first tenant and cannot change.', 'serviceProvider');
    }
    if (input.status && input.status !== 'active' && tenant.is_service_provider) {
      throw new AppError('TENANT_RULE_VIOLATION', 'The service provider cannot be suspended or archived.', 'status');
    }
    if (input.subtenantsAllowed === false) {
      const child = await tx.selectFrom('tenants').select('id').where('parent_id', '=', tenant.id).executeTakeFirst();
      if (child) throw new AppError('TENANT_RULE_VIOLATION', `Tenant "${slug}" has subtenants; move them first.`, 'subtenantsAllowed');
    }
    if (input.name !== undefined && (!input.name.trim() || input.name.length > 200)) {
      throw new AppError('VALIDATION_FAILED', 'A name is 1-200 characters.', 'name');
    }
    if (input.parentSlug !== undefined) await reparent(tx, settings, tenant, input.parentSlug);
    const updated = await tx
      .updateTable('tenants')
      .set({
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.subtenantsAllowed !== undefined ? { subtenants_allowed: input.subtenantsAllowed } : {}),
        ...(input.branding !== undefined ? { branding: JSON.stringify(input.branding) } : {}),
        ...(input.termsOfUse !== undefined ? { terms_of_use: input.termsOfUse } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', tenant.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return updated;
  });
}

async function reparent(
  tx: Tx,
  settings: TenancySettings,
  tenant: { id: number; slug: string; parent_id: number | null; is_service_provider: boolean },
  parentSlug: string | null,
): Promise<void> {
  if (tenant.is_service_provider && parentSlug !== null) {
    throw new AppError('TENANT_RULE_VIOLATION', 'The service provider never has a parent.', 'parent');
  }
  let parent: { id: number; depth: number } | undefined;
  if (parentSlug !== null) {
    const found = await tx.selectFrom('tenants').select(['id', 'depth', 'subtenants_allowed']).where('slug', '=', parentSlug).executeTakeFirst();
    if (!found) throw new AppError('NOT_FOUND', `No tenant "${parentSlug}" to be the parent.`, 'parent');
    if (!found.subtenants_allowed) throw new AppError('TENANT_RULE_VIOLATION', `Tenant "${parentSlug}" does not allow subtenants.`, 'parent');
    if ((await ancestorIds(tx, found.id)).includes(tenant.id)) {
      throw new AppError('TENANT_RULE_VIOLATION', `Making "${parentSlug}" the parent of "${tenant.slug}" would create a cycle.`, 'parent');
    }
    parent = found;
  }
  const subtree = await subtreeDepths(tx, tenant.id);
  const newDepth = parent ? parent.depth + 1 : 0;
  const deepest = Math.max(...subtree.map((s) => s.relative));
  if (newDepth + deepest >= settings.maxDepth) {
    throw new AppError('TENANT_RULE_VIOLATION', `The hierarchy may be at most ${settings.maxDepth} levels deep.`, 'parent');
  }
  const before = await ancestorIds(tx, tenant.id);
  await tx.updateTable('tenants').set({ parent_id: parent?.id ?? null }).where('id', '=', tenant.id).execute();
  for (const node of subtree) {
    await tx.updateTable('tenants').set({ depth: newDepth + node.relative }).where('id', '=', node.id).execute();
  }
  const after = await ancestorIds(tx, tenant.id);
  await refreshMaintainedGroups(tx, [...new Set([...before, ...after, ...subtree.map((s) => s.id)])]);
}

async function subtreeDepths(tx: Tx, root: number): Promise<{ id: number; relative: number }[]> {
  const out = [{ id: root, relative: 0 }];
  for (let i = 0; i < out.length; i++) {
    const children = await tx.selectFrom('tenants').select('id').where('parent_id', '=', out[i]!.id).execute();
    out.push(...children.map((c) => ({ id: c.id, relative: out[i]!.relative + 1 })));
  }
  return out;
}

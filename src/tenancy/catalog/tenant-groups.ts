import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { requireUserGroup } from './groups.ts';

/** User-defined tenant groups: fully editable by administrators. Maintained groups: name and description only. */
export async function createTenantGroup(database: Database, input: { slug: string; name: string; description?: string; members?: string[] }) {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(input.slug)) {
    throw new AppError('VALIDATION_FAILED', 'A group slug is lower-case letters, digits and hyphens.', 'slug');
  }
  return database.system.transaction().execute(async (tx) => {
    if (await tx.selectFrom('tenant_groups').select('id').where('slug', '=', input.slug).executeTakeFirst()) {
      throw new AppError('CONFLICT', `A tenant group "${input.slug}" already exists.`, 'slug');
    }
    const group = await tx
      .insertInto('tenant_groups')
      .values({ slug: input.slug, name: input.name, description: input.description ?? '', kind: 'user', owner_tenant_id: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    const { tenants } = await editableMembers(tx, input.slug, input.members ?? []);
    if (tenants.length) await tx.insertInto('tenant_group_members').values(tenants.map((t) => ({ group_id: group.id, tenant_id: t.id }))).execute();
    return group;
  });
}

export async function renameTenantGroup(database: Database, slug: string, input: { name?: string; description?: string }) {
  return database.system.transaction().execute(async (tx) => {
    const group = await requireUserGroup(tx, slug);
    await tx
      .updateTable('tenant_groups')
      .set({ ...(input.name ? { name: input.name } : {}), ...(input.description !== undefined ? { description: input.description } : {}) })
      .where('id', '=', group.id)
      .execute();
  });
}

type Tx = Parameters<typeof requireUserGroup>[0];

/** A user-defined group (maintained ones are refused) and the tenants named, every one of which must exist. */
async function editableMembers(tx: Tx, slug: string, tenantSlugs: string[]) {
  const group = await requireUserGroup(tx, slug);
  if (group.kind !== 'user') {
    throw new AppError('TENANT_RULE_VIOLATION', `Group "${slug}" is maintained from the hierarchy; its members cannot be edited.`, 'group');
  }
  const tenants = tenantSlugs.length ? await tx.selectFrom('tenants').select(['id', 'slug']).where('slug', 'in', tenantSlugs).execute() : [];
  const missing = tenantSlugs.find((s) => !tenants.some((t) => t.slug === s));
  if (missing) throw new AppError('NOT_FOUND', `No tenant "${missing}".`, 'tenant');
  return { group, tenants };
}

export async function changeTenantGroupMembers(database: Database, slug: string, change: 'add' | 'remove', tenantSlugs: string[]) {
  await database.system.transaction().execute(async (tx) => {
    const { group, tenants } = await editableMembers(tx, slug, tenantSlugs);
    if (change === 'add' && tenants.length) {
      await tx
        .insertInto('tenant_group_members')
        .values(tenants.map((t) => ({ group_id: group.id, tenant_id: t.id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    } else if (change === 'remove' && tenants.length) {
      await tx.deleteFrom('tenant_group_members').where('group_id', '=', group.id).where('tenant_id', 'in', tenants.map((t) => t.id)).execute();
    }
  });
}

export async function listTenantGroups(database: Database, options: { includeMaintained?: boolean } = {}) {
  let query = database.system
    .selectFrom('tenant_groups as g')
    .leftJoin('tenant_group_members as m', 'm.group_id', 'g.id')
    .leftJoin('tenants as t', 't.id', 'm.tenant_id')
    .select(['g.slug', 'g.name', 'g.kind', 'g.description'])
    .select(sql<string[]>`coalesce(array_agg(t.slug order by t.slug) filter (where t.slug is not null), '{}')`.as('members'))
    .groupBy(['g.id'])
    .orderBy('g.slug');
  if (!options.includeMaintained) query = query.where('g.kind', '=', 'user');
  return query.execute();
}

/** Slugs of tenant groups by id (to name a role's group access). */
export async function groupSlugs(database: Database, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await database.system.selectFrom('tenant_groups').select(['id', 'slug']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, r.slug]));
}

/** Makes the members of a user-defined group exactly `tenantSlugs`, in one transaction. */
export async function replaceTenantGroupMembers(database: Database, slug: string, tenantSlugs: string[]) {
  await database.system.transaction().execute(async (tx) => {
    const { group, tenants } = await editableMembers(tx, slug, tenantSlugs);
    await tx.deleteFrom('tenant_group_members').where('group_id', '=', group.id).execute();
    if (tenants.length) await tx.insertInto('tenant_group_members').values(tenants.map((t) => ({ group_id: group.id, tenant_id: t.id }))).execute();
  });
}

/**
 * Deletes a user-defined group. A group a role still grants access through is kept: its holders
 * would silently lose that access (change those roles first). `rolesUsing` counts such roles on
 * every shard (a tenant's roles may live in its silo).
 */
export async function deleteTenantGroup(database: Database, slug: string, rolesUsing: (groupId: number) => Promise<number>) {
  const group = await database.system.selectFrom('tenant_groups').select(['id', 'kind']).where('slug', '=', slug).executeTakeFirst();
  if (!group) throw new AppError('NOT_FOUND', `No tenant group "${slug}".`, 'group');
  if (group.kind !== 'user') throw new AppError('TENANT_RULE_VIOLATION', `Group "${slug}" is maintained from the hierarchy; it goes only with its tenant.`, 'group');
  const roles = await rolesUsing(group.id);
  if (roles > 0) throw new AppError('TENANT_RULE_VIOLATION', `${roles} role(s) give tenant access through group "${slug}": change them first.`, 'group');
  await database.system.transaction().execute(async (tx) => {
    await tx.deleteFrom('tenant_groups').where('id', '=', group.id).execute();
  });
}

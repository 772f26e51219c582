import { sql, type Transaction } from 'kysely';
import type { DB, GroupKind } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';

type Tx = Transaction<DB>;

/** The four groups the product keeps up to date for every tenant T (DESIGN.md section 1). */
export const MAINTAINED_KINDS = ['subtenants', 'supertenants', 'foreign-key', 'related'] as const satisfies readonly GroupKind[];

const describe: Record<(typeof MAINTAINED_KINDS)[number], string> = {
  subtenants: 'the tenant and all its descendants',
  supertenants: 'the tenant and all its ancestors',
  'foreign-key': 'the tenants whose objects this tenant may reference (its supertenants)',
  related: 'the tenant, its descendants and its ancestors',
};

export async function createMaintainedGroups(tx: Tx, tenant: { id: number; slug: string; name: string }): Promise<void> {
  await tx
    .insertInto('tenant_groups')
    .values(
      MAINTAINED_KINDS.map((kind) => ({
        slug: `${tenant.slug}.${kind}`,
        name: `${tenant.name}: ${kind}`,
        description: `Maintained by TenantDesk: ${describe[kind]}.`,
        kind,
        owner_tenant_id: tenant.id,
      })),
    )
    .execute();
}

/**
 * Recomputes the members of the maintained groups owned by `owners` (every tenant whose
 * sub- or supertenants may have changed) from the hierarchy. Called inside the transaction that
 * changed the hierarchy, so no reader ever sees a stale group.
 */
export async function refreshMaintainedGroups(tx: Tx, owners: readonly number[]): Promise<void> {
  if (owners.length === 0) return;
  const ids = sql`${sql.val([...owners])}::integer[]`;
  await sql`delete from tenant_group_members m using tenant_groups g
    where g.id = m.group_id and g.kind <> 'user' and g.owner_tenant_id = any (${ids})`.execute(tx);
  await sql`
    with recursive lineage (ancestor_id, descendant_id) as (
      select id, id from tenants
      union all
      select l.ancestor_id, t.id from lineage l join tenants t on t.parent_id = l.descendant_id
    ), owned as (select * from tenant_groups where kind <> 'user' and owner_tenant_id = any (${ids}))
    insert into tenant_group_members (group_id, tenant_id)
    select g.id, l.descendant_id from owned g join lineage l on l.ancestor_id = g.owner_tenant_id where g.kind in ('subtenants', 'related')
    union
    select g.id, l.ancestor_id from owned g join lineage l on l.descendant_id = g.owner_tenant_id where g.kind in ('supertenants', 'foreign-key', 'related')
  `.execute(tx);
}

export type UserGroupInput = { slug: string; name: string; description?: string };

export async function requireUserGroup(tx: Tx, slug: string): Promise<{ id: number; kind: GroupKind }> {
  const group = await tx.selectFrom('tenant_groups').select(['id', 'kind']).where('slug', '=', slug).executeTakeFirst();
  if (!group) throw new AppError('NOT_FOUND', `No tenant group "${slug}".`, 'group');
  return group;
}

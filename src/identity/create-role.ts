import { sql } from 'kysely';
import type { AccessKind, Role } from '../db/schema.ts';
import { objectType, type ObjectTypeName } from '../db/registry.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, inTransaction, type Row } from '../tenancy/data-access.ts';
import { recordAudit } from './audit.ts';
import { assertCanDefineRole, assertPermissionNames } from './permissions.ts';
import { conditionPath, conditionsOf, parsePartitions, RELATIONS } from '../tenancy/data-partitions.ts';

/** `all`, `own`, `tenant:<slug>` or `group:<slug>`: a role's read or write tenant access. */
export type AccessText = string;

export type CreateRoleInput = {
  slug: string;
  name: string;
  /** The role's own tenant; omitted for a public role (needs may-write-public). */
  tenantId?: number | null;
  read: AccessText;
  write: AccessText;
  mayWritePublic?: boolean;
  permissions?: string[];
  partitions?: unknown[];
  /** The active role of whoever defines it (an HTTP caller): it may not make a stronger role. */
  definedBy?: Pick<Role, 'permissions'>;
};

/** The access kind of an access text ("tenant:acme" -> "tenant"), before any name in it is looked up. */
export const accessKindOf = (text: AccessText): AccessKind => text.split(':', 1)[0] as AccessKind;

export async function parseAccess(ctx: TenancyContext, text: AccessText, field: string): Promise<{ kind: AccessKind; tenantId: number | null; groupId: number | null }> {
  const [kind, slug] = text.split(':', 2) as [string, string | undefined];
  if ((kind === 'all' || kind === 'own') && slug === undefined) return { kind, tenantId: null, groupId: null };
  if (kind === 'tenant' && slug) {
    const tenant = ctx.catalog.bySlug.get(slug);
    if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, field);
    return { kind, tenantId: tenant.id, groupId: null };
  }
  if (kind === 'group' && slug) {
    const group = await ctx.database.system.selectFrom('tenant_groups').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!group) throw new AppError('NOT_FOUND', `No tenant group "${slug}".`, field);
    return { kind, tenantId: null, groupId: group.id };
  }
  throw new AppError('VALIDATION_FAILED', `Tenant access is "all", "own", "tenant:<slug>" or "group:<slug>", not "${text}".`, field);
}

/** Each partition must name a real column of its object type, checked against the database. */
export async function assertPartitionColumns(ctx: TenancyContext, partitions: ReturnType<typeof parsePartitions>): Promise<void> {
  for (const [i, p] of partitions.entries()) {
    const table = objectType(p.type as ObjectTypeName).table;
    for (const [j, { field }] of conditionsOf(p).entries()) {
      if (Object.hasOwn(RELATIONS[p.type] ?? {}, field)) continue;
      const found = await sql<{ n: number }>`select count(*)::integer as n from information_schema.columns
        where table_schema = 'public' and table_name = ${table} and column_name = ${field}`.execute(ctx.database.system);
      if (found.rows[0]!.n === 0) throw new AppError('PARTITION_FIELD_UNKNOWN', `A ${p.type} has no field "${field}".`, conditionPath(i, 'any' in p ? j : null));
    }
  }
}

/** Creates a role (a tenant-optional object) through the scoped data-access layer. */
export async function createRole(ctx: TenancyContext, input: CreateRoleInput, actorContactId: string | null = null): Promise<Row> {
  assertPermissionNames(input.permissions ?? []);
  // Checked before the access texts are resolved, so a refused caller learns nothing of other tenants' names.
  if (input.definedBy) {
    assertCanDefineRole(input.definedBy, { read_access: accessKindOf(input.read), write_access: accessKindOf(input.write), may_write_public: input.mayWritePublic ?? false, permissions: input.permissions ?? [] });
  }
  const read = await parseAccess(ctx, input.read, 'read');
  const write = await parseAccess(ctx, input.write, 'write');
  const partitions = parsePartitions(input.partitions ?? []);
  await assertPartitionColumns(ctx, partitions);
  return inTransaction(ctx, async (ctx) => {
    const role = await createObject(ctx, 'role', {
      ...(input.tenantId !== undefined ? { tenant_id: input.tenantId } : {}),
      slug: input.slug,
      name: input.name,
      read_access: read.kind,
      read_tenant_id: read.tenantId,
      read_group_id: read.groupId,
      write_access: write.kind,
      write_tenant_id: write.tenantId,
      write_group_id: write.groupId,
      may_write_public: input.mayWritePublic ?? false,
      permissions: input.permissions ?? [],
      data_partitions: JSON.stringify(partitions),
    });
    // A public role is recorded in the service provider's log, which administers public data.
    const auditTenant = typeof role.tenant_id === 'number' ? role.tenant_id : ctx.catalog.serviceProvider?.id;
    if (auditTenant !== undefined) {
      await recordAudit(ctx.tx!, { tenantId: auditTenant, actorContactId, action: 'role.created', objectType: 'role', objectId: String(role.id), data: { slug: role.slug, read: input.read, write: input.write, permissions: input.permissions ?? [] } });
    }
    return role;
  }, input.tenantId ?? null);
}

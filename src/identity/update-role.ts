import type { Role } from '../db/schema.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { findObject, inTransaction, updateObject, type Row } from '../tenancy/data-access.ts';
import { parsePartitions } from '../tenancy/data-partitions.ts';
import { recordAuditInScope } from './audit.ts';
import { accessKindOf, assertPartitionColumns, parseAccess, type AccessText } from './create-role.ts';
import { assertCanDefineRole, assertPermissionNames } from './permissions.ts';
import { credentialsChanged } from './credential-cache.ts';

/** What may change in a role; its slug and tenant never change (others refer to it by slug). */
export type UpdateRoleInput = {
  name?: string;
  read?: AccessText;
  write?: AccessText;
  mayWritePublic?: boolean;
  permissions?: string[];
  partitions?: unknown[];
};

/** The columns an update writes, its access texts resolved to ids. */
async function roleColumns(ctx: TenancyContext, input: UpdateRoleInput): Promise<Row> {
  const columns: Row = {};
  if (input.name !== undefined) columns.name = input.name;
  for (const side of ['read', 'write'] as const) {
    if (input[side] === undefined) continue;
    const access = await parseAccess(ctx, input[side], side);
    Object.assign(columns, { [`${side}_access`]: access.kind, [`${side}_tenant_id`]: access.tenantId, [`${side}_group_id`]: access.groupId });
  }
  if (input.mayWritePublic !== undefined) columns.may_write_public = input.mayWritePublic;
  if (input.permissions !== undefined) columns.permissions = input.permissions;
  if (input.partitions !== undefined) {
    const partitions = parsePartitions(input.partitions);
    await assertPartitionColumns(ctx, partitions);
    columns.data_partitions = JSON.stringify(partitions);
  }
  return columns;
}

/**
 * Changes a role through the data-access layer (a public role needs may-write-public). The definer
 * must be allowed to define the role both as it is and as it becomes: a tenant administrator can
 * neither widen a role nor touch one stronger than its own. Holders' access changes at their next request.
 */
export async function updateRole(ctx: TenancyContext, id: string, input: UpdateRoleInput, definer: Pick<Role, 'permissions'>, actorContactId: string | null): Promise<Row> {
  if (input.permissions) assertPermissionNames(input.permissions);
  const current = (await findObject(ctx, 'role', id)) as unknown as Role;
  assertCanDefineRole(definer, current);
  assertCanDefineRole(definer, {
    read_access: input.read !== undefined ? accessKindOf(input.read) : current.read_access,
    write_access: input.write !== undefined ? accessKindOf(input.write) : current.write_access,
    may_write_public: input.mayWritePublic ?? current.may_write_public,
    permissions: input.permissions ?? current.permissions,
  });
  const columns = await roleColumns(ctx, input);
  const updated = await inTransaction(ctx, async (tx) => {
    const role = await updateObject(tx, 'role', id, columns);
    const auditTenant = current.tenant_id ?? ctx.catalog.serviceProvider?.id;
    if (auditTenant !== undefined) {
      await recordAuditInScope(tx, { tenantId: auditTenant, actorContactId, action: 'role.updated', objectType: 'role', objectId: id, data: { changes: input } });
    }
    return role;
  }, current.tenant_id);
  credentialsChanged(current.tenant_id);
  return updated;
}

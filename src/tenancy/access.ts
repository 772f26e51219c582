import type { Database } from '../db/database.ts';
import type { DbScope, TenantSet } from '../db/scope.ts';
import type { AccessKind, Role } from '../db/schema.ts';
import type { TenancySettings } from './settings.ts';
import type { ResolvedPartition } from './data-partitions.ts';

/** The tenant access of the active role, resolved to tenant ids (DESIGN.md: "Access comes from the role"). */
export type Access = {
  readonly read: TenantSet;
  readonly write: TenantSet;
  readonly writePublic: boolean;
  /** The active role's data partitions, placeholders resolved; they narrow reads and writes. */
  readonly partitions?: readonly ResolvedPartition[];
};

export type AccessSpec = {
  readonly kind: AccessKind;
  readonly tenantId?: number | null;
  readonly groupId?: number | null;
};

export type RoleAccessSpec = { read: AccessSpec; write: AccessSpec; writePublic: boolean };

export const NO_ACCESS: Access = { read: [], write: [], writePublic: false };

export function roleAccessSpec(role: Pick<Role, 'read_access' | 'read_tenant_id' | 'read_group_id' | 'write_access' | 'write_tenant_id' | 'write_group_id' | 'may_write_public'>): RoleAccessSpec {
  return {
    read: { kind: role.read_access, tenantId: role.read_tenant_id, groupId: role.read_group_id },
    write: { kind: role.write_access, tenantId: role.write_tenant_id, groupId: role.write_group_id },
    writePublic: role.may_write_public,
  };
}

/** Resolves a role's access for a contact of `ownTenantId`. In `off` and `setup` nothing is enforced. */
export async function resolveAccess(
  database: Database,
  settings: TenancySettings,
  spec: RoleAccessSpec,
  ownTenantId: number | null,
): Promise<Access> {
  if (settings.state !== 'on') return { read: 'all', write: 'all', writePublic: spec.writePublic };
  const [read, write] = await Promise.all([resolveSet(database, spec.read, ownTenantId), resolveSet(database, spec.write, ownTenantId)]);
  return { read, write, writePublic: spec.writePublic };
}

async function resolveSet(database: Database, spec: AccessSpec, ownTenantId: number | null): Promise<TenantSet> {
  switch (spec.kind) {
    case 'all':
      return 'all';
    case 'own':
      return ownTenantId === null ? [] : [ownTenantId];
    case 'tenant':
      return spec.tenantId == null ? [] : [spec.tenantId];
    case 'group': {
      if (spec.groupId == null) return [];
      const rows = await database.system.selectFrom('tenant_group_members').select('tenant_id').where('group_id', '=', spec.groupId).execute();
      return rows.map((r) => r.tenant_id).sort((a, b) => a - b);
    }
  }
}

export function inSet(set: TenantSet, tenantId: number): boolean {
  return set === 'all' || set.includes(tenantId);
}

/** The scope a read runs under. */
export function readScope(access: Access): DbScope {
  return { read: access.read, write: [], writePublic: false };
}

/** The scope a write runs under: rows written must also be readable to be returned. */
export function writeScope(access: Access, untenantedAllowed = false): DbScope {
  const read: TenantSet =
    access.read === 'all' || access.write === 'all' ? 'all' : [...new Set([...access.read, ...access.write])];
  return { read, write: access.write, writePublic: access.writePublic, untenantedAllowed };
}

/** The context reading `tenantId` alone, if its role may read it at all (else nothing). */
export function onlyTenant<C extends { access: Access }>(ctx: C, tenantId: number): C {
  return { ...ctx, access: { ...ctx.access, read: inSet(ctx.access.read, tenantId) ? [tenantId] : [] } };
}

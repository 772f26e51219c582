import type { Database } from '../../db/database.ts';
import type { TenantStatus } from '../../db/schema.ts';

/** One tenant as the service provider's administration sees it: the catalog row, its hosts, a move under way. */
export type TenantEntry = {
  id: number;
  slug: string;
  name: string;
  status: TenantStatus;
  parent: string | null;
  depth: number;
  serviceProvider: boolean;
  subtenantsAllowed: boolean;
  shard: string;
  placement: 'pool' | 'silo';
  hosts: string[];
  branding: Record<string, unknown>;
  move: { to: string; phase: string } | null;
  createdAt: Date;
};

/** Parents before their children, siblings by slug: the hierarchy read top-down. */
function treeOrder(tenants: TenantEntry[]): TenantEntry[] {
  const children = new Map<string | null, TenantEntry[]>();
  for (const t of [...tenants].sort((a, b) => a.slug.localeCompare(b.slug))) children.set(t.parent, [...(children.get(t.parent) ?? []), t]);
  const out: TenantEntry[] = [];
  const visit = (parent: string | null) => {
    for (const t of children.get(parent) ?? []) {
      out.push(t);
      visit(t.slug);
    }
  };
  visit(null);
  return out;
}

/** Every tenant of the catalog with its hosts, in hierarchy order. */
export async function listTenants(database: Database): Promise<TenantEntry[]> {
  const [tenants, hosts, moves, shards] = await Promise.all([
    database.system.selectFrom('tenants').selectAll().execute(),
    database.system.selectFrom('tenant_hosts').select(['host', 'tenant_id']).orderBy('host').execute(),
    database.system.selectFrom('tenant_moves').select(['tenant_id', 'to_shard', 'phase']).execute(),
    database.system.selectFrom('shards').select(['name', 'kind']).execute(),
  ]);
  const slugOf = new Map(tenants.map((t) => [t.id, t.slug]));
  const kindOf = new Map(shards.map((s) => [s.name, s.kind]));
  return treeOrder(
    tenants.map((t) => {
      const move = moves.find((m) => m.tenant_id === t.id);
      return {
        id: t.id,
        slug: t.slug,
        name: t.name,
        status: t.status,
        parent: t.parent_id === null ? null : (slugOf.get(t.parent_id) ?? null),
        depth: t.depth,
        serviceProvider: t.is_service_provider,
        subtenantsAllowed: t.subtenants_allowed,
        shard: t.shard,
        placement: kindOf.get(t.shard) === 'silo' ? 'silo' : 'pool',
        hosts: hosts.filter((h) => h.tenant_id === t.id).map((h) => h.host),
        branding: (t.branding ?? {}) as Record<string, unknown>,
        move: move ? { to: move.to_shard, phase: move.phase } : null,
        createdAt: t.created_at,
      };
    }),
  );
}

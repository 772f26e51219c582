import { redact, type Database } from '../../db/database.ts';
import type { TenancySettings } from '../settings.ts';
import { catalogVersion } from './snapshot.ts';

export type ShardState = { name: string; kind: 'pool' | 'silo'; location: string; tenants: string[] };
export type MoveState = { tenant: string; from: string; to: string; phase: string; startedAt: Date; updatedAt: Date };

/**
 * The multi-tenancy state of the installation, read-only: the settings in force, the catalog
 * version every process compares its snapshot with, the shards with their tenants, and the
 * tenant moves under way (`tenantdesk tenant move` runs them). Locations never carry a password.
 */
export async function multiTenancyState(database: Database, settings: TenancySettings) {
  const [version, shards, tenants, moves] = await Promise.all([
    catalogVersion(database),
    database.system.selectFrom('shards').select(['name', 'kind', 'location']).orderBy('kind').orderBy('name').execute(),
    database.system.selectFrom('tenants').select(['id', 'slug', 'shard']).orderBy('slug').execute(),
    database.system.selectFrom('tenant_moves').selectAll().orderBy('started_at').execute(),
  ]);
  const slugOf = new Map(tenants.map((t) => [t.id, t.slug]));
  return {
    state: settings.state,
    untenanted: settings.untenanted,
    maxDepth: settings.maxDepth,
    maxTenants: settings.maxTenants ?? null,
    catalogVersion: version,
    tenantCount: tenants.length,
    shards: shards.map(
      (s): ShardState => ({
        name: s.name,
        kind: s.kind === 'silo' ? 'silo' : 'pool',
        location: /^postgres(ql)?:/.test(s.location) ? redact(s.location) : s.location,
        tenants: tenants.filter((t) => t.shard === s.name).map((t) => t.slug),
      }),
    ),
    moves: moves.map((m): MoveState => ({ tenant: slugOf.get(m.tenant_id) ?? String(m.tenant_id), from: m.from_shard, to: m.to_shard, phase: m.phase, startedAt: m.started_at, updatedAt: m.updated_at })),
  };
}

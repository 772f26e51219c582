import type { Database } from '../../db/database.ts';
import { isConnectionError } from '../../db/errors.ts';
import type { ObjectType } from '../../db/registry.ts';
import type { Fence, TenantSet } from '../../db/scope.ts';
import { AppError } from '../../errors.ts';
import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import type { TenancyContext } from '../context.ts';
import { fenceFor } from './fences.ts';

/**
 * One database to ask, and the part of a tenant set whose rows it holds. Public rows (no tenant)
 * are the pool's alone: a silo may hold copies made by migrations' seed data, never to be read.
 */
export type Target = {
  readonly database: Database;
  readonly tenants: TenantSet;
  readonly publicRows: boolean;
  /** Tenants whose rows in this database are not theirs to show yet (a move into the pool). */
  readonly exclude?: readonly number[];
  /** The slugs of the tenants a silo holds, to name them when it cannot be reached. */
  readonly holds?: readonly string[];
};

/**
 * The databases holding rows of `type` for the tenants of `set`, pool first. The pool is always
 * asked for public and tenant-optional types (it holds the public rows) and for `all` (untenanted
 * rows); a silo holds its tenant's rows only.
 */
export async function readTargets(ctx: TenancyContext, type: ObjectType, set: TenantSet): Promise<Target[]> {
  if (type.class === 'public' || type.class === 'catalog') return [{ database: ctx.shards.pool, tenants: set, publicRows: true }];
  const bySilo = new Map<string, number[]>();
  const inPool: number[] = [];
  const tenants = set === 'all' ? [...ctx.catalog.byId.values()] : set.flatMap((id) => ctx.catalog.byId.get(id) ?? []);
  for (const tenant of tenants) {
    if (tenant.shard === 'pool') inPool.push(tenant.id);
    else bySilo.set(tenant.shard, [...(bySilo.get(tenant.shard) ?? []), tenant.id]);
  }
  const targets: Target[] = [];
  if (set === 'all' || inPool.length || type.class === 'tenant-optional') {
    const arriving = tenants.filter((t) => t.move?.to === 'pool' && t.shard !== 'pool').map((t) => t.id);
    targets.push({ database: ctx.shards.pool, tenants: set === 'all' ? 'all' : inPool, publicRows: true, ...(arriving.length ? { exclude: arriving } : {}) });
  }
  for (const [shard, ids] of bySilo) {
    const holds = ids.map((id) => ctx.catalog.byId.get(id)!.slug);
    const database = await ctx.shards.get(shard).catch((error: unknown) => {
      throw error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE' ? unreachable(holds) : error;
    });
    targets.push({ database, tenants: set === 'all' ? 'all' : ids, publicRows: false, holds });
  }
  return targets;
}

/**
 * The database an object of `tenantId` is written to (public and untenanted rows: the pool), and
 * the fence its transaction carries: the placement epoch of the map that chose that database.
 */
export async function writeTarget(ctx: TenancyContext, tenantId: number | null | undefined): Promise<{ database: Database; fence: Fence | undefined }> {
  assertWritesOpen(ctx.catalog, tenantId);
  const database = tenantId == null ? ctx.shards.pool : await ctx.shards.forTenant(ctx.catalog, tenantId);
  return { database, fence: fenceFor(ctx.catalog, tenantId) };
}

/** While a move copies a tenant's last changes and switches its shard, its writes wait (a retryable 503). */
export function assertWritesOpen(catalog: CatalogSnapshot, tenantId: number | null | undefined): void {
  if (tenantId != null && catalog.byId.get(tenantId)?.move?.frozen) {
    throw new AppError('TENANT_MOVING', 'This tenant is being moved to another database; changes are paused for a few seconds. Try again shortly.');
  }
}

/**
 * Runs `work` on every target, a few at a time. A silo that cannot be reached makes the whole read
 * fail with a clear, retryable error rather than hang or return a silently partial answer.
 */
export async function scatter<T>(targets: Target[], work: (target: Target) => Promise<T>, concurrency = 8): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < targets.length; i += concurrency) {
    const batch = targets.slice(i, i + concurrency);
    results.push(
      ...(await Promise.all(
        batch.map((target) =>
          work(target).catch((error: unknown) => {
            // A shard that dropped the connection (57P01, 08006) answered with a SQLSTATE too, but is out of reach.
            if (error instanceof AppError || target.database === targets[0]?.database || (hasSqlState(error) && !isConnectionError(error))) throw error;
            throw unreachable(target.holds ?? []);
          }),
        ),
      )),
    );
  }
  return results;
}

/**
 * A partial answer is never given: the error names the tenants whose data is out of reach, in its
 * message and, for programs (the SP's merged queue), as `error.tenants`.
 */
class TenantsUnreachable extends AppError {
  constructor(readonly tenants: readonly string[]) {
    const which = tenants.length ? `of ${tenants.length === 1 ? 'tenant' : 'tenants'} ${tenants.join(', ')}` : 'of some tenants';
    super('SERVICE_UNAVAILABLE', `The data ${which} cannot be reached right now; the answer would be incomplete. Try again shortly.`);
  }

  override toJSON() {
    const { error } = super.toJSON();
    return { error: { ...error, tenants: [...this.tenants] } };
  }
}

const unreachable = (slugs: readonly string[]): AppError => new TenantsUnreachable(slugs);

// An error PostgreSQL answered (with a SQLSTATE) is about the query, not about reaching the shard.
const hasSqlState = (error: unknown) => typeof (error as { code?: unknown })?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);

/** PostgreSQL's default order: ascending with nulls last, descending with nulls first; then id. */
export function compareRows(orderBy: string, descending: boolean) {
  const value = (v: unknown) => (v instanceof Date ? v.getTime() : (v as number | string));
  const compare = (x: unknown, y: unknown) => (value(x) === value(y) ? 0 : value(x) < value(y) ? -1 : 1);
  return (a: Record<string, unknown>, b: Record<string, unknown>): number => {
    const x = a[orderBy];
    const y = b[orderBy];
    const nullsLast = (x == null) === (y == null) ? 0 : x == null ? 1 : -1;
    const primary = nullsLast !== 0 ? nullsLast : x == null ? 0 : compare(x, y);
    return (descending ? -primary : primary) || compare(a.id, b.id);
  };
}

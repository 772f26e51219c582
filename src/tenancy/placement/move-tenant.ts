import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MovePhase } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { TenantInfo } from '../catalog/snapshot.ts';
import { deleteTenantRows } from './delete-tenant.ts';
import { setFence } from './fences.ts';
import { dropSilo, dropSiloDatabase, provisionSilo } from './provision-silo.ts';
import type { Shards } from './shards.ts';
import { syncTenant, type SyncReport } from './sync-tenant.ts';
import { copyOrder, differingRows, inUtc, rowDigests, tableShape } from './tenant-rows.ts';

export type MoveOptions = {
  /** Where to: the pool, or a silo of its own. Optional on a rerun, which carries on the move under way. */
  readonly to?: 'pool' | 'silo';
  readonly serverUrl?: string | undefined;
  /** Undo a move that has not switched yet: the copies are removed, the tenant stays where it was. */
  readonly abort?: boolean;
  /**
   * How long a move into the pool waits, before its bulk copy, for every process to know of it
   * (the catalog's staleness bound, and a request's length): their reads of all tenants must skip
   * the copies. Writes need no wait: they are fenced (fences.ts).
   */
  readonly settleMs: number;
  /** Called before each step; tests use it to stop a move halfway, as a crash would. */
  readonly step?: (name: string) => Promise<void> | void;
};

export type MoveReport = { readonly tenant: string; readonly from: string; readonly to: string; readonly rows: SyncReport; readonly frozenMs: number };

/**
 * Moves a tenant between the pool and a silo of its own. The move is a journal in `tenant_moves`:
 * provisioning → copying (the bulk, while the tenant works normally) → frozen (writes refused,
 * the last changes copied and verified, the shard map switched in the same transaction as the
 * pool's side) → cleaning (the source silo dropped). A rerun after a crash carries on from its
 * phase; every step is safe to repeat.
 *
 * The freeze holds by the fence, not by time: freezing bumps the tenant's placement epoch and
 * fences the source at it, which waits for the writes in flight there and refuses every later
 * one routed by an older map, however long its process took to hear of the move. The switch
 * bumps the epoch again and opens the target at it.
 */
export async function moveTenant(shards: Shards, catalog: Catalog, slug: string, options: MoveOptions): Promise<MoveReport> {
  const tenant = (await catalog.refresh()).bySlug.get(slug);
  if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  let move = await currentMove(shards, tenant.id);
  if (options.abort) return abortMove(shards, catalog, tenant, move);
  if (!move) move = await startMove(shards, catalog, tenant, options);
  else if (options.to && (options.to === 'pool') !== (move.to_shard === 'pool')) {
    throw new AppError('CONFLICT', `A move of "${slug}" to ${move.to_shard} is under way: rerun it as it was, or with --abort.`, 'to');
  }
  const pool = shards.pool;
  let rows: SyncReport = {};
  let frozenAt = 0;
  for (let phase: MovePhase | 'done' = move.phase; phase !== 'done'; phase = (await currentMove(shards, tenant.id))?.phase ?? 'done') {
    await options.step?.(phase);
    if (phase === 'provisioning') {
      await dropSilo(shards, move.to_shard);
      await provisionSilo(shards, { slug, serverUrl: options.serverUrl });
      await setPhase(shards, tenant.id, 'copying');
    } else if (phase === 'copying') {
      // Into the pool, 'all' readers must know to skip the copies before there are any.
      if (move.to_shard === 'pool') await sleep(options.settleMs);
      const [source, target] = [await shards.get(move.from_shard), await shards.get(move.to_shard)];
      await inUtc(target.system, (tx) => syncTenant(source.system, tx, tenant.id, options.step));
      await freeze(shards, catalog, tenant.id);
    } else if (phase === 'frozen') {
      frozenAt ||= Date.now();
      // Again on a rerun: a crash may have come between the freeze and the source's fence.
      await setFence((await shards.get(move.from_shard)).system, tenant.id, await placementEpoch(shards.pool.system, tenant.id));
      await options.step?.('fenced');
      rows = move.to_shard === 'pool' ? await switchIntoPool(shards, catalog, tenant, move.from_shard, options.step) : await switchIntoSilo(shards, catalog, tenant, move.to_shard, options.step);
    } else {
      await dropSiloDatabase(shards, move.from_shard);
      await pool.system.transaction().execute(async (tx) => {
        await tx.deleteFrom('shards').where('name', '=', move!.from_shard).execute();
        await tx.deleteFrom('tenant_moves').where('tenant_id', '=', tenant.id).execute();
      });
    }
  }
  await catalog.refresh();
  return { tenant: slug, from: move.from_shard, to: move.to_shard, rows, frozenMs: frozenAt ? Date.now() - frozenAt : 0 };
}

type MoveRow = { from_shard: string; to_shard: string; phase: MovePhase };

const currentMove = (shards: Shards, tenantId: number): Promise<MoveRow | undefined> =>
  shards.pool.system.selectFrom('tenant_moves').select(['from_shard', 'to_shard', 'phase']).where('tenant_id', '=', tenantId).executeTakeFirst();

async function setPhase(shards: Shards, tenantId: number, phase: MovePhase): Promise<void> {
  await shards.pool.system.updateTable('tenant_moves').set({ phase, updated_at: new Date() }).where('tenant_id', '=', tenantId).execute();
}

const placementEpoch = async (pool: Kysely<DB>, tenantId: number): Promise<number> =>
  (await pool.selectFrom('tenants').select('placement_epoch').where('id', '=', tenantId).executeTakeFirstOrThrow()).placement_epoch;

/** Writes are refused from here on: processes that know it refuse them, the fence those that do not yet. */
async function freeze(shards: Shards, catalog: Catalog, tenantId: number): Promise<void> {
  await shards.pool.system.transaction().execute(async (tx) => {
    await tx.updateTable('tenant_moves').set({ phase: 'frozen', updated_at: new Date() }).where('tenant_id', '=', tenantId).execute();
    await tx.updateTable('tenants').set((eb) => ({ placement_epoch: eb('placement_epoch', '+', 1) })).where('id', '=', tenantId).execute();
  });
  await catalog.refresh();
}

async function startMove(shards: Shards, catalog: Catalog, tenant: TenantInfo, options: MoveOptions): Promise<MoveRow> {
  if (!options.to) throw new AppError('VALIDATION_FAILED', 'Say where to move the tenant: --to pool or --to silo.', 'to');
  if (options.to === 'pool' && tenant.shard === 'pool') throw new AppError('CONFLICT', `Tenant "${tenant.slug}" is already in the pool.`, 'to');
  if (options.to === 'silo' && tenant.shard !== 'pool') {
    throw new AppError('CONFLICT', `Tenant "${tenant.slug}" already has a silo (${tenant.shard}); move it to the pool first.`, 'to');
  }
  if (options.to === 'pool' && options.serverUrl) throw new AppError('VALIDATION_FAILED', '--server goes with --to silo.', 'server');
  const row: MoveRow = { from_shard: tenant.shard, to_shard: options.to === 'pool' ? 'pool' : `silo-${tenant.slug}`, phase: options.to === 'pool' ? 'copying' : 'provisioning' };
  await shards.pool.system.insertInto('tenant_moves').values({ tenant_id: tenant.id, ...row }).execute();
  await catalog.refresh();
  return row;
}

/** Out of a silo: the last sync, its check and the shard map's switch are one pool transaction. */
async function switchIntoPool(shards: Shards, catalog: Catalog, tenant: TenantInfo, from: string, step: MoveOptions['step']): Promise<SyncReport> {
  const silo = await shards.get(from);
  const rows = await inUtc(shards.pool.system, async (tx) => {
    const rows = await syncTenant(silo.system, tx, tenant.id, step);
    const epoch = (await placementEpoch(tx, tenant.id)) + 1;
    // The pool takes the tenant's writes at the new epoch only, from the moment the map says so.
    await setFence(tx, tenant.id, epoch);
    await tx.updateTable('tenants').set({ shard: 'pool', placement_epoch: epoch }).where('id', '=', tenant.id).execute();
    await tx.updateTable('tenant_moves').set({ phase: 'cleaning', updated_at: new Date() }).where('tenant_id', '=', tenant.id).execute();
    return rows;
  });
  await catalog.refresh();
  return rows;
}

/**
 * Into a silo: the last sync commits in the silo (which nobody reads yet); then one pool
 * transaction checks the pool's rows still match the copy, deletes them and switches the map.
 */
async function switchIntoSilo(shards: Shards, catalog: Catalog, tenant: TenantInfo, to: string, step: MoveOptions['step']): Promise<SyncReport> {
  const silo = await shards.get(to);
  const rows = await inUtc(silo.system, (tx) => syncTenant(shards.pool.system, tx, tenant.id, step));
  // The silo takes writes at the epoch of the switch, which no process has before the switch commits.
  const epoch = (await placementEpoch(shards.pool.system, tenant.id)) + 1;
  await setFence(silo.system, tenant.id, epoch);
  await step?.('switch');
  await inUtc(shards.pool.system, async (tx) => {
    await sql`select id from tenants where id = ${tenant.id} for update`.execute(tx);
    await setFence(tx, tenant.id, null);
    for (const type of copyOrder()) {
      const shape = await tableShape(tx, type);
      const [left, copied] = [await rowDigests(tx, shape, tenant.id), await inUtc(silo.system, (s) => rowDigests(s, shape, tenant.id), true)];
      if (differingRows(copied, left)) {
        throw new AppError('CONFLICT', `Tenant "${tenant.slug}" changed during the switch (${type.table}); run the move again.`);
      }
    }
    await deleteTenantRows(tx, tenant.id);
    await tx.updateTable('tenants').set({ shard: to, placement_epoch: epoch }).where('id', '=', tenant.id).execute();
    await tx.deleteFrom('tenant_moves').where('tenant_id', '=', tenant.id).execute();
  });
  await catalog.refresh();
  return rows;
}

/** Removes the copies of a move that has not switched; the tenant stays (and writes again) where it was. */
async function abortMove(shards: Shards, catalog: Catalog, tenant: TenantInfo, move: MoveRow | undefined): Promise<MoveReport> {
  if (!move) throw new AppError('NOT_FOUND', `Tenant "${tenant.slug}" is not being moved.`, 'tenant');
  if (move.phase === 'cleaning') throw new AppError('CONFLICT', `The move of "${tenant.slug}" has switched already; rerun it to finish.`);
  if (move.to_shard === 'pool') {
    await shards.pool.system.transaction().execute((tx) => deleteTenantRows(tx, tenant.id));
  } else {
    await dropSilo(shards, move.to_shard);
  }
  // The source takes writes again at the current epoch (a frozen move bumped it).
  await setFence((await shards.get(move.from_shard)).system, tenant.id, await placementEpoch(shards.pool.system, tenant.id));
  await shards.pool.system.deleteFrom('tenant_moves').where('tenant_id', '=', tenant.id).execute();
  await catalog.refresh();
  return { tenant: tenant.slug, from: move.from_shard, to: move.from_shard, rows: {}, frozenMs: 0 };
}

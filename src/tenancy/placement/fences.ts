import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Fence } from '../../db/scope.ts';
import type { CatalogSnapshot } from '../catalog/snapshot.ts';

type Executor = Kysely<DB> | Transaction<DB>;

/**
 * The fence a write of `tenantId` carries: the placement epoch of the map it was routed by. Its
 * transaction commits only if the database it reached takes the tenant's writes at that epoch
 * (migration 0030), so a process routing by a map older than a move's freeze cannot write to the
 * source after the move's last copy, whatever its timing. Public rows (no tenant) never move.
 */
export function fenceFor(catalog: CatalogSnapshot, tenantId: number | null | undefined): Fence | undefined {
  if (tenantId == null) return undefined;
  const tenant = catalog.byId.get(tenantId);
  return tenant ? { tenantId, epoch: tenant.epoch } : undefined;
}

/**
 * Makes `db` take the writes of `tenantId` at `epoch` only (null: none at all). The row is locked
 * FOR UPDATE first: that waits for every write transaction holding it (KEY SHARE, until its
 * commit), and every later one reads the new epoch. A plain UPDATE would not wait (it takes the
 * NO KEY UPDATE lock, which does not conflict with KEY SHARE).
 */
export async function setFence(db: Executor, tenantId: number, epoch: number | null): Promise<void> {
  const work = async (tx: Transaction<DB>) => {
    await tx.selectFrom('tenant_fences').select('tenant_id').where('tenant_id', '=', tenantId).forUpdate().execute();
    if (epoch === null) await tx.deleteFrom('tenant_fences').where('tenant_id', '=', tenantId).execute();
    else {
      await tx
        .insertInto('tenant_fences')
        .values({ tenant_id: tenantId, epoch })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ epoch, updated_at: new Date() }))
        .execute();
    }
  };
  return db.isTransaction ? work(db as Transaction<DB>) : db.transaction().execute(work);
}

import { AppError } from '../../errors.ts';
import { copyOrder, deleteRows, differingRows, readRows, rowDigests, tableShape, upsertRows, inUtc, type Executor, type TableShape } from './tenant-rows.ts';

/** Rows per table of the tenant, as copied and verified. */
export type SyncReport = Record<string, number>;

/**
 * Makes the tenant's rows in `target` equal to those in `source`: deletes what the source no longer
 * has, writes what is new or changed, then checks every row's digest against the source's. The
 * source is read in one repeatable-read snapshot; `target` must be a transaction begun with `inUtc`
 * so that a failed check leaves nothing behind. Run again, it only copies what changed since.
 */
export async function syncTenant(source: Executor, target: Executor, tenantId: number, step?: (name: string) => Promise<void> | void): Promise<SyncReport> {
  return inUtc(
    source,
    async (src) => {
      const tables: { shape: TableShape; wanted: Map<string, string>; have: Map<string, string> }[] = [];
      for (const type of copyOrder()) {
        const shape = await tableShape(src, type);
        const theirs = await tableShape(target, type);
        if (theirs.columns.join() !== shape.columns.join()) {
          throw new AppError('CONFLICT', `Table ${type.table} differs between the two databases; run "tenantdesk migrate" first.`);
        }
        tables.push({ shape, wanted: await rowDigests(src, shape, tenantId), have: await rowDigests(target, shape, tenantId) });
      }
      for (const { shape, wanted, have } of [...tables].reverse()) {
        await deleteRows(target, shape, tenantId, [...have.keys()].filter((key) => !wanted.has(key)));
      }
      for (const { shape, wanted, have } of tables) {
        await step?.(`copy:${shape.type.table}`);
        const changed = [...wanted].filter(([key, digest]) => have.get(key) !== digest).map(([key]) => key);
        for await (const rows of readRows(src, shape, tenantId, changed)) await upsertRows(target, shape, rows);
      }
      return verify(target, tenantId, tables);
    },
    true,
  );
}

async function verify(target: Executor, tenantId: number, tables: { shape: TableShape; wanted: Map<string, string> }[]): Promise<SyncReport> {
  const report: SyncReport = {};
  for (const { shape, wanted } of tables) {
    const copied = await rowDigests(target, shape, tenantId);
    const wrong = differingRows(wanted, copied);
    if (wrong) throw new AppError('CONFLICT', `${wrong} row(s) of ${shape.type.table} did not copy identically; nothing was changed.`);
    report[shape.type.table] = copied.size;
  }
  return report;
}

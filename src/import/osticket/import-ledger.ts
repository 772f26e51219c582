import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { ObjectTypeName } from '../../db/registry.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { countObjects, createObject, listObjects, updateObject, type Row } from '../../tenancy/data-access.ts';

export type LedgerEntry = { readonly id: string; readonly targetId: string; readonly digest: string };

/** The digest of a source row as read: a later run compares it to know whether the row changed. */
export function rowDigest(row: unknown): string {
  return createHash('sha256').update(JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('base64') : value))).digest('hex').slice(0, 32);
}

/**
 * `import_sources` of one tenant and source: which source row became which object. Read one table
 * at a time into memory (ids and digests only); written in the unit of work of the object itself, so
 * an object and its ledger row commit together and an interrupted run resumes after the last one.
 */
export class ImportLedger {
  private readonly tables = new Map<string, Map<string, LedgerEntry>>();

  constructor(
    private readonly ctx: TenancyContext,
    readonly tenantId: number | undefined,
    readonly source: string,
  ) {}

  /** The entries of a source table, by source id (none for a tenant that does not exist yet: a dry run's). */
  async load(table: string): Promise<Map<string, LedgerEntry>> {
    const known = this.tables.get(table);
    if (known) return known;
    const entries = new Map<string, LedgerEntry>();
    if (this.tenantId !== undefined) {
      let after: { value: unknown; id: string } | undefined;
      for (;;) {
        const rows = await listObjects(this.ctx, 'importSource', { where: { tenant_id: this.tenantId, source: this.source, source_table: table }, limit: 1000, ...(after ? { after } : {}) });
        for (const row of rows) entries.set(row.source_id as string, { id: row.id as string, targetId: row.target_id as string, digest: row.digest as string });
        if (rows.length < 1000) break;
        after = { value: rows[rows.length - 1]!.id, id: rows[rows.length - 1]!.id as string };
      }
    }
    this.tables.set(table, entries);
    return entries;
  }

  /**
   * The entries of some rows of a large table (tickets, thread entries, files), read for one page
   * of the source and dropped with `forget` after it: such a table is never held whole.
   */
  async some(table: string, sourceIds: readonly unknown[]): Promise<Map<string, LedgerEntry>> {
    const entries = this.tables.get(table) ?? new Map<string, LedgerEntry>();
    this.tables.set(table, entries);
    const ids = [...new Set(sourceIds.map(String))];
    if (this.tenantId === undefined || !ids.length) return entries;
    const rows = await listObjects(this.ctx, 'importSource', { where: { tenant_id: this.tenantId, source: this.source, source_table: table }, filter: sql<boolean>`source_id = any(${ids})`, limit: ids.length });
    for (const row of rows) entries.set(row.source_id as string, { id: row.id as string, targetId: row.target_id as string, digest: row.digest as string });
    return entries;
  }

  /** Drops what `some` read of these tables (the page is done). */
  forget(...tables: string[]): void {
    for (const table of tables) this.tables.delete(table);
  }

  /** How many rows of a source table are in the tenant, counted where they are kept. */
  async count(table: string): Promise<number> {
    if (this.tenantId === undefined) return 0;
    return countObjects(this.ctx, 'importSource', { tenant_id: this.tenantId, source: this.source, source_table: table });
  }

  /** The ledger row of a new object, for a caller writing it in the object's own statement; remembered once written. */
  entry(table: string, sourceId: unknown, type: ObjectTypeName, targetId: string, digest: string): Row {
    return { tenant_id: this.tenantId, source: this.source, source_table: table, source_id: String(sourceId), target_type: type, target_id: targetId, digest };
  }

  /** The object a source row became, if it was imported. */
  target(table: string, sourceId: unknown): string | undefined {
    return sourceId === null || sourceId === undefined ? undefined : this.tables.get(table)?.get(String(sourceId))?.targetId;
  }

  /**
   * A dry run's row that would be created: known in memory only, so the rows that refer to it map
   * as they would in a real run (a ticket of a status that would be imported).
   */
  plan(table: string, sourceId: unknown): void {
    const entries = this.tables.get(table) ?? new Map<string, LedgerEntry>();
    this.tables.set(table, entries);
    if (!entries.has(String(sourceId))) entries.set(String(sourceId), { id: '', targetId: `planned:${table}:${sourceId}`, digest: '' });
  }

  /** Records (or updates) a source row's object inside `tx`'s unit of work; the in-memory copy follows once written. */
  async record(tx: TenancyContext, table: string, sourceId: unknown, type: ObjectTypeName, targetId: string, digest: string): Promise<void> {
    const entries = this.tables.get(table) ?? new Map<string, LedgerEntry>();
    this.tables.set(table, entries);
    const key = String(sourceId);
    const existing = entries.get(key);
    if (existing) {
      await updateObject(tx, 'importSource', existing.id, { digest, target_id: targetId, updated_at: new Date().toISOString() });
      entries.set(key, { ...existing, targetId, digest });
    } else {
      const row = await createObject(tx, 'importSource', { tenant_id: this.tenantId, source: this.source, source_table: table, source_id: key, target_type: type, target_id: targetId, digest });
      entries.set(key, { id: row.id as string, targetId, digest });
    }
  }
}

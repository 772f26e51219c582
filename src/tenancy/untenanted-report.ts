import { sql } from 'kysely';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import { registry } from '../db/registry.ts';

/** At start-up with multi-tenancy on: rows of tenant-required tables that have no tenant. */
export async function reportUntenantedRows(database: Database, log: Logger): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const type of Object.values(registry).filter((t) => t.class === 'tenant-required' && !t.installationRows)) {
    const result = await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(type.table)}
      where ${sql.ref(type.tenantColumn!)} is null`.execute(database.system);
    const n = result.rows[0]!.n;
    if (n > 0) found[type.table] = n;
  }
  if (Object.keys(found).length) log.warn({ untenanted: found }, 'tenant-required tables hold rows with no tenant');
  return found;
}

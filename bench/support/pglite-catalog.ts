import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { catalogShape, loadCatalog } from './fixture.ts';

export type LoadedCatalog = { database: Database; catalog: Catalog; hosts: string[]; loadMs: number };

/**
 * An in-memory embedded database (PGlite, no server needed), migrated, with `tenants` tenants and
 * their hosts, and the real Catalog loaded from it: what a TenantDesk process holds in memory.
 */
export async function pgliteCatalog(tenants: number): Promise<LoadedCatalog> {
  const started = performance.now();
  const database = await openDatabase({ kind: 'pglite' });
  try {
    await migrate(database);
    await loadCatalog(database.owner, catalogShape(tenants));
    const catalog = await Catalog.load(database);
    const hosts = [...catalog.snapshot().byHost.keys()];
    if (hosts.length !== tenants) throw new Error(`expected ${tenants} hosts in the catalog, found ${hosts.length}`);
    return { database, catalog, hosts, loadMs: performance.now() - started };
  } catch (error) {
    await database.close();
    throw error;
  }
}

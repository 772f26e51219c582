import type { Config } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import { openDatabase, type Database, type OpenOptions } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { Catalog } from '../tenancy/catalog/catalog.ts';
import { tenancySettings, type TenancySettings } from '../tenancy/settings.ts';
import { Shards } from '../tenancy/placement/shards.ts';

/** Everything a running TenantDesk process holds: configuration, logger, database, catalog. */
export type Runtime = {
  readonly config: Config;
  readonly log: Logger;
  readonly database: Database;
  readonly settings: TenancySettings;
  readonly catalog: Catalog;
  /** The databases tenants live in: the pool (`database`) and silos, opened on demand. */
  readonly shards: Shards;
};

/** The configured database: PGlite under DATA_DIR unless DATABASE_URL is set. */
export function databaseOptions(config: Config): OpenOptions {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl, appUrl: config.appDatabaseUrl, poolMax: config.dbPoolMax }
    : { kind: 'pglite', dataDir: config.dataDir };
}

/** Opens the configured database and migrates it (silos: at server start and by `migrate`). */
export async function openRuntime(config: Config, log: Logger): Promise<Runtime> {
  const database = await openDatabase(databaseOptions(config));
  try {
    const applied = await migrate(database);
    if (applied.length) log.info({ applied }, 'migrations applied');
    const catalog = await Catalog.load(database, config.hostCacheTtlMs);
    const shards = new Shards(database, { dataDir: config.databaseUrl ? undefined : config.dataDir });
    return { config, log, database, settings: tenancySettings(config), catalog, shards };
  } catch (error) {
    await database.close();
    throw error;
  }
}

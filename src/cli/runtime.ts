import type { Config } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import { BRIEF_SHARED_BUFFERS, SERVER_SHARED_BUFFERS, openDatabase, type Database, type OpenOptions } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { openForRequests } from '../db/request-login.ts';
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

/** Who opens the database: the server, for its lifetime, or a CLI command, for a moment. */
export type Opener = 'server' | 'command';

/** The configured database: PGlite under DATA_DIR unless DATABASE_URL is set. */
export function databaseOptions(config: Config, opener: Opener = 'server'): OpenOptions {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl, appUrl: config.appDatabaseUrl, poolMax: config.dbPoolMax, preparedStatements: config.dbPreparedStatements }
    : { kind: 'pglite', dataDir: config.dataDir, sharedBuffers: opener === 'command' ? BRIEF_SHARED_BUFFERS : SERVER_SHARED_BUFFERS };
}

/**
 * Opens the configured database and migrates it (silos: at server start and by `migrate`). A server
 * on PostgreSQL then serves as its request login, never as DATABASE_URL's owner (request-login.ts);
 * a command run by the operator keeps the owner's login.
 */
export async function openRuntime(config: Config, log: Logger, opener: Opener = 'server'): Promise<Runtime> {
  const options = databaseOptions(config, opener);
  let database = await openDatabase(options.kind === 'postgres' ? { ...options, appUrl: undefined } : options);
  try {
    const applied = await migrate(database);
    if (applied.length) log.info({ applied }, 'migrations applied');
    if (options.kind === 'postgres' && opener === 'server') {
      const ownerOnly = database;
      database = await openForRequests(options);
      await ownerOnly.close();
    }
    const catalog = await Catalog.load(database, { maxStalenessMs: config.hostCacheTtlMs });
    const shards = new Shards(database, { dataDir: config.databaseUrl ? undefined : config.dataDir, requestLogin: database.requestLogin });
    return { config, log, database, settings: tenancySettings(config), catalog, shards };
  } catch (error) {
    await database.close();
    throw error;
  }
}

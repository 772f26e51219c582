import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import type { CatalogSnapshot } from './catalog/snapshot.ts';
import type { TenancyContext } from './context.ts';
import type { TenancySettings } from './settings.ts';

/**
 * The context of the installation's own administration (CLI, demo seeding, start-up checks): the
 * access of a service-provider administrator. Never built from a request.
 */
export function systemContext(database: Database, settings: TenancySettings, catalog: CatalogSnapshot, log?: Logger): TenancyContext {
  return { database, settings, catalog, access: { read: 'all', write: 'all', writePublic: true }, ...(log ? { log } : {}) };
}

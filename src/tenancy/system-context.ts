import type { Logger } from '../config/logger.ts';
import type { Shards } from './placement/shards.ts';
import type { CatalogSnapshot } from './catalog/snapshot.ts';
import type { TenancyContext } from './context.ts';
import type { TenancySettings } from './settings.ts';

/**
 * The context of the installation's own administration (CLI, demo seeding, start-up checks): the
 * access of a service-provider administrator. Never built from a request.
 */
export function systemContext(shards: Shards, settings: TenancySettings, catalog: CatalogSnapshot, log?: Logger): TenancyContext {
  const access = { read: 'all', write: 'all', writePublic: true } as const;
  return { database: shards.pool, shards, settings, catalog, access, ...(log ? { log } : {}) };
}

import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import type { ScopedTx } from '../db/scope.ts';
import type { Access } from './access.ts';
import type { CatalogSnapshot } from './catalog/snapshot.ts';
import type { TenancySettings } from './settings.ts';
import type { Shards } from './placement/shards.ts';

/**
 * What every domain function receives: where the data lives, the tenancy rules in force, the
 * catalog it resolves tenants against, and the active role's access. The tenant is never a loose
 * parameter; the data-access layer reads it from here.
 */
export type TenancyContext = {
  /** The pool: the catalog and the public rows. Tenant rows are found through `shards`. */
  readonly database: Database;
  readonly shards: Shards;
  readonly settings: TenancySettings;
  readonly catalog: CatalogSnapshot;
  readonly access: Access;
  readonly log?: Pick<Logger, 'error' | 'warn' | 'info'>;
  /** Set inside `inTransaction`: every write then joins this one transaction, on this database. */
  readonly tx?: ScopedTx;
  readonly txDatabase?: Database;
};

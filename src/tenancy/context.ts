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
  /**
   * The rows this request has read or written so far, as `type:id` -> tenant (null: public): a
   * reference to one of them is checked against the reference rules without reading it again.
   * Only the data-access layer fills it, from rows the database returned (and authentication, with
   * the signed-in contact).
   */
  readonly known?: Map<string, number | null>;
  /** Joins the next unit of work opened with this context (see `UnitOfWorkGuard`). */
  readonly guard?: UnitOfWorkGuard;
};

/**
 * Work that must commit or roll back with a use case's writes (an idempotent request's stored
 * answer): `enter` runs first in the unit of work's transaction and may stop it before anything is
 * written; `leave` runs last, so what it writes commits with the use case or not at all.
 */
export type UnitOfWorkGuard = {
  enter(tx: TenancyContext, tenantId: number | null): Promise<void>;
  leave(tx: TenancyContext, tenantId: number | null, result: unknown): Promise<void>;
};

import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { DB } from './schema.ts';
import { APP_ALL_ROLE, APP_ROLE } from './rls.ts';

/** A set of tenant ids, or every tenant. */
export type TenantSet = 'all' | readonly number[];

/** What the database itself enforces for one transaction (row-level security reads these). */
export type DbScope = {
  readonly read: TenantSet;
  readonly write: TenantSet;
  readonly writePublic: boolean;
  /** warn/allow modes: a tenant-required row may be saved with no tenant. */
  readonly untenantedAllowed?: boolean;
};

export type ScopedTx = Transaction<DB>;

const encode = (set: TenantSet) => (set === 'all' ? '*' : `{${set.join(',')}}`);

/**
 * Runs `work` in one transaction as the app role with the tenant sets set transaction-locally
 * (`set_config(..., true)`), so a pooled connection never carries them into another request.
 */
export async function inScope<T>(database: Database, scope: DbScope, work: (tx: ScopedTx) => Promise<T>): Promise<T> {
  return database.app.transaction().execute(async (tx) => {
    await applyScope(tx, scope);
    return work(tx);
  });
}

/** Sets (or, inside a transaction, narrows or widens) the scope for the statements that follow. */
export async function applyScope(tx: ScopedTx, scope: DbScope): Promise<void> {
  // Tenant boundary: the role switch and tenant sets below are what row-level security enforces.
  const role = scope.read === 'all' ? APP_ALL_ROLE : APP_ROLE;
  await sql`select set_config('role', ${role}, true),
    set_config('td.read', ${encode(scope.read)}, true),
    set_config('td.write', ${encode(scope.write)}, true),
    set_config('td.write_public', ${scope.writePublic ? 'on' : 'off'}, true),
    set_config('td.untenanted', ${scope.untenantedAllowed ? 'on' : 'off'}, true)`.execute(tx);
}

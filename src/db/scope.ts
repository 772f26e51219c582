import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { DB } from './schema.ts';
import { SCOPE_STATEMENT } from './deferred-begin.ts';
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

/** A write's placement fence: the tenant it writes and the placement epoch it was routed by (tenancy/placement/fences.ts). */
export type Fence = { readonly tenantId: number; readonly epoch: number };

const encode = (set: TenantSet) => {
  if (set === 'all') return '*';
  // Sent inline (applyScope): nothing but integers ever goes into a set.
  if (!set.every((id) => Number.isSafeInteger(id))) throw new Error(`A tenant set holds tenant ids only: ${JSON.stringify(set)}`);
  return `{${set.join(',')}}`;
};

/**
 * Runs `work` in one transaction as the app role with the tenant sets set transaction-locally
 * (`set_config(..., true)`), so a pooled connection never carries them into another request.
 */
export async function inScope<T>(database: Database, scope: DbScope, work: (tx: ScopedTx) => Promise<T>, fence?: Fence): Promise<T> {
  return database.app.transaction().execute(async (tx) => {
    await applyScope(tx, scope, { fence });
    return work(tx);
  });
}

/**
 * The settings last applied in each open transaction, so that the same scope is not sent again
 * before every statement of a unit of work (half of its round trips otherwise). Only `applyScope`
 * sets them, and a transaction's settings change only through it, except by rolling back to a
 * savepoint, which restores those of the savepoint: use `rollbackToSavepoint`, which forgets them.
 */
const applied = new WeakMap<ScopedTx, { read: string; all: string }>();

/** The tenants whose placement fence each open transaction has checked (and holds locked until it ends). */
const fenced = new WeakMap<ScopedTx, Set<number>>();

const fenceCall = (fence: Fence) => {
  if (!Number.isSafeInteger(fence.tenantId) || !Number.isSafeInteger(fence.epoch)) throw new Error(`A fence is two integers: ${JSON.stringify(fence)}`);
  return `tenant_fence(${fence.tenantId}, ${fence.epoch})`;
};

/**
 * Sets (or, inside a transaction, narrows or widens) the scope for the statements that follow.
 * `readOnly`: only SELECTs follow, whose row-level security reads the role and `td.read` alone, so
 * a transaction already reading exactly `scope.read` keeps its settings. `fence`: writes of that
 * tenant follow; its placement fence is checked once per transaction, with the scope when that is
 * sent (no round trip of its own), and fails the transaction (TD002) when the epoch is not the
 * one this database takes the tenant's writes at.
 */
export async function applyScope(tx: ScopedTx, scope: DbScope, options: { readOnly?: boolean; fence?: Fence | undefined } = {}): Promise<void> {
  const read = encode(scope.read);
  const all = `${read} ${encode(scope.write)} ${scope.writePublic ? 'on' : 'off'} ${scope.untenantedAllowed ? 'on' : 'off'}`;
  const current = applied.get(tx);
  const fence = options.fence && !fenced.get(tx)?.has(options.fence.tenantId) ? options.fence : undefined;
  if (current && (current.all === all || (options.readOnly && current.read === read))) {
    if (fence) {
      await sql.raw(`select ${fenceCall(fence)}`).execute(tx);
      noteFenced(tx, fence);
    }
    return;
  }
  // Tenant boundary: the role switch and tenant sets below are what row-level security enforces.
  const role = scope.read === 'all' ? APP_ALL_ROLE : APP_ROLE;
  applied.delete(tx);
  // Values inline, no parameters: a transaction's BEGIN travels with this statement (deferred-begin.ts).
  // Each is ours, not a caller's text: a role name, integer sets, on/off.
  const { rows } = await sql<{ settings_version: number }>`${sql.raw(SCOPE_STATEMENT)}${sql.lit(role)}, true),
    set_config('td.read', ${sql.lit(read)}, true),
    set_config('td.write', ${sql.lit(encode(scope.write))}, true),
    set_config('td.write_public', ${sql.lit(scope.writePublic ? 'on' : 'off')}, true),
    set_config('td.untenanted', ${sql.lit(scope.untenantedAllowed ? 'on' : 'off')}, true),
    settings_version() as settings_version${sql.raw(fence ? `, ${fenceCall(fence)} as fenced` : '')}`.execute(tx);
  applied.set(tx, { read, all });
  if (fence) noteFenced(tx, fence);
  if (settingsSeen.get(tx) !== 'written') settingsSeen.set(tx, Number(rows[0]!.settings_version));
}

function noteFenced(tx: ScopedTx, fence: Fence): void {
  const tenants = fenced.get(tx) ?? new Set<number>();
  tenants.add(fence.tenantId);
  fenced.set(tx, tenants);
}

/**
 * The settings version (migration 0024) each open transaction read with its scope, in the same
 * round trip, or `written` once it changed a settings table itself: from then on it sees rows
 * that may never commit, so it neither reads nor fills the settings cache.
 */
const settingsSeen = new WeakMap<ScopedTx, number | 'written'>();

/** The settings version this transaction saw, undefined when it wrote settings (see above). */
export function settingsVersionSeen(tx: ScopedTx): number | undefined {
  const seen = settingsSeen.get(tx);
  return typeof seen === 'number' ? seen : undefined;
}

/** Notes that this transaction wrote to a settings table (registry `settings`). */
export function noteSettingsWritten(tx: ScopedTx): void {
  settingsSeen.set(tx, 'written');
}

/** Rolls back to a savepoint, which also restores the scope of that moment: the next statement sets its own (and its fence). */
export async function rollbackToSavepoint(tx: ScopedTx, name: string): Promise<void> {
  applied.delete(tx);
  // It also releases the locks taken since the savepoint, a fence's among them: check again.
  fenced.delete(tx);
  await sql`rollback to savepoint ${sql.id(name)}`.execute(tx);
}

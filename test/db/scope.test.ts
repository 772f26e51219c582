import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { applyScope, rollbackToSavepoint, type DbScope, type ScopedTx } from '../../src/db/scope.ts';
import { forEachDatabase } from '../support/databases.ts';

/*
 * applyScope sends a scope only when it differs from the one already set in the transaction. These
 * tests check that skipping never leaves a statement under another scope than the one it asked for.
 */
const settings = async (tx: ScopedTx) =>
  (await sql<{ role: string; read: string; write: string }>`select current_user as role, current_setting('td.read') as read, current_setting('td.write') as write`.execute(tx)).rows[0]!;

const tenant = (id: number): DbScope => ({ read: [id], write: [id], writePublic: false });
const reading = (ids: number[]): DbScope => ({ read: ids, write: [], writePublic: false });

forEachDatabase('the scope of a transaction', (db) => {
  const inTx = <T>(work: (tx: ScopedTx) => Promise<T>) => db().app.transaction().execute(work);

  it('is sent again whenever it changes, and a read-only scope never widens or narrows what is read', async () => {
    await inTx(async (tx) => {
      await applyScope(tx, tenant(1));
      assert.deepEqual(await settings(tx), { role: 'tenantdesk_app', read: '{1}', write: '{1}' });
      // The same reads: a SELECT keeps the write scope already set (its policies read td.read only).
      await applyScope(tx, reading([1]), { readOnly: true });
      assert.deepEqual(await settings(tx), { role: 'tenantdesk_app', read: '{1}', write: '{1}' });
      // Other reads: applied, even read-only.
      await applyScope(tx, reading([1, 2]), { readOnly: true });
      assert.deepEqual(await settings(tx), { role: 'tenantdesk_app', read: '{1,2}', write: '{}' });
      // Not read-only: the write set counts, so the same reads with no writes are applied.
      await applyScope(tx, tenant(1));
      await applyScope(tx, reading([1]));
      assert.deepEqual(await settings(tx), { role: 'tenantdesk_app', read: '{1}', write: '{}' });
      await applyScope(tx, { read: 'all', write: 'all', writePublic: true });
      assert.deepEqual(await settings(tx), { role: 'tenantdesk_app_all', read: '*', write: '*' });
    });
  });

  it('is set again after a rollback to a savepoint restored an older one', async () => {
    await inTx(async (tx) => {
      await applyScope(tx, tenant(1));
      await sql`savepoint s`.execute(tx);
      await applyScope(tx, tenant(2));
      await rollbackToSavepoint(tx, 's');
      assert.equal((await settings(tx)).read, '{1}', "PostgreSQL restored the savepoint's settings");
      await applyScope(tx, tenant(2));
      assert.deepEqual(await settings(tx), { role: 'tenantdesk_app', read: '{2}', write: '{2}' }, 'and tenant 2 is asked for again');
    });
  });

  it('is never carried into the next transaction', async () => {
    await inTx((tx) => applyScope(tx, tenant(1)));
    await inTx(async (tx) => {
      const before = (await sql<{ read: string | null }>`select current_setting('td.read', true) as read`.execute(tx)).rows[0]!.read;
      assert.ok(!before, 'a new transaction starts with no scope');
      await applyScope(tx, tenant(1));
      assert.equal((await settings(tx)).read, '{1}', 'so the same scope is sent to it');
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { AppError } from '../../src/errors.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { openSession } from '../../src/identity/sessions.ts';
import { recordSignInFailure } from '../../src/identity/sign-in-throttle.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { countObjects, createObject, inTransaction, listObjects } from '../../src/tenancy/data-access.ts';
import { moveTenant, type MoveOptions } from '../../src/tenancy/placement/move-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { copyOrder, inUtc } from '../../src/tenancy/placement/tenant-rows.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';

/** Every row of the tenant, table by table, as text: what a move must carry over unchanged. */
async function tenantRows(database: Database, tenantId: number): Promise<Record<string, string[]>> {
  return inUtc(database.owner, async (tx) => {
    const out: Record<string, string[]> = {};
    for (const type of copyOrder()) {
      const result = await sql<{ row: string }>`select t::text as row from ${sql.table(type.table)} t where tenant_id = ${tenantId} order by 1`.execute(tx);
      out[type.table] = result.rows.map((r) => r.row);
    }
    return out;
  });
}

async function countInPool(database: Database, tenantId: number): Promise<number> {
  let n = 0;
  for (const type of copyOrder()) {
    n += (await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(type.table)} where tenant_id = ${tenantId}`.execute(database.owner)).rows[0]!.n;
  }
  return n;
}

const crashAt = (phase: string): MoveOptions['step'] => (name) => {
  if (name === phase) throw new Error(`simulated crash at ${phase}`);
};

forEachDatabase('moving a tenant between the pool and a silo', (db, kind) => {
  let shards: Shards;
  let catalog: Catalog;
  const ids: Record<string, number> = {};
  let original: Record<string, string[]>;
  const move = (options: Omit<MoveOptions, 'settleMs'>) => moveTenant(shards, catalog, 'acme', { settleMs: 20, ...options });
  const admin = async () => systemContext(shards, DEFAULT_TENANCY, await catalog.refresh());
  const where = () => catalog.snapshot().bySlug.get('acme')!.shard;

  before(async () => {
    shards = new Shards(db());
    for (const slug of ['sp', 'acme', 'globex']) ids[slug] = (await createTenant(db(), DEFAULT_TENANCY, { slug, name: slug })).id;
    catalog = await Catalog.load(db());
    const ctx = await admin();
    for (const slug of ['acme', 'globex']) {
      const agent = await createContact(ctx, { tenantId: ids[slug]!, kind: 'agent', email: `agent@${slug}.test`, name: `Agent ${slug}`, roles: ['agent'] });
      const customer = await createContact(ctx, { tenantId: ids[slug]!, kind: 'customer', email: `c@${slug}.test`, name: 'Ünïcode “customer”' });
      const category = await createObject(ctx, 'category', { tenant_id: ids[slug], name: `Hardware ${slug}` });
      for (let i = 0; i < 30; i++) {
        await createObject(ctx, 'ticket', { tenant_id: ids[slug], subject: `Ticket ${i} of ${slug}`, requester_id: customer.id, assignee_id: agent.id, category_id: category.id });
      }
      const role = (await listObjects(ctx, 'role', { where: { slug: 'agent' }, limit: 1 }))[0]!;
      await openSession(db(), { tenantId: ids[slug]!, contactId: String(agent.id), roleId: String(role.id), host: `${slug}.test`, ttlMs: 3_600_000 });
      await recordSignInFailure(db(), ids[slug]!, `c@${slug}.test`, '10.0.0.1');
    }
    original = await tenantRows(db(), ids.acme!);
    assert.ok(original.tickets!.length === 30 && original.sessions!.length === 1 && original.contacts!.length === 2);
  });
  after(async () => shards?.close());

  it('moves a pool tenant into a silo: every row copied identically, none left in the pool', async () => {
    const globex = await tenantRows(db(), ids.globex!);
    const report = await move({ to: 'silo' });
    assert.equal(where(), 'silo-acme');
    assert.equal(report.rows.tickets, 30);
    assert.deepEqual(await tenantRows(await shards.get('silo-acme'), ids.acme!), original);
    assert.equal(await countInPool(db(), ids.acme!), 0);
    const leftFailures = await sql<{ n: number }>`select count(*)::integer as n from sign_in_failures where tenant_id = ${ids.acme}`.execute(db().owner);
    assert.equal(leftFailures.rows[0]!.n, 0, 'transient rows are not left behind in the pool either');
    assert.deepEqual(await tenantRows(db(), ids.globex!), globex, 'other tenants are untouched');
    assert.equal(await countObjects(await admin(), 'ticket'), 60, 'an SP reading all tenants sees each ticket once');
    assert.equal(await db().owner.selectFrom('tenant_moves').select('tenant_id').executeTakeFirst(), undefined);
  });

  it('moves it back into the pool and drops the silo', async () => {
    await move({ to: 'pool' });
    assert.equal(where(), 'pool');
    assert.deepEqual(await tenantRows(db(), ids.acme!), original);
    assert.equal(await db().owner.selectFrom('shards').select('name').where('name', '=', 'silo-acme').executeTakeFirst(), undefined);
    if (kind === 'postgres') {
      const left = await sql<{ n: number }>`select count(*)::integer as n from pg_database where datname like '%silo_acme'`.execute(db().owner);
      assert.equal(left.rows[0]!.n, 0);
    }
    await assert.rejects(move({ to: 'pool' }), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT');
  });

  it('a move that crashes after the copy keeps the tenant readable, refuses its writes, and finishes on a rerun', async () => {
    await assert.rejects(move({ to: 'silo', step: crashAt('frozen') }), /simulated crash/);
    assert.equal(where(), 'pool');
    const ctx = await admin();
    assert.equal((await listObjects(ctx, 'ticket', { where: { tenant_id: ids.acme }, limit: 100 })).length, 30, 'still readable');
    await assert.rejects(createObject(ctx, 'category', { tenant_id: ids.acme, name: 'During the move' }), (e: unknown) => e instanceof AppError && e.code === 'TENANT_MOVING' && e.status === 503);
    await createObject(ctx, 'category', { tenant_id: ids.globex, name: 'Others write on' });
    await move({});
    assert.equal(where(), 'silo-acme');
    assert.deepEqual(await tenantRows(await shards.get('silo-acme'), ids.acme!), original);
  });

  it('a move into the pool that crashes halfway shows no copy twice, and a rerun finishes it', async () => {
    await assert.rejects(move({ to: 'pool', step: crashAt('frozen') }), /simulated crash/);
    assert.equal(await countInPool(db(), ids.acme!), Object.values(original).flat().length, 'the bulk copy is in the pool');
    const ctx = await admin();
    assert.equal(await countObjects(ctx, 'ticket'), 60, 'the copies in the pool are not shown to an all-tenants reader');
    assert.equal((await listObjects(ctx, 'contact', { limit: 100 })).length, 4);
    // A crash inside the last sync rolls back that sync alone.
    await assert.rejects(move({ step: crashAt('copy:tickets') }), /simulated crash/);
    await move({});
    assert.equal(where(), 'pool');
    assert.deepEqual(await tenantRows(db(), ids.acme!), original);
  });

  it('copies changes made while the bulk copy ran, and an abort undoes a move that has not switched', async () => {
    // Changes between the bulk copy and the freeze reach the silo: the last sync copies them.
    let changed = false;
    await move({
      to: 'silo',
      step: async (name) => {
        if (name !== 'frozen' || changed) return;
        changed = true;
        await sql`update tickets set subject = 'Changed mid-move' where tenant_id = ${ids.acme} and subject = 'Ticket 0 of acme'`.execute(db().owner);
        await sql`delete from tickets where tenant_id = ${ids.acme} and subject = 'Ticket 1 of acme'`.execute(db().owner);
      },
    });
    const silo = await shards.get('silo-acme');
    const subjects = (await sql<{ subject: string }>`select subject from tickets where tenant_id = ${ids.acme}`.execute(silo.owner)).rows.map((r) => r.subject);
    assert.equal(subjects.length, 29);
    assert.ok(subjects.includes('Changed mid-move') && !subjects.includes('Ticket 1 of acme'));

    await assert.rejects(move({ to: 'pool', step: crashAt('frozen') }), /simulated crash/);
    await move({ abort: true });
    assert.equal(where(), 'silo-acme');
    assert.equal(await countInPool(db(), ids.acme!), 0, 'the copies are gone');
    await createObject(await admin(), 'category', { tenant_id: ids.acme, name: 'Writes again' });
  });

  it('a process still routing by the map from before a move cannot write to the old database after the last copy', async () => {
    // Another process, idle since before the move: its snapshot still has acme where it was (the silo).
    const other = await Catalog.load(db());
    const stale = systemContext(shards, DEFAULT_TENANCY, other.snapshot());
    assert.equal(stale.catalog.bySlug.get('acme')!.shard, 'silo-acme');
    const refused = (e: unknown) => e instanceof AppError && e.code === 'TENANT_MOVING' && e.status === 503;
    const named = async (name: string) => (await listObjects(await admin(), 'category', { where: { tenant_id: ids.acme, name }, limit: 10 })).length;
    let tried = 0;
    // Out of the silo: the switch into the pool has committed, the silo is not dropped yet.
    await move({
      to: 'pool',
      step: async (name) => {
        if (name !== 'cleaning') return;
        tried++;
        await assert.rejects(createObject(stale, 'category', { tenant_id: ids.acme, name: 'Stale into the silo' }), refused);
        await assert.rejects(inTransaction(stale, (tx) => createObject(tx, 'category', { tenant_id: ids.acme, name: 'Stale unit of work' }), ids.acme), refused);
      },
    });
    assert.equal(where(), 'pool');
    // Into a silo: the last sync has committed in the silo, the pool's rows are not switched yet.
    const before = systemContext(shards, DEFAULT_TENANCY, await catalog.refresh());
    await move({
      to: 'silo',
      step: async (name) => {
        if (name !== 'switch') return;
        tried++;
        await assert.rejects(createObject(before, 'category', { tenant_id: ids.acme, name: 'Stale into the pool' }), refused);
      },
    });
    assert.equal(tried, 2);
    assert.equal(where(), 'silo-acme');
    for (const name of ['Stale into the silo', 'Stale unit of work', 'Stale into the pool']) assert.equal(await named(name), 0, `${name}: never written`);
    // A process that learns the new map writes on.
    await createObject(await admin(), 'category', { tenant_id: ids.acme, name: 'After the move' });
    assert.equal(await named('After the move'), 1);
    // The stale one is refused, not misrouted, until it refreshes.
    await assert.rejects(createObject(before, 'category', { tenant_id: ids.acme, name: 'Still stale' }), refused);
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { migrationStatus } from '../../src/db/migrate.ts';
import { AppError } from '../../src/errors.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { dropSilo, provisionSilo } from '../../src/tenancy/placement/provision-silo.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { migrateSilos } from '../../src/tenancy/placement/migrate-shards.ts';
import { deleteTenant } from '../../src/tenancy/placement/delete-tenant.ts';
import { createObject, countObjects } from '../../src/tenancy/data-access.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';

forEachDatabase('placement: pool and silo shards', (db, kind) => {
  let shards: Shards;

  before(async () => {
    shards = new Shards(db());
    await createTenant(db(), DEFAULT_TENANCY, { slug: 'sp', name: 'SP' });
  });
  after(async () => shards?.close());

  it('provisions a silo with the full, current schema and records it in the shard map', async () => {
    const name = await provisionSilo(shards, { slug: 'initech' });
    assert.equal(name, 'silo-initech');
    const row = await db().owner.selectFrom('shards').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
    assert.equal(row.kind, 'silo');
    const silo = await shards.get(name);
    assert.notEqual(silo, db());
    assert.deepEqual((await migrationStatus(silo)).pending, []);
    const tickets = await sql<{ n: number }>`select count(*)::integer as n from tickets`.execute(silo.owner);
    assert.equal(tickets.rows[0]!.n, 0);
    await dropSilo(shards, name);
  });

  it('creates a silo tenant whose rows live in its own database', async () => {
    const tenant = await createTenant(db(), DEFAULT_TENANCY, { slug: 'umbrella', name: 'Umbrella', silo: true }, shards);
    assert.equal(tenant.shard, 'silo-umbrella');
    const catalog = await Catalog.load(db());
    const silo = await shards.forTenant(catalog.snapshot(), tenant.id);
    assert.notEqual(silo, db());
    const pool = await shards.forTenant(catalog.snapshot(), catalog.snapshot().bySlug.get('sp')!.id);
    assert.equal(pool, db());
  });

  it('removes the silo again when the tenant is refused', async () => {
    await assert.rejects(
      createTenant(db(), DEFAULT_TENANCY, { slug: 'orphan', name: 'Orphan', parentSlug: 'nowhere', silo: true }, shards),
      (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND',
    );
    assert.equal(await db().owner.selectFrom('shards').select('name').where('name', '=', 'silo-orphan').executeTakeFirst(), undefined);
    if (kind === 'postgres') {
      const left = await sql<{ n: number }>`select count(*)::integer as n from pg_database where datname like '%silo_orphan'`.execute(db().owner);
      assert.equal(left.rows[0]!.n, 0, 'the database was dropped');
    }
  });

  if (kind === 'postgres') {
    it('never stores the server password in the shard map', async () => {
      const withPassword = new URL(db().url!);
      withPassword.password = 'not-to-be-stored';
      const name = await provisionSilo(shards, { slug: 'secretive', serverUrl: withPassword.toString() });
      const row = await db().owner.selectFrom('shards').select('location').where('name', '=', name).executeTakeFirstOrThrow();
      assert.doesNotMatch(row.location, /not-to-be-stored/);
      await dropSilo(shards, name);
    });
  }

  it('migrates every silo, reporting one that fails while the others go on', async () => {
    await db().owner.insertInto('shards').values({ name: 'silo-broken', kind: 'silo', location: 'postgres://nobody@127.0.0.1:1/nothing' }).execute();
    try {
      const results = await migrateSilos(shards);
      const broken = results.find((r) => r.shard === 'silo-broken');
      assert.ok(broken?.error, 'the unreachable silo is reported');
      const others = results.filter((r) => r.shard !== 'silo-broken');
      assert.ok(others.length >= 1 && others.every((r) => !r.error && Array.isArray(r.applied)), JSON.stringify(results));
    } finally {
      await db().owner.deleteFrom('shards').where('name', '=', 'silo-broken').execute();
    }
  });

  it('refuses a second silo of the same name', async () => {
    await assert.rejects(provisionSilo(shards, { slug: 'umbrella' }), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT');
  });

  if (kind === 'postgres') {
    it('keeps at most maxOpen silo pools open and closes idle ones, never one in use', async () => {
      await provisionSilo(shards, { slug: 'one' });
      await provisionSilo(shards, { slug: 'two' });
      // A clock of the test's own: a loaded machine must not turn 30 ms into 'past the grace time'.
      let now = 0;
      const bounded = new Shards(db(), { idleMs: 50, maxOpen: 1, graceMs: 30, now: () => now });
      try {
        const one = await bounded.get('silo-one');
        await bounded.get('silo-two');
        assert.equal(bounded.openCount, 2, 'a silo handed out within the grace time is not closed');
        assert.deepEqual((await migrationStatus(one)).pending, [], 'and can still be used');
        now += 40;
        await bounded.get('silo-two');
        assert.equal(bounded.openCount, 1, 'past the grace time, the least recently used one is closed');
        now += 80;
        await bounded.closeIdle();
        assert.equal(bounded.openCount, 0);
        const reopened = await bounded.get('silo-one');
        assert.deepEqual((await migrationStatus(reopened)).pending, [], 'a closed silo reopens on demand');
      } finally {
        await bounded.close();
      }
    });
  }

  it('deletes a pool tenant with every row it owns, and a silo tenant with its database', async () => {
    const ctxNow = async () => systemContext(shards, DEFAULT_TENANCY, (await Catalog.load(db())).snapshot());
    for (const silo of [false, true]) {
      const slug = silo ? 'doomed-silo' : 'doomed';
      const tenant = await createTenant(db(), DEFAULT_TENANCY, { slug, name: slug, hosts: [`${slug}.test`], silo }, shards);
      const ctx = await ctxNow();
      const contact = await createObject(ctx, 'contact', { tenant_id: tenant.id, kind: 'customer', email: `c@${slug}.test`, name: 'C' });
      const ticket = await createObject(ctx, 'ticket', { subject: 'x', requester_id: contact.id });
      await createObject(ctx, 'ticketCollaborator', { ticket_id: ticket.id, contact_id: contact.id });
      await deleteTenant(await ctxNow(), slug);
      const after = await ctxNow();
      assert.equal(after.catalog.bySlug.get(slug), undefined);
      assert.equal(after.catalog.byHost.get(`${slug}.test`), undefined);
      for (const table of ['contacts', 'tickets', 'ticket_collaborators'] as const) {
        const left = await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(table)} where tenant_id = ${tenant.id}`.execute(db().owner);
        assert.equal(left.rows[0]!.n, 0, `${table} in the pool`);
      }
      if (silo) assert.equal(await db().owner.selectFrom('shards').select('name').where('name', '=', tenant.shard).executeTakeFirst(), undefined);
      assert.ok((await countObjects(after, 'ticket')) >= 0);
    }
  });

  it('refuses to delete the service provider or a tenant with subtenants', async () => {
    const parent = await createTenant(db(), DEFAULT_TENANCY, { slug: 'parent', name: 'Parent', subtenantsAllowed: true }, shards);
    await createTenant(db(), DEFAULT_TENANCY, { slug: 'child', name: 'Child', parentSlug: 'parent' }, shards);
    const ctx = systemContext(shards, DEFAULT_TENANCY, (await Catalog.load(db())).snapshot());
    for (const slug of ['sp', 'parent']) {
      await assert.rejects(deleteTenant(ctx, slug), (e: unknown) => e instanceof AppError && e.code === 'TENANT_RULE_VIOLATION');
    }
    assert.ok(parent.id > 0);
  });
});


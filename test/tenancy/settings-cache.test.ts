import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { registry } from '../../src/db/registry.ts';
import type { Access } from '../../src/tenancy/access.ts';
import type { TenancyContext } from '../../src/tenancy/context.ts';
import { createObject, inTransaction, listObjects, updateObject } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

/*
 * Reads of settings tables are answered from memory while the database's settings version is the
 * one they were read under (tenancy/settings-cache.ts, migration 0024). To tell a read answered
 * from memory from one that went to the database, some tests change a row with the table's
 * version trigger switched off: only a read from memory still shows the old value.
 */
forEachDatabase('the settings cache', (db) => {
  let t: Record<string, number>;
  const own = (id: number): Access => ({ read: [id], write: [id], writePublic: false });
  const as = (access: Access): Promise<TenancyContext> => contextFor(db(), access);
  const statusNames = async (ctx: TenancyContext, slug: string) =>
    (await listObjects(ctx, 'ticketStatus', { where: { slug }, orderBy: 'tenant_id', limit: 10 })).map((s) => `${String(s.tenant_id)}:${String(s.name)}`);
  /** Renames a status behind the cache's back: no version bump. */
  const renameSilently = async (slug: string, name: string) => {
    await sql`alter table ticket_statuses disable trigger settings_changed`.execute(db().owner);
    try {
      await sql`update ticket_statuses set name = ${name} where slug = ${slug} and tenant_id is null`.execute(db().owner);
    } finally {
      await sql`alter table ticket_statuses enable trigger settings_changed`.execute(db().owner);
    }
  };

  before(async () => {
    t = await createTenants(db(), [
      { slug: 'northwind', name: 'Northwind' },
      { slug: 'acme', name: 'Acme' },
      { slug: 'globex', name: 'Globex' },
    ]);
  });

  it('answers a repeated read from memory, and reads again once any change bumps the version', async () => {
    const acme = await as(own(t.acme!));
    assert.deepEqual(await statusNames(acme, 'pending'), ['null:Pending']);
    await renameSilently('pending', 'Waiting');
    assert.deepEqual(await statusNames(acme, 'pending'), ['null:Pending'], 'the second read came from memory');
    // Any change to a settings table, of any tenant and by whoever makes it, bumps the version.
    await sql`update mail_templates set subject = subject where tenant_id is null and kind = 'overdue'`.execute(db().owner);
    assert.deepEqual(await statusNames(acme, 'pending'), ['null:Waiting'], 'the bump made it read again');
  });

  it("never answers one tenant's read with another's rows", async () => {
    await createObject(await as(own(t.acme!)), 'ticketStatus', { slug: 'on-hold', name: 'Acme on hold', state: 'pending' });
    assert.deepEqual(await statusNames(await as(own(t.acme!)), 'on-hold'), [`${t.acme}:Acme on hold`]);
    assert.deepEqual(await statusNames(await as(own(t.globex!)), 'on-hold'), [], 'globex does not see acme’s status');
    const both = await as({ read: [t.acme!, t.globex!], write: [], writePublic: false });
    assert.deepEqual(await statusNames(both, 'on-hold'), [`${t.acme}:Acme on hold`]);
  });

  it('lets a transaction that changed settings see its change, and keeps nothing of it after a rollback', async () => {
    const acme = await as(own(t.acme!));
    assert.deepEqual(await statusNames(acme, 'escalated'), []);
    await assert.rejects(
      inTransaction(acme, async (tx) => {
        await createObject(tx, 'ticketStatus', { slug: 'escalated', name: 'Escalated', state: 'open' });
        assert.deepEqual(await statusNames(tx, 'escalated'), [`${t.acme}:Escalated`], 'its own write, not the kept empty read');
        throw new Error('roll back');
      }, t.acme),
      /roll back/,
    );
    assert.deepEqual(await statusNames(acme, 'escalated'), [], 'the rolled-back row was not kept');
  });

  it('is filled by a transaction that saw the current version only, and serves an update at once', async () => {
    const acme = await as(own(t.acme!));
    const [status] = await listObjects(acme, 'ticketStatus', { where: { slug: 'on-hold' }, limit: 1 });
    await updateObject(acme, 'ticketStatus', status!.id as string, { name: 'On hold (vendor)' });
    assert.deepEqual(await statusNames(acme, 'on-hold'), [`${t.acme}:On hold (vendor)`]);
    // A caller changing the rows it got does not change what the next one gets.
    const [mine] = await listObjects(acme, 'ticketStatus', { where: { slug: 'on-hold' }, limit: 1 });
    mine!.name = 'scribbled';
    assert.deepEqual(await statusNames(acme, 'on-hold'), [`${t.acme}:On hold (vendor)`]);
  });

  it('hands out copies down to the nested values: JSON rules, tag arrays, dates', async () => {
    const globex = await as(own(t.globex!));
    await createObject(globex, 'ticketFilter', { name: 'VIP', rules: JSON.stringify([{ field: 'subject', op: 'contains', value: 'urgent' }]), add_tags: ['vip'] });
    const read = () => listObjects(globex, 'ticketFilter', { where: { name: 'VIP' }, limit: 1 });
    const [first] = await read();
    const created = (first!.created_at as Date).getTime();
    (first!.rules as Array<Record<string, unknown>>)[0]!.value = 'scribbled';
    (first!.add_tags as string[]).push('scribbled');
    (first!.created_at as Date).setTime(0);
    const [again] = await read();
    assert.deepEqual(again!.rules, [{ field: 'subject', op: 'contains', value: 'urgent' }]);
    assert.deepEqual(again!.add_tags, ['vip']);
    assert.equal((again!.created_at as Date).getTime(), created);
    // A JSON key named __proto__ stays a key of the copy, not its prototype.
    await createObject(globex, 'ticketFilter', { name: 'Odd', rules: '[{"__proto__": {"polluted": true}, "field": "subject"}]' });
    for (let read = 0; read < 2; read++) {
      const [odd] = await listObjects(globex, 'ticketFilter', { where: { name: 'Odd' }, limit: 1 });
      const rule = (odd!.rules as Array<Record<string, unknown>>)[0]!;
      assert.deepEqual(Object.keys(rule), ['field', '__proto__']);
      assert.equal(Object.getPrototypeOf(rule), Object.prototype);
      assert.equal((rule as { polluted?: boolean }).polluted, undefined);
    }
  });

  it('covers exactly the tables whose changes bump the version', async () => {
    const { rows } = await sql<{ table: string }>`select c.relname as table from pg_trigger g join pg_class c on c.oid = g.tgrelid
      where g.tgname = 'settings_changed' order by 1`.execute(db().owner);
    const settings = Object.values(registry).filter((type) => type.settings).map((type) => type.table).sort();
    assert.deepEqual(rows.map((r) => r.table), settings);
  });
});

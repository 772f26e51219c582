import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { AppError, type ErrorCode } from '../../src/errors.ts';
import type { Access } from '../../src/tenancy/access.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { countObjects, createObject, findObject, listChoices, listObjects, updateObject, type Row } from '../../src/tenancy/data-access.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor } from '../support/tenants.ts';

const rejectsWith = (promise: Promise<unknown>, code: ErrorCode) =>
  assert.rejects(promise, (e: unknown) => e instanceof AppError && e.code === code);

forEachDatabase('the data-access layer across pool and silo shards', (db) => {
  let shards: Shards;
  const t: Record<string, number> = {};
  const o: Record<string, Row> = {};
  const ALL: Access = { read: 'all', write: 'all', writePublic: true };
  const as = (access: Access) => contextFor(db(), access, DEFAULT_TENANCY, shards);
  const own = (slug: string): Access => ({ read: [t[slug]!], write: [t[slug]!], writePublic: false });
  const rowsIn = async (database: 'pool' | 'silo', table: string) =>
    (await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(table)}`.execute((database === 'pool' ? db() : await shards.get('silo-acme-eu')).owner)).rows[0]!.n;

  before(async () => {
    shards = new Shards(db());
    for (const [slug, extra] of [
      ['sp', {}],
      ['acme', { subtenantsAllowed: true }],
      ['acme-eu', { parentSlug: 'acme', silo: true }],
      ['globex', {}],
    ] as const) {
      t[slug] = (await createTenant(db(), DEFAULT_TENANCY, { slug, name: slug, ...extra }, shards)).id;
    }
    const system = await as(ALL);
    o.publicCategory = await createObject(system, 'category', { tenant_id: null, name: 'Hardware' });
    o.acmeCategory = await createObject(system, 'category', { tenant_id: t.acme, name: 'Acme printers' });
    o.globexCategory = await createObject(system, 'category', { tenant_id: t.globex, name: 'Globex lab' });
    o.spAgent = await createObject(system, 'contact', { tenant_id: t.sp, kind: 'staff', email: 'agent@sp.test', name: 'SP agent' });
    o.euCustomer = await createObject(system, 'contact', { tenant_id: t['acme-eu'], kind: 'customer', email: 'c@eu.test', name: 'EU customer' });
    o.acmeCustomer = await createObject(system, 'contact', { tenant_id: t.acme, kind: 'customer', email: 'c@acme.test', name: 'Acme customer' });
    for (let i = 0; i < 6; i++) {
      const requester = i % 2 ? o.euCustomer! : o.acmeCustomer!;
      await createObject(system, 'ticket', { subject: `ticket ${i}`, requester_id: requester.id, created_at: new Date(Date.UTC(2026, 0, 1 + i)) });
    }
  });
  after(async () => shards?.close());

  it("writes a silo tenant's objects into its own database, never the pool", async () => {
    assert.equal(await rowsIn('silo', 'contacts'), 1);
    assert.equal(await rowsIn('silo', 'tickets'), 3);
    assert.equal(await rowsIn('pool', 'tickets'), 3);
    const pool = await sql<{ n: number }>`select count(*)::integer as n from tickets where tenant_id = ${t['acme-eu']!}`.execute(db().owner);
    assert.equal(pool.rows[0]!.n, 0);
  });

  it('merges reads across shards in order, as one table would', async () => {
    const ctx = await as(ALL);
    const newest = await listObjects(ctx, 'ticket', { orderBy: 'created_at', descending: true, limit: 4 });
    assert.deepEqual(newest.map((r) => r.subject), ['ticket 5', 'ticket 4', 'ticket 3', 'ticket 2']);
    assert.equal(await countObjects(ctx, 'ticket'), 6);
    const group = await as({ read: [t.acme!, t['acme-eu']!], write: [], writePublic: false });
    assert.equal(await countObjects(group, 'ticket'), 6);
    assert.equal(await countObjects(await as(own('acme-eu')), 'ticket'), 3);
  });

  it("lets a silo tenant reference public objects and its ancestors' objects in the pool", async () => {
    const ctx = await as(own('acme-eu'));
    for (const category of [o.publicCategory!, o.acmeCategory!]) {
      const ticket = await createObject(ctx, 'ticket', { subject: 'ref', requester_id: o.euCustomer!.id, category_id: category.id });
      assert.equal((await findObject(ctx, 'ticket', String(ticket.id))).category_id, category.id);
    }
    const names = (await listObjects(ctx, 'category', { orderBy: 'name' })).map((r) => r.name);
    assert.deepEqual(names, ['Hardware'], 'a silo tenant reads public rows from the pool, not its parent’s');
  });

  it("refuses a silo tenant's reference to an unrelated tenant's object, and accepts the SP's for an SP-eligible field", async () => {
    const ctx = await as(ALL);
    await rejectsWith(createObject(ctx, 'ticket', { tenant_id: t['acme-eu'], subject: 'x', category_id: o.globexCategory!.id }), 'TENANT_REFERENCE_INVALID');
    const escalated = await createObject(ctx, 'ticket', { tenant_id: t['acme-eu'], subject: 'escalated', assignee_id: o.spAgent!.id });
    await rejectsWith(updateObject(ctx, 'ticket', String(escalated.id), { category_id: o.globexCategory!.id }), 'TENANT_REFERENCE_INVALID');
    const updated = await updateObject(ctx, 'ticket', String(escalated.id), { category_id: o.acmeCategory!.id });
    assert.equal(updated.category_id, o.acmeCategory!.id);
  });

  it('finds a silo object by id only for roles reading its tenant', async () => {
    const [euTicket] = await listObjects(await as(own('acme-eu')), 'ticket', { limit: 1 });
    await rejectsWith(findObject(await as(own('acme')), 'ticket', String(euTicket!.id)), 'NOT_FOUND');
    assert.equal((await findObject(await as(ALL), 'ticket', String(euTicket!.id))).id, euTicket!.id);
  });

  it('offers choices gathered from every shard the rules allow', async () => {
    const labels = (await listChoices(await as(ALL), 'ticket', 'assignee_id', t['acme-eu']!)).map((c) => c.label).sort();
    assert.deepEqual(labels, ['Acme customer', 'EU customer', 'SP agent'], 'its own (silo), its parent’s and the SP’s (pool); not globex’s');
  });

  it('pages across shards with a stable keyset cursor, equal to one ordered list', async () => {
    const ctx = await as(ALL);
    const everything = await listObjects(ctx, 'ticket', { orderBy: 'created_at', descending: true, limit: 1000 });
    const paged: Row[] = [];
    let after: { value: unknown; id: string } | undefined;
    for (;;) {
      const page = await listObjects(ctx, 'ticket', { orderBy: 'created_at', descending: true, limit: 2, ...(after ? { after } : {}) });
      if (!page.length) break;
      paged.push(...page);
      const last = page.at(-1)!;
      after = { value: last.created_at, id: String(last.id) };
    }
    assert.deepEqual(paged.map((r) => r.id), everything.map((r) => r.id));
    assert.ok(everything.length >= 6);
  });

  it('answers a clear, retryable error when a silo is unreachable, without hanging', async () => {
    await db().owner.insertInto('shards').values({ name: 'silo-down', kind: 'silo', location: 'postgres://nobody@127.0.0.1:1/nothing' }).execute();
    const down = await createTenant(db(), DEFAULT_TENANCY, { slug: 'down', name: 'Down' }, shards);
    await db().owner.updateTable('tenants').set({ shard: 'silo-down' }).where('id', '=', down.id).execute();
    try {
      const started = Date.now();
      await assert.rejects(listObjects(await as(ALL), 'ticket'), (e: unknown) => e instanceof AppError && e.code === 'SERVICE_UNAVAILABLE' && /tenant down\b/.test(e.message));
      assert.ok(Date.now() - started < 10_000);
      assert.equal(await countObjects(await as(own('acme')), 'ticket'), 3, 'tenants on reachable shards are unaffected');
    } finally {
      await db().owner.updateTable('tenants').set({ shard: 'pool' }).where('id', '=', down.id).execute();
    }
  });

  it('reads public rows from the pool only, never the copies seeded into a silo', async () => {
    const roles = await listObjects(await as(ALL), 'role', { where: { slug: 'agent' } });
    assert.equal(roles.length, 1, 'one public agent role, though every silo was migrated with a copy');
    const [silo] = await sql<{ n: number }>`select count(*)::integer as n from roles where tenant_id is null`.execute((await shards.get('silo-acme-eu')).owner).then((r) => r.rows);
    assert.ok(silo!.n > 0, 'the silo does hold seeded copies, which must stay unread');
    assert.equal(await countObjects(await as(ALL), 'role', { slug: 'agent' }), 1);
  });
});


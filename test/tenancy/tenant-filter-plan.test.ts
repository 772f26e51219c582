import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { objectType } from '../../src/db/registry.ts';
import { tenantFilter } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { createTenants } from '../support/tenants.ts';

/*
 * Statements are prepared (db/prepared-statements.ts), so PostgreSQL soon runs them on a generic
 * plan, made without the parameters' values. Row-level security already adds `tenant_id = any(<the
 * scope's tenants>)`, an array the planner takes for ten elements; a second such array from the
 * application's own filter made an index lookup look a hundred times dearer than it is, and a
 * contact's lookup by address read the whole table on every inbound message.
 */
forEachDatabase('the tenant filter under a generic plan', (db) => {
  let acme: number;

  before(async () => {
    ({ acme } = (await createTenants(db(), [{ slug: 'acme', name: 'Acme' }])) as { acme: number });
    await sql`insert into contacts (tenant_id, kind, email, name)
      select ${acme}, 'customer', 'customer' || g || '@acme.test', 'Customer ' || g from generate_series(1, 5000) g`.execute(db().owner);
    await sql`analyze contacts`.execute(db().owner);
  });

  it("finds one tenant's contact by address through the unique index", async () => {
    const lookup = sql`select * from contacts where ${tenantFilter(objectType('contact'), [acme])} and email = ${'customer42@acme.test'} order by id limit 1`.compile(db().owner);
    const plan = await db().owner.transaction().execute(async (tx) => {
      await sql`select set_config('role', 'tenantdesk_app', true), set_config('td.read', ${`{${acme}}`}, true),
        set_config('td.write', ${`{${acme}}`}, true), set_config('td.write_public', 'off', true), set_config('td.untenanted', 'off', true)`.execute(tx);
      await sql`set local plan_cache_mode = force_generic_plan`.execute(tx);
      await sql`prepare contact_by_address as ${sql.raw(lookup.sql)}`.execute(tx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain execute contact_by_address (${sql.join(lookup.parameters.map((p) => sql.lit(p as string | number)))})`.execute(tx);
      await sql`deallocate contact_by_address`.execute(tx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    assert.match(plan, /Index Scan using contacts_email/, plan);
    assert.doesNotMatch(plan, /Seq Scan/, plan);
  });

  it('still reads several tenants as one array', () => {
    const { sql: text, parameters } = sql`select 1 from contacts where ${tenantFilter(objectType('contact'), [acme, acme + 1])}`.compile(db().owner);
    assert.match(text, /= any \(\$1::integer\[\]\)/);
    assert.deepEqual(parameters, [[acme, acme + 1]]);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { registry } from '../../src/db/registry.ts';
import { forEachDatabase } from '../support/databases.ts';

forEachDatabase('the object registry', (db) => {
  const columnsOf = async (table: string) =>
    (await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${table}`.execute(db().owner)).rows.map((r) => r.column_name);

  it('names, for each tenant-scoped or public type, a table with an id the data-access layer can address, or its declared key', async () => {
    for (const type of Object.values(registry).filter((t) => t.class !== 'catalog')) {
      const columns = await columnsOf(type.table);
      for (const column of type.key ?? ['id']) assert.ok(columns.includes(column), `${type.table} has a ${column} column`);
    }
  });

  it('declares tenant columns and reference columns that exist, pointing to registered types', async () => {
    for (const type of Object.values(registry)) {
      const columns = await columnsOf(type.table);
      if (type.tenantColumn) assert.ok(columns.includes(type.tenantColumn), `${type.table}.${type.tenantColumn}`);
      if (type.class === 'tenant-required' || type.class === 'tenant-optional') assert.equal(type.tenantColumn, 'tenant_id', type.table);
      for (const ref of type.references) {
        assert.ok(columns.includes(ref.column), `${type.table}.${ref.column}`);
        assert.ok(Object.hasOwn(registry, ref.target), `${type.table}.${ref.column} -> ${ref.target}`);
        assert.ok(!(ref.spEligible && ref.impliesTenant), `${type.table}.${ref.column}: an SP-eligible reference never implies the tenant`);
      }
    }
  });

  it('keeps foreign keys only for same-tenant references, which never cross databases', async () => {
    // A composite key (tenant_id, x) is named by its other column: the reference it makes.
    const keys = await sql<{ source: string; column: string; target: string }>`
      select c.conrelid::regclass::text as source, c.confrelid::regclass::text as target,
        (select a.attname from unnest(c.conkey) with ordinality k(attnum, n) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
         order by a.attname = 'tenant_id', k.n limit 1) as column
      from pg_constraint c
      where c.contype = 'f' and c.connamespace = 'public'::regnamespace`.execute(db().owner);
    const catalogTables = new Set(Object.values(registry).filter((t) => t.class === 'catalog').map((t) => t.table));
    for (const key of keys.rows.filter((k) => !catalogTables.has(k.source))) {
      const type = Object.values(registry).find((t) => t.table === key.source);
      const ref = type?.references.find((r) => r.column === key.column);
      assert.ok(ref?.sameTenant, `${key.source}.${key.column} -> ${key.target} is a foreign key but not a same-tenant reference`);
    }
  });
});


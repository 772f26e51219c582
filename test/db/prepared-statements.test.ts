import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { MAX_PER_CONNECTION } from '../../src/db/prepared-statements.ts';
import { applyScope, type DbScope } from '../../src/db/scope.ts';
import type { DB } from '../../src/db/schema.ts';
import { databaseKinds, forEachDatabase, testServerUrl } from '../support/databases.ts';
import { createTenants } from '../support/tenants.ts';

/*
 * Statements are prepared once per connection (src/db/prepared-statements.ts). What must hold: a
 * plan cached under one tenant's scope never answers for another's (row-level security reads the
 * scope at execution, and a role switch re-plans), a connection keeps a bounded number of them, and
 * DB_PREPARED_STATEMENTS=false sends none.
 */
const tenant = (id: number): DbScope => ({ read: [id], write: [id], writePublic: false });
const ALL: DbScope = { read: 'all', write: [], writePublic: false };

/** On one pinned connection: the emails row-level security lets `scope` see, by one and the same statement text. */
async function emailsUnder(db: Kysely<DB>, scope: DbScope): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    await applyScope(tx, scope);
    const rows = await sql<{ email: string }>`select email from contacts where kind = ${'customer'} order by email`.execute(tx);
    return rows.rows.map((r) => r.email);
  });
}

const preparedCount = async (db: Kysely<DB>) => (await sql<{ n: number }>`select count(*)::integer as n from pg_prepared_statements`.execute(db)).rows[0]!.n;

forEachDatabase('prepared statements', (db, kind) => {
  let ids: Record<string, number>;

  before(async () => {
    ids = await createTenants(db(), [
      { slug: 'sp', name: 'Service provider', hosts: ['sp.localhost'] },
      { slug: 'acme', name: 'Acme', hosts: ['acme.localhost'] },
      { slug: 'globex', name: 'Globex', hosts: ['globex.localhost'] },
    ]);
    await sql`insert into contacts (tenant_id, kind, email, name) values
      (${ids.acme}, 'customer', 'ann@acme.example', 'Ann'), (${ids.globex}, 'customer', 'gus@globex.example', 'Gus')`.execute(db().owner);
  });

  it('never answer for another tenant than the scope of the moment, on the generic plan too', async () => {
    await db().app.connection().execute(async (conn) => {
      // More than PostgreSQL's five custom plans, so that the cached generic plan is the one in use.
      for (let i = 0; i < 8; i++) assert.deepEqual(await emailsUnder(conn, tenant(ids.acme!)), ['ann@acme.example']);
      assert.deepEqual(await emailsUnder(conn, tenant(ids.globex!)), ['gus@globex.example']);
      assert.deepEqual(await emailsUnder(conn, ALL), ['ann@acme.example', 'gus@globex.example']);
      assert.deepEqual(await emailsUnder(conn, tenant(ids.acme!)), ['ann@acme.example']);
      assert.deepEqual(await emailsUnder(conn, tenant(ids.sp!)), []);
      if (kind === 'postgres') {
        const named = await sql<{ statement: string }>`select statement from pg_prepared_statements where statement like ${'%from contacts where kind%'}`.execute(conn);
        assert.equal(named.rows.length, 1, 'the statement is prepared once on this connection');
      }
    });
  });

  if (kind === 'postgres') {
    it(`are at most ${MAX_PER_CONNECTION} per connection; past that, statements go unnamed and still work`, async () => {
      await db().app.connection().execute(async (conn) => {
        for (let i = 0; i < MAX_PER_CONNECTION + 20; i++) {
          const row = await sql<{ n: number }>`select ${i}::integer + ${sql.raw(String(i))} as n`.execute(conn);
          assert.equal(row.rows[0]!.n, 2 * i);
        }
        assert.equal(await preparedCount(conn), MAX_PER_CONNECTION);
      });
    });
  }
});

// DB_PREPARED_STATEMENTS is a setting of the PostgreSQL connection pool: the server only.
if (databaseKinds().includes('postgres')) {
  describe('DB_PREPARED_STATEMENTS=false', () => {
    let database: Database;
    before(async () => {
      database = await openDatabase({ kind: 'postgres', url: await testServerUrl(), poolMax: 1, preparedStatements: false });
    });
    after(async () => database.close());

    it('sends every statement unnamed', async () => {
      await database.app.connection().execute(async (conn) => {
        for (let i = 0; i < 3; i++) assert.equal((await sql<{ n: number }>`select ${i}::integer as n`.execute(conn)).rows[0]!.n, i);
        assert.equal(await preparedCount(conn), 0);
      });
    });
  });
}

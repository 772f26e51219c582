import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { openRuntime, type Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/config/logger.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrate, migrationStatus } from '../../src/db/migrate.ts';
import { RequestLoginError, requestLoginName, scramVerifier } from '../../src/db/request-login.ts';
import { SYSTEM_ROLE } from '../../src/db/rls.ts';
import type { DB } from '../../src/db/schema.ts';
import { inScope } from '../../src/db/scope.ts';
import { dropSilo, provisionSilo } from '../../src/tenancy/placement/provision-silo.ts';
import { admin, databaseKinds, freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { createTenants } from '../support/tenants.ts';

/*
 * Issue 18, item 7: a server on PostgreSQL runs requests as a login that is neither superuser nor
 * a table's owner and cannot bypass row-level security, proven from pg_roles and pg_class. PGlite
 * has no logins (one in-process session): these run against the PostgreSQL server only.
 */

const log = createLogger({ logLevel: 'silent' });

type Login = { user: string; session: string; super: boolean; bypass: boolean; inherit: boolean; owned: number };

async function whoAmI(db: Kysely<DB>): Promise<Login> {
  const { rows } = await sql<Login>`select current_user as user, session_user as session, r.rolsuper as super,
      r.rolbypassrls as bypass, r.rolinherit as inherit,
      (select count(*) from pg_class c where c.relowner = r.oid)::int as owned
    from pg_roles r where r.rolname = session_user`.execute(db);
  return rows[0]!;
}

/** The error code PostgreSQL answers `work` with (e.g. 42501, insufficient privilege). */
async function sqlState(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const urlAs = (url: string, user: string, password = '') => Object.assign(new URL(url), { username: user, password }).toString();

if (databaseKinds().includes('postgres')) {
  describe('the request login [postgres]', () => {
    let fresh: FreshDatabase;
    let rt: Runtime;
    let ownerUser: string;

    before(async () => {
      fresh = await freshDatabase('postgres');
      await createTenants(fresh.database, [
        { slug: 'sp', name: 'Provider' },
        { slug: 'acme', name: 'Acme' },
      ]);
      ownerUser = (await whoAmI(fresh.database.owner)).user;
      rt = await openRuntime(loadConfig({ DATABASE_URL: fresh.url! }), log, 'server');
    });
    after(async () => {
      await rt?.database.close();
      await fresh?.drop();
    });

    it('serves requests as a login that is not superuser, owns no table and cannot bypass RLS', async () => {
      const owner = await whoAmI(fresh.database.owner);
      assert.equal(owner.super, true, 'the test server logs in as a superuser: the case to guard against');
      const app = await whoAmI(rt.database.app);
      const dbName = new URL(fresh.url!).pathname.slice(1);
      assert.equal(app.session, requestLoginName(dbName));
      assert.notEqual(app.session, ownerUser);
      assert.deepEqual([app.super, app.bypass, app.inherit, app.owned], [false, false, false, 0]);
      assert.equal(rt.database.requestLogin, true);
      const ownedByLogin = await sql<{ n: number }>`select count(*)::int as n from pg_class c join pg_roles r on r.oid = c.relowner
        where r.rolname = ${app.session}`.execute(fresh.database.owner);
      assert.equal(ownedByLogin.rows[0]!.n, 0);
    });

    it('runs unscoped installation work as the system role, which may change rows but not the schema', async () => {
      const system = await whoAmI(rt.database.system);
      assert.equal(system.user, SYSTEM_ROLE);
      assert.equal(system.session, (await whoAmI(rt.database.app)).session);
      assert.equal((await rt.database.system.selectFrom('tenants').select('slug').execute()).length, 2);
      assert.deepEqual((await migrationStatus(rt.database)).pending, [], '/readyz reads the applied migrations as the system role');
      assert.equal(await sqlState(sql`delete from schema_migrations`.execute(rt.database.system)), '42501');
      assert.equal(await sqlState(sql`create table planted (id int)`.execute(rt.database.system)), '42501');
      assert.equal(await sqlState(sql`alter table tickets disable row level security`.execute(rt.database.system)), '42501');
    });

    it('sees no tenant row after RESET ROLE on a request connection, in or out of a scoped transaction', async () => {
      const acme = (await rt.database.system.selectFrom('tenants').select('id').where('slug', '=', 'acme').executeTakeFirstOrThrow()).id;
      const scoped = await inScope(rt.database, { read: [acme], write: [acme], writePublic: false }, async (tx) => {
        const before = (await sql<{ n: number }>`select count(*)::int as n from tenants`.execute(tx)).rows[0]!.n;
        await sql`reset role`.execute(tx);
        const after = await sqlState(sql`select count(*) from tenants`.execute(tx));
        return { before, after };
      });
      assert.equal(scoped.before, 1, 'scoped: its own tenant row');
      assert.equal(scoped.after, '42501', 'the bare login may read no table');
      await rt.database.app.connection().execute(async (c) => {
        await sql`reset role`.execute(c);
        for (const table of ['tenants', 'tickets', 'contacts', 'sessions', 'request_login', 'schema_migrations']) {
          assert.equal(await sqlState(sql`select count(*) from ${sql.table(table)}`.execute(c)), '42501', table);
        }
      });
      // The app role without its tenant settings (a forgotten scope) sees nothing either.
      const unscoped = await rt.database.app.transaction().execute(async (tx) => {
        await sql`set local role tenantdesk_app`.execute(tx);
        return (await sql<{ n: number }>`select count(*)::int as n from tenants`.execute(tx)).rows[0]!.n;
      });
      assert.equal(unscoped, 0);
    });

    it('keeps one login per database, with the same password across migrations and restarts', async () => {
      const before = await sql<{ role_name: string; password: string }>`select role_name, password from request_login`.execute(fresh.database.owner);
      await migrate(fresh.database);
      const again = await sql<{ role_name: string; password: string }>`select role_name, password from request_login`.execute(fresh.database.owner);
      assert.deepEqual(again.rows, before.rows);
      const other = await freshDatabase('postgres');
      try {
        const otherLogin = (await sql<{ role_name: string }>`select role_name from request_login`.execute(other.database.owner)).rows[0]!.role_name;
        assert.notEqual(otherLogin, before.rows[0]!.role_name, 'roles are cluster-wide: each database has its own');
        assert.equal((await whoAmI(rt.database.app)).session, before.rows[0]!.role_name, 'the other database left this one alone');
      } finally {
        await other.drop();
      }
      const left = await admin((c) => c.query('select 1 from pg_roles where rolname = $1', [requestLoginName(new URL(other.url!).pathname.slice(1))]));
      assert.equal(left.rowCount, 0, 'dropping a test database drops its login');
    });

    it("sets the login's password as the verifier PostgreSQL itself computes (SCRAM-SHA-256)", async () => {
      const role = `td_test_scram_${randomBytes(4).toString('hex')}`;
      const stored = await admin(async (c) => {
        await c.query("set password_encryption = 'scram-sha-256'");
        await c.query(`create role ${role} password 'correct horse battery'`);
        try {
          return (await c.query<{ p: string }>('select rolpassword as p from pg_authid where rolname = $1', [role])).rows[0]!.p;
        } finally {
          await c.query(`drop role ${role}`);
        }
      });
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
      assert.equal(scramVerifier('correct horse battery', Buffer.from(salt!, 'base64'), Number(iterations)), stored);
      const password = (await sql<{ p: string }>`select a.rolpassword as p from pg_authid a join request_login l on l.role_name = a.rolname`.execute(fresh.database.owner)).rows[0]!.p;
      assert.match(password, /^SCRAM-SHA-256\$4096:/, 'never the clear password');
    });

    it('gives a server silo its own request login, and drops it with the silo', async () => {
      const name = await provisionSilo(rt.shards, { slug: 'acme-silo' });
      const silo = await rt.shards.get(name);
      const login = await whoAmI(silo.app);
      const siloDb = new URL((await rt.database.system.selectFrom('shards').select('location').where('name', '=', name).executeTakeFirstOrThrow()).location).pathname.slice(1);
      assert.equal(login.session, requestLoginName(siloDb), 'not the template’s login, nor the owner');
      assert.deepEqual([login.super, login.bypass, login.owned], [false, false, 0]);
      await dropSilo(rt.shards, name);
      const left = await admin((c) => c.query('select 1 from pg_roles where rolname = $1', [login.session]));
      assert.equal(left.rowCount, 0);
    });
  });

  describe('a database owner that may not create roles [postgres]', () => {
    const suffix = randomBytes(4).toString('hex');
    const ownerRole = `td_test_owner_${suffix}`;
    const loginRole = `td_test_login_${suffix}`;
    const dbName = `td_test_norole_${suffix}`;
    let ownerUrl: string;

    before(async () => {
      ownerUrl = urlAs(Object.assign(new URL(process.env.TEST_DATABASE_URL!), { pathname: `/${dbName}` }).toString(), ownerRole);
      await admin(async (c) => {
        await c.query(`create role ${ownerRole} login nosuperuser nocreaterole nocreatedb`);
        await c.query(`create database ${dbName} owner ${ownerRole}`);
        // A DBA set up the shared roles and a login for requests beforehand.
        await c.query(`create role ${loginRole} login noinherit password '${scramVerifier('not-used-under-trust')}'`);
        for (const role of ['tenantdesk_app', 'tenantdesk_app_all', SYSTEM_ROLE]) {
          await c.query(`do $$ begin create role ${role} nologin noinherit; exception when duplicate_object or unique_violation then null; end $$`);
          await c.query(`grant ${role} to ${loginRole}`);
        }
      });
      const database = await openDatabase({ kind: 'postgres', url: ownerUrl, poolMax: 1 });
      try {
        await migrate(database);
      } finally {
        await database.close();
      }
    });
    after(async () => {
      await admin(async (c) => {
        await c.query(`drop database if exists ${dbName} with (force)`);
        await c.query(`drop role if exists ${loginRole}`);
        await c.query(`drop role if exists ${ownerRole}`);
      });
    });

    it('refuses to serve without APP_DATABASE_URL, saying what to set', async () => {
      await assert.rejects(openRuntime(loadConfig({ DATABASE_URL: ownerUrl }), log, 'server'), (error: Error) => {
        assert.ok(error instanceof RequestLoginError, String(error));
        assert.match(error.message, /APP_DATABASE_URL/);
        return true;
      });
    });

    it('refuses the owner itself as APP_DATABASE_URL', async () => {
      await assert.rejects(openRuntime(loadConfig({ DATABASE_URL: ownerUrl, APP_DATABASE_URL: ownerUrl }), log, 'server'), (error: Error) => {
        assert.ok(error instanceof RequestLoginError, String(error));
        assert.match(error.message, /owns tables/);
        return true;
      });
    });

    it('serves as the login APP_DATABASE_URL names', async () => {
      const rt = await openRuntime(loadConfig({ DATABASE_URL: ownerUrl, APP_DATABASE_URL: urlAs(ownerUrl, loginRole) }), log, 'server');
      try {
        assert.equal((await whoAmI(rt.database.app)).session, loginRole);
        assert.equal((await whoAmI(rt.database.system)).user, SYSTEM_ROLE);
      } finally {
        await rt.database.close();
      }
    });
  });
}

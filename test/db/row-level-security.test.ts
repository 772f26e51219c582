import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { mapDatabaseError } from '../../src/db/errors.ts';
import { registry, tenantTables, type ObjectClass } from '../../src/db/registry.ts';
import { APP_ALL_ROLE, APP_ROLE, APP_ROLES, SYSTEM_ROLE } from '../../src/db/rls.ts';
import type { DB } from '../../src/db/schema.ts';
import { toAppError } from '../../src/http/error-reply.ts';
import { forEachDatabase } from '../support/databases.ts';
import { createTenants } from '../support/tenants.ts';

/*
 * The database layer of defence in depth (DESIGN.md section 3), checked from PostgreSQL's own
 * catalogs and by raw SQL run as the app role with no help from the application layer.
 */

type Tx = Transaction<DB>;

/** Tables outside the registry on purpose: bookkeeping the app role can neither read nor write. */
const UNREGISTERED = ['schema_migrations', 'request_login'];

const registryTables = Object.values(registry).map((t) => t.table);
const RLS_CLASSES: readonly ObjectClass[] = ['tenant-required', 'tenant-optional', 'public', 'catalog'];
const rlsTables = Object.values(registry).filter((t) => RLS_CLASSES.includes(t.class));

/** The tables the fixture below fills (with rows of both tenants for tenant tables). */
const FIXTURE_TABLES = ['tenants', 'tenant_hosts', 'tenant_groups', 'tenant_group_members', 'catalog_state', 'roles', 'contacts', 'contact_roles', 'api_keys', 'priorities', 'categories', 'locations', 'tickets'];

class RolledBack extends Error {}

/** Runs `work` in a transaction on `db` and always rolls it back; returns what `work` returned. */
async function rolledBack<T>(db: Kysely<DB>, work: (tx: Tx) => Promise<T>): Promise<T> {
  const box: { value?: T } = {};
  try {
    await db.transaction().execute(async (tx) => {
      box.value = await work(tx);
      throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  return box.value as T;
}

/** The settings applyScope (src/db/scope.ts) sets, here set by hand; unset ones stay unset. */
type RawScope = { read?: string; write?: string; writePublic?: 'on' | 'off'; untenanted?: 'on' | 'off'; role?: string };

/**
 * Raw SQL as the app role, without the application layer: a transaction on `database.app`, the
 * role switch and the tenant settings done with set_config exactly like applyScope. Rolled back.
 */
async function asApp<T>(database: Database, scope: RawScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  return rolledBack(database.app, async (tx) => {
    // As scope.ts does: a transaction reading every tenant runs as the all-tenants role.
    const role = scope.role ?? (scope.read === '*' ? APP_ALL_ROLE : APP_ROLE);
    await sql`select set_config('role', ${role}, true)`.execute(tx);
    if (scope.read !== undefined) await sql`select set_config('td.read', ${scope.read}, true)`.execute(tx);
    if (scope.write !== undefined) await sql`select set_config('td.write', ${scope.write}, true)`.execute(tx);
    if (scope.writePublic !== undefined) await sql`select set_config('td.write_public', ${scope.writePublic}, true)`.execute(tx);
    if (scope.untenanted !== undefined) await sql`select set_config('td.untenanted', ${scope.untenanted}, true)`.execute(tx);
    const who = await sql<{ user: string }>`select current_user as user`.execute(tx);
    assert.equal(who.rows[0]?.user, role, 'the transaction runs as the app role');
    return work(tx);
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<{ code?: unknown; message?: unknown; detail?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown; message?: unknown; detail?: unknown };
  }
  assert.fail('expected the statement to be refused');
}

async function count(db: Kysely<DB> | Tx, table: string, where = sql`true`): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(table)} where ${where}`.execute(db);
  return result.rows[0]!.n;
}

async function affected(tx: Tx, statement: ReturnType<typeof sql>): Promise<number> {
  const result = await statement.execute(tx);
  return Number(result.numAffectedRows ?? 0n);
}

// ---- catalog queries: each returns the offending objects, so an empty list is a pass ----

async function registryTablesMissing(db: Kysely<DB> | Tx): Promise<string[]> {
  const result = await sql<{ name: string }>`select t.name from unnest(${sql.val(registryTables)}::text[]) as t(name)
    where not exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relname = t.name and c.relkind in ('r', 'p'))
    order by 1`.execute(db);
  return result.rows.map((r) => r.name);
}

async function unregisteredRelations(db: Kysely<DB> | Tx): Promise<string[]> {
  const result = await sql<{ name: string }>`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and not (c.relname = any (${sql.val([...registryTables, ...UNREGISTERED])}::text[]))
    order by 1`.execute(db);
  return result.rows.map((r) => r.name);
}

async function viewsWithoutSecurityInvoker(db: Kysely<DB> | Tx): Promise<string[]> {
  const result = await sql<{ name: string }>`select format('%I.%I', v.schemaname, v.viewname) as name
    from pg_views v
    join pg_namespace n on n.nspname = v.schemaname
    join pg_class c on c.relnamespace = n.oid and c.relname = v.viewname
    where v.schemaname not in ('pg_catalog', 'information_schema')
      and not exists (select 1 from unnest(coalesce(c.reloptions, '{}'::text[])) o
        where lower(o) in ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'))
    order by 1`.execute(db);
  return result.rows.map((r) => r.name);
}

async function definerFunctionsWithoutSearchPath(db: Kysely<DB> | Tx): Promise<string[]> {
  const result = await sql<{ name: string }>`select p.oid::regprocedure::text as name
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')
      and not exists (select 1 from unnest(coalesce(p.proconfig, '{}'::text[])) c where c like 'search_path=%')
    order by 1`.execute(db);
  return result.rows.map((r) => r.name);
}

type TableSecurity = { name: string; enabled: boolean; forced: boolean; policies: string; roles: string };

async function tableSecurity(db: Kysely<DB>): Promise<Map<string, TableSecurity>> {
  const result = await sql<TableSecurity>`select c.relname as name, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
      coalesce((select string_agg(p.policyname || ':' || p.cmd, ',' order by p.policyname) from pg_policies p
        where p.schemaname = 'public' and p.tablename = c.relname), '') as policies,
      coalesce((select string_agg(distinct r, ',') from pg_policies p, unnest(p.roles) r
        where p.schemaname = 'public' and p.tablename = c.relname), '') as roles
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relname = any (${sql.val(registryTables)}::text[])`.execute(db);
  return new Map(result.rows.map((r) => [r.name, r]));
}

forEachDatabase('row-level security', (db) => {
  describe('as seen in the PostgreSQL catalogs', () => {
    for (const role of APP_ROLES) {
      it(`gives ${role} no superuser, BYPASSRLS, CREATEROLE or CREATEDB attribute`, async () => {
        // LOGIN is left open: production may log in as the app role directly (APP_DATABASE_URL).
        const result = await sql<{ rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>`
          select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = ${role}`.execute(db().owner);
        assert.deepEqual(result.rows, [{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false }]);
      });

      it(`grants ${role} no other role it could switch to`, async () => {
        const result = await sql<{ granted: string }>`select r.rolname as granted from pg_auth_members m
          join pg_roles r on r.oid = m.roleid join pg_roles a on a.oid = m.member where a.rolname = ${role}`.execute(db().owner);
        assert.deepEqual(result.rows, []);
      });

      it(`lets ${role} own no table, view, sequence, function, type or schema`, async () => {
        const result = await sql<{ kind: string; name: string }>`
          select 'relation' as kind, c.oid::regclass::text as name from pg_class c where c.relowner = (select oid from pg_roles where rolname = ${role})
          union all select 'function', p.oid::regprocedure::text from pg_proc p where p.proowner = (select oid from pg_roles where rolname = ${role})
          union all select 'type', t.oid::regtype::text from pg_type t where t.typowner = (select oid from pg_roles where rolname = ${role})
          union all select 'schema', n.nspname::text from pg_namespace n where n.nspowner = (select oid from pg_roles where rolname = ${role})`.execute(db().owner);
        assert.deepEqual(result.rows, []);
      });

      it(`does not let ${role} create objects in schema public or td`, async () => {
        const result = await sql<{ schema: string; can_create: boolean; can_use: boolean }>`
          select s as schema, has_schema_privilege(${role}, s, 'CREATE') as can_create, has_schema_privilege(${role}, s, 'USAGE') as can_use
          from unnest(array['public', 'td']) s order by s`.execute(db().owner);
        assert.deepEqual(result.rows, [
          { schema: 'public', can_create: false, can_use: true },
          { schema: 'td', can_create: false, can_use: true },
        ]);
      });
    }

    it('refuses CREATE TABLE inside a scoped transaction', async () => {
      const refused = await failure(asApp(db(), { read: '*', write: '*' }, (tx) => sql`create table public.td_probe (id integer)`.execute(tx)));
      assert.equal(refused.code, '42501');
    });

    it('has every table of the registry', async () => {
      assert.deepEqual(await registryTablesMissing(db().owner), []);
    });

    it('enables and forces row-level security, with policies for the app role, on every registered table', async () => {
      const security = await tableSecurity(db().owner);
      assert.equal(rlsTables.length, registryTables.length, 'every registered table is of a class that needs row-level security');
      for (const type of rlsTables) {
        const table = security.get(type.table);
        assert.ok(table, `${type.table} exists`);
        assert.equal(table.enabled, true, `${type.table}: row-level security enabled`);
        assert.equal(table.forced, true, `${type.table}: row-level security forced`);
        const owner = (await sql<{ u: string }>`select current_user as u`.execute(db().owner)).rows[0]!.u;
        assert.equal(table.roles, [owner, ...APP_ROLES, SYSTEM_ROLE].sort().join(','), `${type.table}: policies apply to the app roles (and the owner and system role, unscoped)`);
        const expected =
          type.class === 'catalog'
            ? 'td_owner:ALL,td_read:SELECT,td_read_all:SELECT'
            : 'td_delete:DELETE,td_insert:INSERT,td_owner:ALL,td_read:SELECT,td_read_all:SELECT,td_update:UPDATE';
        assert.equal(table.policies, expected, `${type.table}: policies`);
      }
    });

    it('lets the app roles only read catalog tables, never write them', async () => {
      for (const type of Object.values(registry).filter((t) => t.class === 'catalog')) for (const APP_ROLE of APP_ROLES) {
        const result = await sql<{ sel: boolean; ins: boolean; upd: boolean; del: boolean; trn: boolean }>`select
          has_table_privilege(${APP_ROLE}, ${type.table}, 'SELECT') as sel, has_table_privilege(${APP_ROLE}, ${type.table}, 'INSERT') as ins,
          has_table_privilege(${APP_ROLE}, ${type.table}, 'UPDATE') as upd, has_table_privilege(${APP_ROLE}, ${type.table}, 'DELETE') as del,
          has_table_privilege(${APP_ROLE}, ${type.table}, 'TRUNCATE') as trn`.execute(db().owner);
        assert.deepEqual(result.rows[0], { sel: true, ins: false, upd: false, del: false, trn: false }, type.table);
      }
    });

    it('has no table in schema public missing from the registry', async () => {
      assert.deepEqual(await unregisteredRelations(db().owner), []);
      // The deliberate exceptions are out of the app roles' reach altogether, and of the system
      // role's but for reading the applied migrations (/readyz).
      for (const table of UNREGISTERED) for (const role of [...APP_ROLES, SYSTEM_ROLE]) {
        const readable = role === SYSTEM_ROLE && table === 'schema_migrations';
        const result = await sql<{ reachable: boolean }>`select has_table_privilege(${role}, ${table}, ${readable ? 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER' : 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'}) as reachable`.execute(db().owner);
        assert.equal(result.rows[0]?.reachable, false, `${table} is unreachable for ${role}`);
      }
    });

    it('notices a new table that skipped the registry', async () => {
      const found = await rolledBack(db().owner, async (tx) => {
        await sql`create table td_unregistered_probe (id integer)`.execute(tx);
        return unregisteredRelations(tx);
      });
      assert.deepEqual(found, ['td_unregistered_probe']);
    });

    it('has no view without security_invoker', async () => {
      assert.deepEqual(await viewsWithoutSecurityInvoker(db().owner), []);
    });

    it('notices a view without security_invoker, and accepts one with it', async () => {
      const found = await rolledBack(db().owner, async (tx) => {
        await sql`create view td_probe_definer as select id, tenant_id from tickets`.execute(tx);
        await sql`create view td_probe_invoker with (security_invoker = true) as select id, tenant_id from tickets`.execute(tx);
        return viewsWithoutSecurityInvoker(tx);
      });
      assert.deepEqual(found, ['public.td_probe_definer']);
    });

    it('has no SECURITY DEFINER function without a fixed search_path', async () => {
      assert.deepEqual(await definerFunctionsWithoutSearchPath(db().owner), []);
    });

    it('notices a SECURITY DEFINER function without a fixed search_path, and accepts one with it', async () => {
      const found = await rolledBack(db().owner, async (tx) => {
        await sql`create function td_probe_open() returns integer language sql security definer as $$ select 1 $$`.execute(tx);
        await sql`create function td_probe_fixed() returns integer language sql security definer set search_path = pg_catalog as $$ select 1 $$`.execute(tx);
        return definerFunctionsWithoutSearchPath(tx);
      });
      assert.deepEqual(found, ['td_probe_open()']);
    });
  });

  describe('raw SQL as the app role, without the application layer', () => {
    let A = 0;
    let B = 0;
    const ids = { aliceId: '', bobId: '', aTicket: '', bTicket: '', publicCategory: '', aCategory: '', bCategory: '' };

    before(async () => {
      const owner = db().owner;
      const tenants = await createTenants(db(), [
        { slug: 'sp', name: 'Service provider', hosts: ['sp.localhost'] },
        { slug: 'acme', name: 'Acme', hosts: ['acme.localhost', 'help.acme.example'] },
        { slug: 'globex', name: 'Globex', hosts: ['globex.localhost', 'help.globex.example'] },
      ]);
      A = tenants.acme!;
      B = tenants.globex!;
      // The owner (a superuser in tests) bypasses row-level security: this is the fixture, not the test.
      const agent = await owner.selectFrom('roles').select('id').where('slug', '=', 'agent').where('tenant_id', 'is', null).executeTakeFirstOrThrow();
      const [alice, bob] = await owner
        .insertInto('contacts')
        .values([
          { tenant_id: A, kind: 'agent', email: 'alice@acme.example', name: 'Alice Acme' },
          { tenant_id: B, kind: 'agent', email: 'bob.secret@globex.example', name: 'Bob Globex' },
        ])
        .returning('id')
        .execute();
      ids.aliceId = alice!.id;
      ids.bobId = bob!.id;
      await owner
        .insertInto('contact_roles')
        .values([
          { tenant_id: A, contact_id: ids.aliceId, role_id: agent.id, is_default: true },
          { tenant_id: B, contact_id: ids.bobId, role_id: agent.id, is_default: true },
        ])
        .execute();
      await owner
        .insertInto('roles')
        .values([
          { tenant_id: A, slug: 'auditor', name: 'Acme auditor', read_access: 'own', write_access: 'own' },
          { tenant_id: B, slug: 'auditor', name: 'Globex auditor', read_access: 'own', write_access: 'own' },
        ])
        .execute();
      const categories = await owner
        .insertInto('categories')
        .values([
          { tenant_id: null, name: 'General' },
          { tenant_id: A, name: 'Acme hardware' },
          { tenant_id: B, name: 'Globex merger' },
        ])
        .returning('id')
        .execute();
      ids.publicCategory = categories[0]!.id;
      ids.aCategory = categories[1]!.id;
      ids.bCategory = categories[2]!.id;
      await owner
        .insertInto('locations')
        .values([
          { tenant_id: null, name: 'Remote' },
          { tenant_id: A, name: 'Acme HQ' },
          { tenant_id: B, name: 'Globex HQ' },
        ])
        .execute();
      const tickets = await owner
        .insertInto('tickets')
        .values([
          { tenant_id: A, subject: 'Acme printer jam', requester_id: ids.aliceId, category_id: ids.aCategory },
          { tenant_id: B, subject: 'Globex merger plan leaked', requester_id: ids.bobId, category_id: ids.bCategory },
        ])
        .returning('id')
        .execute();
      ids.aTicket = tickets[0]!.id;
      ids.bTicket = tickets[1]!.id;
      await owner
        .insertInto('api_keys')
        .values([
          { tenant_id: A, contact_id: ids.aliceId, role_id: agent.id, name: 'Acme key', prefix: 'acmekey1', secret_hash: 'x' },
          { tenant_id: B, contact_id: ids.bobId, role_id: agent.id, name: 'Globex key', prefix: 'globexsecretprefix', secret_hash: 'y' },
        ])
        .execute();
      for (const table of FIXTURE_TABLES) assert.ok((await count(owner, table)) > 0, `fixture: ${table} has rows`);
    });

    it('sees nothing at all, in any registered table, with no tenant context (fail closed)', async () => {
      for (const scope of [{}, { read: '', write: '', writePublic: 'off' }] satisfies RawScope[]) {
        const seen = await asApp(db(), scope, async (tx) => {
          const out: Record<string, number> = {};
          for (const table of registryTables) out[table] = await count(tx, table);
          return out;
        });
        assert.deepEqual(seen, Object.fromEntries(registryTables.map((t) => [t, 0])), JSON.stringify(scope));
      }
    });

    it('lets the all-tenants role see nothing unless the transaction reads every tenant', async () => {
      const required = Object.values(registry).filter((t) => t.class === 'tenant-required').map((t) => t.table);
      const everything = async (scope: RawScope, tables = registryTables) =>
        asApp(db(), { ...scope, role: APP_ALL_ROLE }, async (tx) => {
          let total = 0;
          for (const table of tables) total += await count(tx, table);
          return total;
        });
      assert.equal(await everything({}), 0, 'no context');
      assert.equal(await everything({ read: `{${A}}`, write: `{${A}}` }, required), 0, 'a tenant set is not "all"');
      assert.ok((await everything({ read: '*' })) > 0, "td.read = '*'");
    });

    it('shows no public rows of tenant-optional types and no public objects with no tenant context', async () => {
      const seen = await asApp(db(), {}, async (tx) => ({
        publicRoles: await count(tx, 'roles', sql`tenant_id is null`),
        publicCategory: await count(tx, 'categories', sql`id = ${ids.publicCategory}`),
        priorities: await count(tx, 'priorities'),
      }));
      assert.deepEqual(seen, { publicRoles: 0, publicCategory: 0, priorities: 0 });
    });

    it('does not carry a tenant set over to the next transaction on the same connection', async () => {
      await db().app.connection().execute(async (connection) => {
        await connection.transaction().execute(async (tx) => {
          await sql`select set_config('role', ${APP_ROLE}, true), set_config('td.read', ${`{${A}}`}, true)`.execute(tx);
          assert.equal(await count(tx, 'tickets'), 1);
        });
        await connection.transaction().execute(async (tx) => {
          await sql`select set_config('role', ${APP_ROLE}, true)`.execute(tx);
          assert.equal(await count(tx, 'tickets'), 0);
        });
      });
    });

    it("sees only tenant A's rows (and public rows of optional types) when td.read is A", async () => {
      const owner = db().owner;
      for (const type of tenantTables()) {
        const column = sql.ref(type.tenantColumn!);
        const seen = await asApp(db(), { read: `{${A}}` }, async (tx) => ({
          total: await count(tx, type.table),
          foreign: await count(tx, type.table, sql`${column} is distinct from ${A} and ${column} is not null`),
          ownRows: await count(tx, type.table, sql`${column} = ${A}`),
          publicRows: await count(tx, type.table, sql`${column} is null`),
        }));
        const expectedOwn = await count(owner, type.table, sql`${column} = ${A}`);
        const expectedPublic = type.class === 'tenant-optional' ? await count(owner, type.table, sql`${column} is null`) : 0;
        if (FIXTURE_TABLES.includes(type.table)) assert.ok(expectedOwn > 0, `fixture: ${type.table} has rows of A`);
        assert.deepEqual(
          seen,
          { total: expectedOwn + expectedPublic, foreign: 0, ownRows: expectedOwn, publicRows: expectedPublic },
          type.table,
        );
      }
    });

    it("finds none of tenant B's rows even by id or by tenant when td.read is A", async () => {
      const seen = await asApp(db(), { read: `{${A}}`, write: `{${A}}` }, async (tx) => ({
        ticketById: await count(tx, 'tickets', sql`id = ${ids.bTicket}`),
        ticketsOfB: await count(tx, 'tickets', sql`tenant_id = ${B}`),
        contactByEmail: await count(tx, 'contacts', sql`email = 'bob.secret@globex.example'`),
        categoryById: await count(tx, 'categories', sql`id = ${ids.bCategory}`),
        joined: (
          await sql<{ n: number }>`select count(*)::integer as n from tickets t join contacts c on c.id = t.requester_id
            where c.tenant_id = ${B} or t.tenant_id = ${B}`.execute(tx)
        ).rows[0]!.n,
      }));
      assert.deepEqual(seen, { ticketById: 0, ticketsOfB: 0, contactByEmail: 0, categoryById: 0, joined: 0 });
    });

    it("reads only tenant A's catalog rows and no tenant groups when td.read is A", async () => {
      const seen = await asApp(db(), { read: `{${A}}` }, async (tx) => ({
        tenants: (await tx.selectFrom('tenants').select('slug').execute()).map((t) => t.slug),
        hosts: (await tx.selectFrom('tenant_hosts').select('host').orderBy('host').execute()).map((h) => h.host),
        groups: await count(tx, 'tenant_groups'),
        members: await count(tx, 'tenant_group_members'),
        state: await count(tx, 'catalog_state'),
      }));
      assert.deepEqual(seen, { tenants: ['acme'], hosts: ['acme.localhost', 'help.acme.example'], groups: 0, members: 0, state: 0 });
    });

    it("lets the tenant-set role read no tenant with td.read = '*' (that is the all-tenants role's)", async () => {
      const required = Object.values(registry).filter((t) => t.class === 'tenant-required').map((t) => t.table);
      const seen = await asApp(db(), { read: '*', role: APP_ROLE }, async (tx) => {
        let total = 0;
        for (const table of required) total += await count(tx, table);
        return total;
      });
      assert.equal(seen, 0);
    });

    it('sees every tenant when td.read is *', async () => {
      const seen = await asApp(db(), { read: '*' }, (tx) => count(tx, 'tickets'));
      assert.equal(seen, await count(db().owner, 'tickets'));
    });

    it('cannot insert a row for tenant B when it may write only tenant A', async () => {
      const scope: RawScope = { read: `{${A}}`, write: `{${A}}`, writePublic: 'off' };
      const ticket = await failure(asApp(db(), scope, (tx) => sql`insert into tickets (tenant_id, subject) values (${B}, 'planted')`.execute(tx)));
      assert.equal(ticket.code, '42501');
      const contact = await failure(
        asApp(db(), scope, (tx) => sql`insert into contacts (tenant_id, kind, email, name) values (${B}, 'agent', 'mole@globex.example', 'Mole')`.execute(tx)),
      );
      assert.equal(contact.code, '42501');
      // Even when B is readable, reading is not writing.
      const readable = await failure(
        asApp(db(), { read: `{${A},${B}}`, write: `{${A}}` }, (tx) => sql`insert into categories (tenant_id, name) values (${B}, 'planted')`.execute(tx)),
      );
      assert.equal(readable.code, '42501');
      // Positive control: the same insert for A goes through.
      const inserted = await asApp(db(), scope, (tx) => affected(tx, sql`insert into tickets (tenant_id, subject) values (${A}, 'fine')`));
      assert.equal(inserted, 1);
      assert.equal(await count(db().owner, 'tickets', sql`subject in ('planted', 'fine')`), 0);
    });

    it('cannot insert a tenant-required row with no tenant unless untenanted rows are allowed', async () => {
      const refused = await failure(
        asApp(db(), { read: '*', write: '*', writePublic: 'on' }, (tx) => sql`insert into tickets (tenant_id, subject) values (null, 'orphan')`.execute(tx)),
      );
      assert.equal(refused.code, '42501');
      const allowed = await asApp(db(), { read: '*', write: '*', untenanted: 'on' }, (tx) =>
        affected(tx, sql`insert into tickets (tenant_id, subject) values (null, 'orphan')`),
      );
      assert.equal(allowed, 1);
    });

    it("updates and deletes none of tenant B's rows when it may write only tenant A", async () => {
      for (const read of [`{${A}}`, `{${A},${B}}`]) {
        const changed = await asApp(db(), { read, write: `{${A}}`, writePublic: 'off' }, async (tx) => ({
          tickets: await affected(tx, sql`update tickets set subject = 'hijacked' where tenant_id = ${B}`),
          everything: await affected(tx, sql`update tickets set status = 'closed'`),
          contacts: await affected(tx, sql`update contacts set name = 'hijacked' where id = ${ids.bobId}`),
          deleted: await affected(tx, sql`delete from contact_roles where tenant_id = ${B}`),
        }));
        // `everything` touches only A's one ticket.
        assert.deepEqual(changed, { tickets: 0, everything: 1, contacts: 0, deleted: 0 }, `read ${read}`);
      }
      const b = await db().owner.selectFrom('tickets').select(['subject', 'status']).where('id', '=', ids.bTicket).executeTakeFirstOrThrow();
      assert.deepEqual(b, { subject: 'Globex merger plan leaked', status: 'open' });
    });

    it("cannot change a row's tenant, even between two writable tenants (TD001)", async () => {
      const both: RawScope = { read: `{${A},${B}}`, write: `{${A},${B}}`, writePublic: 'on' };
      const moves = [
        sql`update tickets set tenant_id = ${B} where id = ${ids.aTicket}`,
        sql`update contacts set tenant_id = ${B} where id = ${ids.aliceId}`,
        sql`update categories set tenant_id = null where id = ${ids.aCategory}`,
        sql`update categories set tenant_id = ${A} where id = ${ids.publicCategory}`,
        sql`update roles set tenant_id = ${B} where tenant_id = ${A}`,
      ];
      for (const move of moves) {
        const refused = await failure(asApp(db(), both, (tx) => move.execute(tx)));
        assert.equal(refused.code, 'TD001', move.compile(db().owner).sql);
        assert.equal(mapDatabaseError(refused)?.code, 'TENANT_IMMUTABLE');
      }
      const ticket = await db().owner.selectFrom('tickets').select('tenant_id').where('id', '=', ids.aTicket).executeTakeFirstOrThrow();
      assert.equal(ticket.tenant_id, A);
    });

    it("cannot write public rows without td.write_public='on'", async () => {
      for (const writePublic of [undefined, 'off'] as const) {
        const scope: RawScope = { read: '*', write: '*', ...(writePublic ? { writePublic } : {}) };
        const category = await failure(asApp(db(), scope, (tx) => sql`insert into categories (tenant_id, name) values (null, 'Public')`.execute(tx)));
        assert.equal(category.code, '42501');
        const priority = await failure(asApp(db(), scope, (tx) => sql`insert into priorities (slug, name, rank) values ('p9', 'P9', 9)`.execute(tx)));
        assert.equal(priority.code, '42501');
        const changed = await asApp(db(), scope, async (tx) => ({
          priorities: await affected(tx, sql`update priorities set name = 'x'`),
          publicCategory: await affected(tx, sql`update categories set name = 'x' where tenant_id is null`),
          publicRoles: await affected(tx, sql`delete from roles where tenant_id is null`),
        }));
        assert.deepEqual(changed, { priorities: 0, publicCategory: 0, publicRoles: 0 });
      }
      // Positive control: with td.write_public on, the same writes go through.
      const allowed = await asApp(db(), { read: '*', write: '*', writePublic: 'on' }, async (tx) => ({
        inserted: await affected(tx, sql`insert into categories (tenant_id, name) values (null, 'Public')`),
        priorities: await affected(tx, sql`update priorities set name = name`),
      }));
      assert.deepEqual(allowed, { inserted: 1, priorities: 4 });
    });

    it("maps a unique-constraint error to CONFLICT without another tenant's values", async () => {
      const secrets = [ids.bobId, 'bob.secret@globex.example', 'globexsecretprefix', 'Globex', 'globex', 'Bob'];
      const check = (error: { code?: unknown }) => {
        assert.equal(error.code, '23505');
        const mapped = mapDatabaseError(error);
        assert.ok(mapped);
        const reply = toAppError(error);
        assert.equal(reply.code, 'CONFLICT');
        assert.equal(reply.status, 409);
        assert.equal(reply.message, 'An object with these values already exists.');
        assert.equal(mapped.message, reply.message);
        const json = JSON.stringify(reply.toJSON());
        for (const secret of secrets) {
          assert.ok(!reply.message.includes(secret), `message leaks ${secret}`);
          assert.ok(!json.includes(secret), `JSON leaks ${secret}`);
        }
        assert.deepEqual(Object.keys(reply.toJSON().error).filter((k) => k !== 'field'), ['code', 'message']);
      };
      // 1. As the app role for tenant A, reusing the primary key of tenant B's contact.
      const asTenant = await failure(
        asApp(db(), { read: `{${A}}`, write: `{${A}}` }, (tx) =>
          sql`insert into contacts (id, tenant_id, kind, email, name) values (${ids.bobId}, ${A}, 'agent', 'new@acme.example', 'New')`.execute(tx),
        ),
      );
      check(asTenant);
      // 2. A unique key that spans tenants (an API key prefix): tenant A hits tenant B's value.
      const crossTenant = await failure(
        asApp(db(), { read: `{${A}}`, write: `{${A}}` }, async (tx) => {
          const agent = await tx.selectFrom('roles').select('id').where('slug', '=', 'agent').executeTakeFirstOrThrow();
          return sql`insert into api_keys (tenant_id, contact_id, role_id, prefix, secret_hash)
            values (${A}, ${ids.aliceId}, ${agent.id}, 'globexsecretprefix', 'z')`.execute(tx);
        }),
      );
      check(crossTenant);
      // Under row-level security PostgreSQL leaves the key values out of the detail itself.
      assert.ok(!String(crossTenant.detail ?? '').includes('globexsecretprefix'));
      // 3. A conflict whose raw detail does carry tenant B's values: the mapping must drop them.
      const raw = await failure(
        rolledBack(db().owner, (tx) =>
          sql`insert into contacts (tenant_id, kind, email, name) values (${B}, 'agent', 'bob.secret@globex.example', 'Bob again')`.execute(tx),
        ),
      );
      assert.match(String(raw.detail), /bob\.secret@globex\.example/, 'the database itself reports the value');
      check(raw);
    });
  });
});

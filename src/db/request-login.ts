import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type Database, type OpenOptions } from './database.ts';
import { SHARED_ROLES } from './rls.ts';
import type { DB } from './schema.ts';

/*
 * The request login (decision 0041): on a PostgreSQL server, requests run as a login that is not
 * superuser, owns no table and cannot bypass row-level security, never as DATABASE_URL's owner.
 * `migrate` creates one per database when the owner may create roles, with a random password it
 * keeps in the owner-only table `request_login`; a server reads it from there at start. Otherwise
 * the operator names one in APP_DATABASE_URL. PGlite has no logins: it is one in-process session.
 */

/** The migrators' advisory lock (migrate.ts): creating the login is serialised with migrations. */
const MIGRATION_LOCK = 7410551;

export type RequestLogin = { user: string; password: string };

export class RequestLoginError extends Error {}

/**
 * The request login of a database, by its name. Roles are cluster-wide and each database (test
 * databases, silos made from one template) keeps its own password: one role per database, so two
 * databases migrated at once never create, nor set the password of, the same role.
 */
export function requestLoginName(databaseName: string): string {
  return `tenantdesk_login_${createHash('sha256').update(databaseName).digest('hex').slice(0, 24)}`;
}

/**
 * The password as PostgreSQL stores it (a SCRAM-SHA-256 verifier, RFC 5802/7677), computed here so
 * that the clear password never travels in a statement a server log could keep.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Creates this database's request login if DATABASE_URL's user may create roles, and (re)asserts
 * what it may do; returns it, or undefined when the user may not. Idempotent; called by `migrate`.
 */
export async function ensureRequestLogin(owner: Kysely<DB>): Promise<RequestLogin | undefined> {
  return owner.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx);
    const me = (await sql<{ may: boolean; db: string }>`select (rolsuper or rolcreaterole) as may, current_database() as db
      from pg_roles where rolname = current_user`.execute(tx)).rows[0]!;
    if (!me.may) return undefined;
    const name = requestLoginName(me.db);
    const role = sql.id(name);
    const stored = (await sql<{ role_name: string; password: string }>`select role_name, password from request_login`.execute(tx)).rows[0];
    const exists = (await sql`select 1 from pg_roles where rolname = ${name}`.execute(tx)).rows.length > 0;
    // Tolerates a role created meanwhile by an earlier copy of this database's name (dropped and made again).
    if (!exists) await sql`do $$ begin create role ${role}; exception when duplicate_object or unique_violation then null; end $$`.execute(tx);
    let password = exists && stored?.role_name === name ? stored.password : undefined;
    if (!password) {
      password = randomBytes(24).toString('base64url');
      await sql`alter role ${role} password ${sql.lit(scramVerifier(password))}`.execute(tx);
      await sql`insert into request_login (role_name, password) values (${name}, ${password})
        on conflict (only_row) do update set role_name = excluded.role_name, password = excluded.password, created_at = now()`.execute(tx);
    }
    // Re-asserted at every migration: whatever was done to the role by hand, it stays this.
    // NOINHERIT: the bare login (after RESET ROLE) holds no privilege on any table.
    await sql`alter role ${role} login nosuperuser nocreatedb nocreaterole noinherit nobypassrls noreplication`.execute(tx);
    await sql`grant ${sql.join(SHARED_ROLES.map((r) => sql.id(r)))} to ${role}`.execute(tx);
    // Explicit, in case CONNECT was revoked from PUBLIC (which the operator may well do).
    await sql`grant connect on database ${sql.id(me.db)} to ${role}`.execute(tx);
    await sql`comment on role ${role} is ${sql.lit(`TenantDesk request login of database ${me.db}`)}`.execute(tx);
    return { user: name, password };
  });
}

/** The request login `migrate` stored in this database, if any. */
export async function storedRequestLogin(owner: Kysely<DB>): Promise<RequestLogin | undefined> {
  const table = await sql<{ t: string | null }>`select to_regclass('request_login')::text as t`.execute(owner);
  if (!table.rows[0]?.t) return undefined;
  const row = (await sql<{ role_name: string; password: string }>`select role_name, password from request_login`.execute(owner)).rows[0];
  return row && { user: row.role_name, password: row.password };
}

/** DATABASE_URL with the request login's user and password. */
export function loginUrl(url: string, login: RequestLogin): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(login.user);
  parsed.password = encodeURIComponent(login.password);
  return parsed.toString();
}

type PostgresOptions = Extract<OpenOptions, { kind: 'postgres' }>;

/**
 * Opens a server database for requests: `app` and `system` as APP_DATABASE_URL's login if given,
 * else as the request login stored by `migrate`; refuses to open when there is none, or when the
 * login could read or change more than its roles allow (superuser, BYPASSRLS, a table's owner).
 */
export async function openForRequests(options: PostgresOptions): Promise<Database> {
  let appUrl = options.appUrl;
  if (!appUrl) {
    const ownerOnly = await openDatabase({ ...options, appUrl: undefined, poolMax: 1 });
    try {
      const login = await storedRequestLogin(ownerOnly.owner);
      if (!login) {
        throw new RequestLoginError(
          `${ownerOnly.label} has no request login: DATABASE_URL's user may not create roles, so \`tenantdesk migrate\` could not create one. ` +
            `Run it once as a user that may (CREATEROLE), or set APP_DATABASE_URL to a login that is not superuser, owns no table, ` +
            `has no BYPASSRLS and is a member of ${SHARED_ROLES.join(', ')}.`,
        );
      }
      appUrl = loginUrl(options.url, login);
    } finally {
      await ownerOnly.close();
    }
  }
  const database = await openDatabase({ ...options, appUrl });
  try {
    await checkRequestLogin(database.app);
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Refuses a request login that could step around row-level security; names what is wrong. */
export async function checkRequestLogin(app: Kysely<DB>): Promise<void> {
  const { rows } = await sql<{ user: string; super: boolean; bypass: boolean; owns: boolean; missing: string[] }>`
    select r.rolname as user, r.rolsuper as super, r.rolbypassrls as bypass,
      exists (select 1 from pg_class c where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm', 'f')) as owns,
      array(select m from unnest(${sql.val([...SHARED_ROLES])}::text[]) m
        where not exists (select 1 from pg_roles g where g.rolname = m and pg_has_role(r.oid, g.oid, 'member'))) as missing
    from pg_roles r where r.rolname = session_user`.execute(app);
  const login = rows[0]!;
  const wrong = [
    login.super && 'is a superuser',
    login.bypass && 'has BYPASSRLS',
    login.owns && 'owns tables of this database',
    login.missing.length > 0 && `is not a member of ${login.missing.join(', ')}`,
  ].filter(Boolean);
  if (wrong.length) {
    throw new RequestLoginError(`The request login ${login.user} ${wrong.join(', ')}: requests must run as a login that is not superuser, owns no table and cannot bypass row-level security (APP_DATABASE_URL).`);
  }
}

import { registry, type ObjectType } from './registry.ts';

/** The database role every scoped query runs as: owns nothing, not superuser, cannot bypass RLS. */
export const APP_ROLE = 'tenantdesk_app';
/**
 * The same, for transactions whose role reads every tenant. Its read policy is one constant per
 * statement (`$0`, an InitPlan), the cheapest per-row check PostgreSQL allows a security qual, so
 * reading all tenants costs no array search per row; see bench/README.md. Without a context it
 * sees nothing, like the app role.
 */
export const APP_ALL_ROLE = 'tenantdesk_app_all';
export const APP_ROLES = [APP_ROLE, APP_ALL_ROLE] as const;
const APPS = APP_ROLES.join(', ');
/**
 * The role of the installation's own unscoped work when it does not run as the owner (a request
 * login on a server, request-login.ts): every row of every registered table, like the owner, but
 * no DDL, no other database's objects, nothing a superuser could do. Owns nothing, not superuser,
 * cannot bypass RLS: it reads every row through its own policy.
 */
export const SYSTEM_ROLE = 'tenantdesk_system';
/** Roles the security script creates; a request login is granted all three. */
export const SHARED_ROLES = [APP_ROLE, APP_ALL_ROLE, SYSTEM_ROLE] as const;

/*
 * Row-level security generated from the registry. The tenant sets come from transaction-local
 * settings (scope.ts). Each helper is wrapped in `(select ...)` in the policies so PostgreSQL
 * evaluates it once per statement (an InitPlan) instead of once per row.
 *
 * The helpers the policies call are PL/pgSQL, not SQL: PostgreSQL inlines a SQL function into
 * every query that calls it, parsing its body again each time a query is planned, which made
 * planning a small scoped query take twice as long (bench/README.md). A PL/pgSQL function is
 * planned once per session and, as an InitPlan, called once per statement. They are marked
 * PARALLEL SAFE (they only read settings, which parallel workers receive from the leader): an
 * unsafe function in a policy would forbid parallel plans on every table it protects.
 */
const FUNCTIONS = `
create schema if not exists td;
create or replace function td.setting(name text) returns text language sql stable parallel safe
  as $$ select coalesce(current_setting(name, true), '') $$;
-- True only inside a scoped transaction: with no context a query sees nothing (fail closed).
create or replace function td.scoped() returns boolean language plpgsql stable parallel safe
  as $$ begin return td.setting('td.read') <> ''; end $$;
create or replace function td.read_all() returns boolean language plpgsql stable parallel safe
  as $$ begin return td.setting('td.read') = '*'; end $$;
create or replace function td.read_set() returns integer[] language plpgsql stable parallel safe
  as $$ declare v text := td.setting('td.read');
  begin return case when v in ('', '*') then '{}'::integer[] else v::integer[] end; end $$;
create or replace function td.write_all() returns boolean language plpgsql stable parallel safe
  as $$ begin return td.setting('td.write') = '*'; end $$;
create or replace function td.write_set() returns integer[] language plpgsql stable parallel safe
  as $$ declare v text := td.setting('td.write');
  begin return case when v in ('', '*') then '{}'::integer[] else v::integer[] end; end $$;
create or replace function td.write_public() returns boolean language plpgsql stable parallel safe
  as $$ begin return td.setting('td.write_public') = 'on'; end $$;
create or replace function td.untenanted_allowed() returns boolean language plpgsql stable parallel safe
  as $$ begin return td.setting('td.untenanted') = 'on'; end $$;
-- An object's tenant never changes after creation (DESIGN.md, write rule 2).
create or replace function td.keep_tenant() returns trigger language plpgsql
  as $$ begin
    if new.tenant_id is distinct from old.tenant_id then
      raise exception 'the tenant of an object cannot change' using errcode = 'TD001';
    end if;
    return new;
  end $$;
`;

// Roles are cluster-wide and several databases (test databases, silos) are migrated at once: a
// concurrent creation of the same role fails on pg_authid's unique index (unique_violation) rather
// than with duplicate_object, and both mean "it exists".
const ROLE = SHARED_ROLES.map(
  (role) => `
do $$ begin
  -- Looked up first: an owner without CREATEROLE migrates once a DBA has created the roles.
  if not exists (select 1 from pg_roles where rolname = '${role}') then
    create role ${role} nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls;
  end if;
exception when duplicate_object or unique_violation then null; end $$;
do $$ begin
  execute format('grant ${role} to %I', current_user);
exception when others then null; end $$;`,
)
  .join('\n')
  .concat(`
revoke create on schema public from public;
revoke all on schema td from public;
grant usage on schema public, td to ${APPS}, ${SYSTEM_ROLE};
grant execute on all functions in schema td to ${APPS}, ${SYSTEM_ROLE};
grant usage on all sequences in schema public to ${SYSTEM_ROLE};
-- /readyz compares the applied migrations with the code's: read-only, and nothing else of it.
grant select on schema_migrations to ${SYSTEM_ROLE};
`);

// The set reader's policy is the bare `tenant_id = any(set)`: PostgreSQL uses it as an index
// condition, so it costs no per-row check. Reading every tenant is the all-tenants role's policy.
function readable(column: string, optional: boolean): string {
  const own = `${column} = any ((select td.read_set())::integer[])`;
  return optional ? `(${column} is null and (select td.scoped())) or ${own}` : own;
}

function writable(column: string, optional: boolean): string {
  const own = `(${column} is not null and ((select td.write_all()) or ${column} = any ((select td.write_set())::integer[])))`;
  const untenanted = optional ? `(select td.write_public())` : `(select td.untenanted_allowed())`;
  return `${own} or (${column} is null and ${untenanted})`;
}

function policiesFor(type: ObjectType): string {
  const t = type.table;
  const header = [
    `alter table ${t} enable row level security;`,
    `alter table ${t} force row level security;`,
    ...['td_read', 'td_read_all', 'td_insert', 'td_update', 'td_delete', 'td_owner'].map((p) => `drop policy if exists ${p} on ${t};`),
    // Forced RLS binds the owner too: the migrating role and the system role keep full access
    // for migrations and the catalog (the installation itself, never a request's scoped query);
    // only the app roles are scoped.
    `create policy td_owner on ${t} for all to current_user, ${SYSTEM_ROLE} using (true) with check (true);`,
    `grant select, insert, update, delete on ${t} to ${SYSTEM_ROLE};`,
  ];
  if (type.class === 'catalog') {
    // Scoped code may read the catalog rows of tenants it can read; it never writes the catalog.
    const read = type.tenantColumn ? readable(type.tenantColumn, false) : 'false';
    const readAll = type.tenantColumn ? '(select td.read_all())' : 'false';
    return [
      ...header,
      `create policy td_read on ${t} for select to ${APP_ROLE} using (${read});`,
      `create policy td_read_all on ${t} for select to ${APP_ALL_ROLE} using (${readAll});`,
      `grant select on ${t} to ${APPS};`,
    ].join('\n');
  }
  let read = '(select td.scoped())';
  let readAll = '(select td.scoped())';
  let write = '(select td.write_public())';
  if (type.class !== 'public') {
    const optional = type.class === 'tenant-optional';
    read = readable(type.tenantColumn!, optional);
    readAll = '(select td.read_all())';
    write = writable(type.tenantColumn!, optional);
  }
  const lines = [
    ...header,
    `create policy td_read on ${t} for select to ${APP_ROLE} using (${read});`,
    `create policy td_read_all on ${t} for select to ${APP_ALL_ROLE} using (${readAll});`,
    `create policy td_insert on ${t} for insert to ${APPS} with check (${write});`,
    `create policy td_update on ${t} for update to ${APPS} using (${write}) with check (${write});`,
    `create policy td_delete on ${t} for delete to ${APPS} using (${write});`,
    `grant select, insert, update, delete on ${t} to ${APPS};`,
  ];
  if (type.class !== 'public') {
    lines.push(
      `drop trigger if exists td_keep_tenant on ${t};`,
      `create trigger td_keep_tenant before update of ${type.tenantColumn} on ${t} for each row execute function td.keep_tenant();`,
    );
  }
  return lines.join('\n');
}

/** The whole security script: idempotent, re-applied by the migrator whenever its text changes. */
export function securitySql(): string {
  return [FUNCTIONS, ROLE, ...Object.values(registry).map(policiesFor)].join('\n');
}

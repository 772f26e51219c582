import { registry, type ObjectType } from './registry.ts';

/** The database role every scoped query runs as: owns nothing, not superuser, cannot bypass RLS. */
export const APP_ROLE = 'tenantdesk_app';

/*
 * Row-level security generated from the registry. The tenant sets come from transaction-local
 * settings (scope.ts). Each helper is wrapped in `(select ...)` in the policies so PostgreSQL
 * evaluates it once per statement (an InitPlan) instead of once per row.
 */
const FUNCTIONS = `
create schema if not exists td;
create or replace function td.setting(name text) returns text language sql stable
  as $$ select coalesce(current_setting(name, true), '') $$;
-- True only inside a scoped transaction: with no context a query sees nothing (fail closed).
create or replace function td.scoped() returns boolean language sql stable
  as $$ select td.setting('td.read') <> '' $$;
create or replace function td.read_all() returns boolean language sql stable
  as $$ select td.setting('td.read') = '*' $$;
create or replace function td.read_set() returns integer[] language sql stable
  as $$ select case when td.setting('td.read') in ('', '*') then '{}'::integer[] else td.setting('td.read')::integer[] end $$;
create or replace function td.write_all() returns boolean language sql stable
  as $$ select td.setting('td.write') = '*' $$;
create or replace function td.write_set() returns integer[] language sql stable
  as $$ select case when td.setting('td.write') in ('', '*') then '{}'::integer[] else td.setting('td.write')::integer[] end $$;
create or replace function td.write_public() returns boolean language sql stable
  as $$ select td.setting('td.write_public') = 'on' $$;
create or replace function td.untenanted_allowed() returns boolean language sql stable
  as $$ select td.setting('td.untenanted') = 'on' $$;
-- An object's tenant never changes after creation (DESIGN.md, write rule 2).
create or replace function td.keep_tenant() returns trigger language plpgsql
  as $$ begin
    if new.tenant_id is distinct from old.tenant_id then
      raise exception 'the tenant of an object cannot change' using errcode = 'TD001';
    end if;
    return new;
  end $$;
`;

const ROLE = `
do $$ begin
  create role ${APP_ROLE} nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls;
exception when duplicate_object then null; end $$;
do $$ begin
  execute format('grant ${APP_ROLE} to %I', current_user);
exception when others then null; end $$;
revoke create on schema public from public;
revoke all on schema td from public;
grant usage on schema public, td to ${APP_ROLE};
grant execute on all functions in schema td to ${APP_ROLE};
`;

function readable(column: string, optional: boolean): string {
  const own = `(select td.read_all()) or ${column} = any ((select td.read_set())::integer[])`;
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
    ...['td_read', 'td_insert', 'td_update', 'td_delete'].map((p) => `drop policy if exists ${p} on ${t};`),
  ];
  if (type.class === 'catalog') {
    // Scoped code may read the catalog rows of tenants it can read; it never writes the catalog.
    const read = type.tenantColumn ? readable(type.tenantColumn, false) : 'false';
    return [...header, `create policy td_read on ${t} for select to ${APP_ROLE} using (${read});`, `grant select on ${t} to ${APP_ROLE};`].join('\n');
  }
  let read = '(select td.scoped())';
  let write = '(select td.write_public())';
  if (type.class !== 'public') {
    const optional = type.class === 'tenant-optional';
    read = readable(type.tenantColumn!, optional);
    write = writable(type.tenantColumn!, optional);
  }
  const lines = [
    ...header,
    `create policy td_read on ${t} for select to ${APP_ROLE} using (${read});`,
    `create policy td_insert on ${t} for insert to ${APP_ROLE} with check (${write});`,
    `create policy td_update on ${t} for update to ${APP_ROLE} using (${write}) with check (${write});`,
    `create policy td_delete on ${t} for delete to ${APP_ROLE} using (${write});`,
    `grant select, insert, update, delete on ${t} to ${APP_ROLE};`,
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

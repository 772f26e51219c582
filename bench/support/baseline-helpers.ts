/**
 * The RLS helper functions as src/db/rls.ts defined them before the benchmark's fix (commit
 * 58c1d77): SQL functions, inlined into every query at planning, and PARALLEL UNSAFE (the default).
 * `bench/rls-list.ts --baseline-helpers` installs them in the bench database to measure the
 * difference; the policies themselves are the same text either way.
 */
export const BASELINE_HELPERS = `
create or replace function td.setting(name text) returns text language sql stable parallel unsafe
  as $$ select coalesce(current_setting(name, true), '') $$;
create or replace function td.scoped() returns boolean language sql stable parallel unsafe
  as $$ select td.setting('td.read') <> '' $$;
create or replace function td.read_all() returns boolean language sql stable parallel unsafe
  as $$ select td.setting('td.read') = '*' $$;
create or replace function td.read_set() returns integer[] language sql stable parallel unsafe
  as $$ select case when td.setting('td.read') in ('', '*') then '{}'::integer[] else td.setting('td.read')::integer[] end $$;
create or replace function td.write_all() returns boolean language sql stable parallel unsafe
  as $$ select td.setting('td.write') = '*' $$;
create or replace function td.write_set() returns integer[] language sql stable parallel unsafe
  as $$ select case when td.setting('td.write') in ('', '*') then '{}'::integer[] else td.setting('td.write')::integer[] end $$;
create or replace function td.write_public() returns boolean language sql stable parallel unsafe
  as $$ select td.setting('td.write_public') = 'on' $$;
create or replace function td.untenanted_allowed() returns boolean language sql stable parallel unsafe
  as $$ select td.setting('td.untenanted') = 'on' $$;
-- The security script must be applied again by the next migration of this database.
delete from schema_migrations where version = 'security';
`;

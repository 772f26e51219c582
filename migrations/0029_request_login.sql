-- The request login of this database (src/db/request-login.ts, decision 0041): the role requests
-- run as on a PostgreSQL server, and the password `migrate` generated for it, read by a server at
-- start. Bookkeeping like schema_migrations: outside the registry, granted to no role, readable by
-- the owner only. One row at most. Stays empty on PGlite, which has no logins.
create table request_login (
  only_row boolean primary key default true check (only_row),
  role_name text not null,
  password text not null,
  created_at timestamptz not null default now()
);
revoke all on request_login from public;

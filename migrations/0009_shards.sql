-- The shard map: where each tenant's rows live. The pool is this database itself; a silo is a
-- database of its own, on this server, on another server, or (embedded) a PGlite directory.
-- Passwords are never stored here: a server URL is kept without one (use PGPASSWORD or .pgpass).
create table shards (
  name text primary key check (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  kind text not null check (kind in ('pool', 'silo')),
  -- 'self' for the pool; 'pglite:<directory under DATA_DIR>' or a postgres:// URL for a silo.
  location text not null,
  created_at timestamptz not null default now()
);
insert into shards (name, kind, location) values ('pool', 'pool', 'self');
alter table tenants add constraint tenants_shard_fkey foreign key (shard) references shards (name);

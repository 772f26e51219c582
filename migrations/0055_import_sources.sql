-- What an import brought into a tenant (issue 23, docs/decisions/0150-osticket-import.md): one row
-- per source row, naming the source (`osticket:<host>/<database>`), its table and id, the row it
-- became and a digest of the source row as imported. A second run skips rows whose digest is
-- unchanged, updates the changed ones and creates the new ones; a run that was interrupted finds
-- here what it had committed. Keyed by tenant first, like every tenant-required table.
create table import_sources (
  id uuid not null default gen_random_uuid(),
  tenant_id integer not null,
  source text not null check (length(source) between 1 and 400),
  source_table text not null check (length(source_table) between 1 and 64),
  source_id text not null check (length(source_id) between 1 and 64),
  target_type text not null,
  target_id uuid not null,
  digest text not null,
  imported_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, source, source_table, source_id)
);

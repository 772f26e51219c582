-- A tenant being moved between shards (tenantdesk tenant move). The row is the move's journal:
-- a rerun of an interrupted move reads the phase and carries on from there.
create table tenant_moves (
  tenant_id integer primary key references tenants (id) on delete cascade,
  from_shard text not null,
  to_shard text not null,
  -- provisioning: the target silo is being made; copying: rows are copied while writes go on;
  -- frozen: writes are refused while the last changes are copied and the shard map switched;
  -- cleaning: the tenant lives on to_shard, the source silo is being dropped.
  phase text not null check (phase in ('provisioning', 'copying', 'frozen', 'cleaning')),
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

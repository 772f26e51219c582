-- Durable background jobs (src/jobs). Every shard has this table: a job is enqueued in the same
-- transaction, hence the same database, as the change that caused it (transactional outbox).
-- tenant_id is null only for installation jobs (schedules, sweeps), which the runner inserts itself.
create table jobs (
  tenant_id integer,
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  -- Idempotency key: at most one job per (tenant, name, key); handlers are idempotent by it.
  key text check (length(key) <= 500),
  payload jsonb not null default '{}',
  state text not null default 'queued' check (state in ('queued', 'running', 'done', 'dead')),
  attempts integer not null default 0,
  max_attempts integer not null default 5 check (max_attempts >= 1),
  lease_ms integer not null default 300000 check (lease_ms >= 100),
  -- When a queued job may start; for a running job, when its lease expires and it may be taken again.
  run_at timestamptz not null default now(),
  -- Changes at every claim: only the holder of the current lease may finish the job.
  lease_token uuid,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index jobs_key on jobs (tenant_id, name, key) nulls not distinct where key is not null;
-- The runner's one query: the oldest job due, whatever the tenant.
create index jobs_due on jobs (run_at) where state in ('queued', 'running');
create index jobs_tenant_state on jobs (tenant_id, state, finished_at desc);

-- One row per schedule declared in code: when it last fired. Runners advance it under a row lock,
-- so one period fires once however many runners look at it.
create table job_schedules (
  name text primary key,
  last_fired_at timestamptz not null
);

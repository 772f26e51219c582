-- Per-tenant API rate limits counted for the installation, not per process (issue 19,
-- docs/decisions/0060-shared-tenant-rate-limit.md). One token bucket per tenant, in the catalog
-- database every process shares: `tokens` as of `refilled_at`, refilled at the tenant's rate when it
-- is next read. A process does not come here for each request: it takes a lease of a few tokens at
-- once (tenancy/api-rate-leases.ts) and spends them from memory. A catalog table written only by the
-- owner role; nothing of it is worth keeping (a lost row comes back full), so moves and exports leave it.
create table tenant_rate_buckets (
  tenant_id integer primary key references tenants (id) on delete cascade,
  tokens double precision not null,
  -- How many tokens the last lease took out, returned by the statement that takes them (one round trip).
  granted integer not null default 0,
  refilled_at timestamptz not null default now()
);

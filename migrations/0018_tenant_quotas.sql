-- Per-tenant limits (issue 10): a row here overrides, column by column, the installation's defaults
-- (TENANT_API_RATE, TENANT_API_BURST, TENANT_MAIL_PER_HOUR, TENANT_STORAGE_MB); a null column keeps
-- the default. A catalog table: set by the service provider's administration, read into the
-- in-memory catalog snapshot (a change bumps catalog_state.version), so checking a limit costs no query.
create table tenant_quotas (
  tenant_id integer primary key references tenants (id) on delete cascade,
  api_rate integer check (api_rate > 0),
  api_burst integer check (api_burst > 0),
  mail_per_hour integer check (mail_per_hour > 0),
  storage_bytes bigint check (storage_bytes > 0),
  updated_at timestamptz not null default now()
);

-- The tenant's hourly count of inbound mail reads at most the last hour of its messages.
create index mail_messages_received on mail_messages (tenant_id, created_at) where direction = 'in';

-- Attachment storage is counted in tenant_counters ('attachment_bytes'), added to in the unit of
-- work that stores a file (the row lock serialises a tenant's uploads, so the quota is exact);
-- existing attachments are counted once here.
insert into tenant_counters (tenant_id, name, last_value)
select tenant_id, 'attachment_bytes', sum(size) from attachments where tenant_id is not null group by tenant_id
on conflict (tenant_id, name) do update set last_value = excluded.last_value;

-- Saved views (issue 21): an agent's personal queues, the queue's filters saved under a name and
-- shown in the queue's sidebar. A view belongs to its owner's tenant and is read by its owner only
-- (desk/views/saved-views.ts); row-level security scopes it by tenant like every tenant table.
-- Keys lead with tenant_id (distribution by tenant). The owner is a same-tenant reference checked
-- by the data-access layer; no foreign key, so the keys stay within the tenant's shard.
create table saved_views (
  id uuid not null default gen_random_uuid(),
  tenant_id integer not null,
  contact_id uuid not null,
  name text not null check (length(name) between 1 and 80),
  -- The queue's filters, as its address carries them: {"view": "mine", "status": "open", ...}.
  filters jsonb not null default '{}' check (jsonb_typeof(filters) = 'object'),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index saved_views_owner_name on saved_views (tenant_id, contact_id, name);

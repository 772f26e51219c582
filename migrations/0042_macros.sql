-- Macros (issue 21, docs/decisions/0122): one click applies a canned reply and status, priority and
-- assignee changes to a ticket, in one transaction, each by the right it needs by hand. A
-- tenant-optional type like canned responses: a tenant's own macros merged with the service
-- provider's public ones (tenant_id null). A public macro can assign only to whoever applies it
-- (`assign_to_me`), since it may reference no tenant's contact.
create table macros (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  name text not null check (length(name) between 1 and 200),
  body_html text check (length(body_html) <= 100000),
  set_status text check (set_status ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  set_priority_id uuid, -- a reference the write rules check (registry): foreign keys only for same-tenant references
  set_assignee_id uuid,
  assign_to_me boolean not null default false,
  created_at timestamptz not null default now(),
  check (not (assign_to_me and set_assignee_id is not null))
);
create index macros_tenant on macros (tenant_id, name);

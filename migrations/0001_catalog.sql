-- The catalog: tenants, their host names, the hierarchy and tenant groups.
create table tenants (
  id integer generated always as identity primary key,
  slug text not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  name text not null check (length(name) between 1 and 200),
  status text not null default 'active' check (status in ('active', 'suspended', 'archived')),
  parent_id integer references tenants (id),
  is_service_provider boolean not null default false,
  subtenants_allowed boolean not null default false,
  depth integer not null default 0 check (depth >= 0),
  branding jsonb not null default '{}'::jsonb,
  terms_of_use text,
  shard text not null default 'pool',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (not (is_service_provider and parent_id is not null)),
  check (parent_id is null or parent_id <> id)
);
-- There is exactly one service provider; this index makes a second one impossible.
create unique index tenants_one_service_provider on tenants (is_service_provider) where is_service_provider;
create index tenants_parent on tenants (parent_id);

create table tenant_hosts (
  host text primary key check (host = lower(host) and length(host) between 1 and 253),
  tenant_id integer not null references tenants (id) on delete cascade,
  created_at timestamptz not null default now()
);
create index tenant_hosts_tenant on tenant_hosts (tenant_id);

create table tenant_groups (
  id integer generated always as identity primary key,
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9._-]{0,126}$'),
  name text not null check (length(name) between 1 and 200),
  description text not null default '',
  -- 'user' groups are edited by administrators; the others are maintained from the hierarchy.
  kind text not null check (kind in ('user', 'subtenants', 'supertenants', 'foreign-key', 'related')),
  owner_tenant_id integer references tenants (id) on delete cascade,
  created_at timestamptz not null default now(),
  check ((kind = 'user') = (owner_tenant_id is null))
);
create unique index tenant_groups_maintained on tenant_groups (owner_tenant_id, kind) where kind <> 'user';

create table tenant_group_members (
  group_id integer not null references tenant_groups (id) on delete cascade,
  tenant_id integer not null references tenants (id) on delete cascade,
  primary key (group_id, tenant_id)
);
create index tenant_group_members_tenant on tenant_group_members (tenant_id);

-- Bumped on every change to hosts or tenant status, so every app instance can drop its host cache.
create table catalog_state (
  singleton boolean primary key default true check (singleton),
  version bigint not null default 0
);
insert into catalog_state default values;

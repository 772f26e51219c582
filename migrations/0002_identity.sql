-- Contacts (agents, customers, service-provider staff) and the roles that give them access.
create table roles (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null check (length(name) between 1 and 200),
  -- Tenant access for reading and for writing, set independently:
  -- 'all' tenants, one named 'tenant', the contact's 'own' tenant, or a tenant 'group'.
  read_access text not null check (read_access in ('all', 'tenant', 'own', 'group')),
  read_tenant_id integer references tenants (id),
  read_group_id integer references tenant_groups (id),
  write_access text not null check (write_access in ('all', 'tenant', 'own', 'group')),
  write_tenant_id integer references tenants (id),
  write_group_id integer references tenant_groups (id),
  may_write_public boolean not null default false,
  permissions text[] not null default '{}',
  data_partitions jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  check ((read_access = 'tenant') = (read_tenant_id is not null)),
  check ((read_access = 'group') = (read_group_id is not null)),
  check ((write_access = 'tenant') = (write_tenant_id is not null)),
  check ((write_access = 'group') = (write_group_id is not null))
);
create unique index roles_slug on roles (tenant_id, slug) nulls not distinct;

create table contacts (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  kind text not null check (kind in ('agent', 'customer', 'staff')),
  email text not null check (email = lower(email) and length(email) between 3 and 254),
  name text not null check (length(name) between 1 and 200),
  password_hash text,
  status text not null default 'active' check (status in ('active', 'disabled')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index contacts_email on contacts (tenant_id, email);

create table contact_roles (
  tenant_id integer references tenants (id),
  contact_id uuid not null references contacts (id) on delete cascade,
  role_id uuid not null references roles (id),
  is_default boolean not null default false,
  primary key (contact_id, role_id)
);
create index contact_roles_tenant on contact_roles (tenant_id, contact_id);

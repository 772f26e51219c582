-- The first help-desk objects: public priorities, tenant-optional categories and locations, tickets.
create table priorities (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique,
  name text not null,
  rank integer not null
);

create table categories (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  parent_id uuid references categories (id),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);
create index categories_tenant on categories (tenant_id, name);

create table locations (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);
create index locations_tenant on locations (tenant_id, name);

create table tickets (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  subject text not null check (length(subject) between 1 and 500),
  status text not null default 'open',
  requester_id uuid references contacts (id),
  assignee_id uuid references contacts (id),
  category_id uuid references categories (id),
  location_id uuid references locations (id),
  priority_id uuid references priorities (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index tickets_tenant_created on tickets (tenant_id, created_at desc, id);

insert into priorities (slug, name, rank) values
  ('low', 'Low', 1), ('normal', 'Normal', 2), ('high', 'High', 3), ('urgent', 'Urgent', 4);

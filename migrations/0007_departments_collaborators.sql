-- Departments (with their agents) and ticket collaborators (CC), which data partitions refer to.
create table departments (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);
create unique index departments_name on departments (tenant_id, name);

create table contact_departments (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  contact_id uuid not null references contacts (id) on delete cascade,
  department_id uuid not null references departments (id) on delete cascade,
  unique (contact_id, department_id)
);
create index contact_departments_tenant on contact_departments (tenant_id, contact_id);

alter table tickets add column department_id uuid references departments (id);
create index tickets_tenant_department on tickets (tenant_id, department_id);

create table ticket_collaborators (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id),
  ticket_id uuid not null references tickets (id) on delete cascade,
  contact_id uuid not null references contacts (id) on delete cascade,
  unique (ticket_id, contact_id)
);
create index ticket_collaborators_contact on ticket_collaborators (tenant_id, contact_id);

-- Customers see the tickets they requested or are CC on.
update roles set data_partitions =
  '[{"type": "ticket", "any": [{"field": "requester_id", "op": "=", "value": "@me"}, {"field": "collaborators", "op": "contains", "value": "@me"}]}]'
where slug = 'customer' and tenant_id is null;

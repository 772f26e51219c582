-- The help desk (issue 6): ticket numbers, types, statuses, threads, teams, help topics, SLA plans,
-- canned responses, ticket filters, links and merges, and idempotency keys for the REST API.
-- References that may cross tenants (hence databases) are plain columns checked by the
-- data-access layer (see 0008); references to a ticket's own parts stay foreign keys.

-- Statuses: public defaults, each mapped to one of the four states the desk's logic knows;
-- a tenant may add its own ("waiting on vendor" -> pending).
create table ticket_statuses (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null check (length(name) between 1 and 100),
  state text not null check (state in ('open', 'pending', 'resolved', 'closed')),
  position integer not null default 0,
  created_at timestamptz not null default now()
);
create unique index ticket_statuses_slug on ticket_statuses (tenant_id, slug) nulls not distinct;
insert into ticket_statuses (slug, name, state, position) values
  ('open', 'Open', 'open', 1), ('pending', 'Pending', 'pending', 2), ('resolved', 'Resolved', 'resolved', 3), ('closed', 'Closed', 'closed', 4);

create table urgencies (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique,
  name text not null,
  rank integer not null
);
insert into urgencies (slug, name, rank) values ('low', 'Low', 1), ('medium', 'Medium', 2), ('high', 'High', 3);

-- Targets and calendar only; the business-hours arithmetic lives in src/sla/.
create table sla_plans (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  name text not null check (length(name) between 1 and 200),
  first_response_minutes integer check (first_response_minutes > 0),
  resolution_minutes integer not null check (resolution_minutes > 0),
  timezone text not null default 'UTC' check (length(timezone) between 1 and 64),
  -- {"mon": [["09:00", "17:00"]], ...}; null means around the clock.
  business_hours jsonb,
  -- ["2025-12-25", ...]
  holidays jsonb not null default '[]'::jsonb,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create index sla_plans_tenant on sla_plans (tenant_id, name);

create table teams (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);
create unique index teams_name on teams (tenant_id, name);

create table team_members (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  team_id uuid not null references teams (id) on delete cascade,
  contact_id uuid not null,
  unique (team_id, contact_id)
);
create index team_members_contact on team_members (tenant_id, contact_id);

create table help_topics (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  name text not null check (length(name) between 1 and 200),
  active boolean not null default true,
  department_id uuid,
  priority_id uuid,
  sla_plan_id uuid,
  -- Definitions of the custom fields a ticket of this topic carries: [{name, label, type, required, choices?}].
  custom_fields jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now()
);
create index help_topics_tenant on help_topics (tenant_id, name);

create table canned_responses (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  title text not null check (length(title) between 1 and 200),
  body_html text not null check (length(body_html) <= 100000),
  created_at timestamptz not null default now()
);
create index canned_responses_tenant on canned_responses (tenant_id, title);

-- Rules applied to incoming tickets in `position` order: match on fields, then act.
create table ticket_filters (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  name text not null check (length(name) between 1 and 200),
  position integer not null default 0,
  active boolean not null default true,
  match text not null default 'all' check (match in ('all', 'any')),
  rules jsonb not null,
  reject boolean not null default false,
  set_department_id uuid,
  set_priority_id uuid,
  set_assignee_id uuid,
  set_team_id uuid,
  add_tags text[] not null default '{}',
  stop_processing boolean not null default false,
  created_at timestamptz not null default now()
);
create index ticket_filters_tenant on ticket_filters (tenant_id, position);

-- Per-tenant sequences (ticket numbers), incremented in the transaction that uses the value.
create table tenant_counters (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  name text not null check (name ~ '^[a-z_]{1,40}$'),
  last_value bigint not null default 0,
  unique (tenant_id, name)
);

alter table tickets
  add column number text,
  add column type text not null default 'incident' check (type in ('incident', 'request', 'problem', 'change')),
  add column status_id uuid,
  add column urgency_id uuid,
  add column help_topic_id uuid,
  add column team_id uuid,
  add column sla_plan_id uuid,
  add column due_at timestamptz,
  add column source text not null default 'web' check (source in ('web', 'email', 'api', 'phone')),
  add column custom_fields jsonb not null default '{}'::jsonb,
  add column tags text[] not null default '{}',
  add column version integer not null default 1,
  add column merged_into_id uuid references tickets (id),
  add column closed_at timestamptz,
  add constraint tickets_status_check check (status in ('open', 'pending', 'resolved', 'closed'));
-- Queue pages continue from a (created_at, id) cursor that travels through JavaScript dates, which
-- hold milliseconds: a microsecond timestamp would not survive the trip and rows would be skipped.
alter table tickets alter column created_at set default date_trunc('milliseconds', now());
update tickets set created_at = date_trunc('milliseconds', created_at);
create unique index tickets_number on tickets (tenant_id, number);
create index tickets_tenant_status on tickets (tenant_id, status, created_at desc, id);
create index tickets_tenant_assignee on tickets (tenant_id, assignee_id);

create table thread_entries (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  ticket_id uuid not null references tickets (id) on delete cascade,
  kind text not null check (kind in ('reply', 'note', 'event')),
  author_id uuid,
  body_html text not null default '' check (length(body_html) <= 200000),
  -- System events: what changed, e.g. {"field": "status", "from": "open", "to": "pending"}.
  data jsonb not null default '{}'::jsonb,
  -- The thread's order. clock_timestamp(), not now(): entries written in one transaction (a
  -- status change and an assignment) must not share a time, or their order would be the ids'.
  created_at timestamptz not null default clock_timestamp()
);
create index thread_entries_ticket on thread_entries (tenant_id, ticket_id, created_at);

create table ticket_links (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  ticket_id uuid not null references tickets (id) on delete cascade,
  linked_ticket_id uuid not null references tickets (id) on delete cascade,
  kind text not null default 'related' check (kind in ('related', 'duplicate', 'caused-by')),
  created_at timestamptz not null default now(),
  unique (ticket_id, linked_ticket_id),
  check (ticket_id <> linked_ticket_id)
);
create index ticket_links_tenant on ticket_links (tenant_id, ticket_id);

-- Idempotency-Key of POST requests, per tenant, caller and key; the answer is kept once known.
create table idempotency_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  caller_id uuid not null references contacts (id) on delete cascade,
  key text not null check (length(key) between 1 and 255),
  request_hash text not null,
  status_code integer,
  response jsonb,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (tenant_id, caller_id, key)
);
create index idempotency_keys_created on idempotency_keys (tenant_id, created_at);

-- Editing a ticket's fields (not only assigning or closing it) is an agent's right.
update roles set permissions = permissions || '{ticket.edit}'
where tenant_id is null and slug in ('sp-admin', 'sp-agent', 'tenant-admin', 'agent');
-- Customers never see internal notes, whatever the route asks for.
update roles set data_partitions = data_partitions || '[{"type": "threadEntry", "field": "kind", "op": "!=", "value": "note"}]'::jsonb
where slug = 'customer' and tenant_id is null;

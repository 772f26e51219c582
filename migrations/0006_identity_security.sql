-- Audit log, API keys, password resets, sign-in throttling and the outbound mail outbox.

-- Every registered table has an `id`, which the data-access layer addresses rows by.
alter table contact_roles add column id uuid not null default gen_random_uuid() unique;
create table audit_events (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id) on delete cascade,
  actor_contact_id uuid references contacts (id) on delete set null,
  action text not null,
  object_type text,
  object_id text,
  data jsonb not null default '{}'::jsonb,
  ip text,
  created_at timestamptz not null default now()
);
create index audit_events_tenant on audit_events (tenant_id, created_at desc);

-- The key is shown once: `td_<prefix>_<secret>`; only the secret's SHA-256 is kept.
create table api_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id) on delete cascade,
  contact_id uuid not null references contacts (id) on delete cascade,
  role_id uuid not null references roles (id),
  name text not null default '' check (length(name) <= 200),
  prefix text not null unique,
  secret_hash text not null,
  allowed_ips text[] not null default '{}',
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_contact on api_keys (tenant_id, contact_id);

create table password_resets (
  id text primary key,
  tenant_id integer references tenants (id) on delete cascade,
  contact_id uuid not null references contacts (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index password_resets_contact on password_resets (tenant_id, contact_id);

-- Failed sign-ins, by account (tenant + email, whether or not it exists) and by client address.
create table sign_in_failures (
  id bigint generated always as identity primary key,
  tenant_id integer references tenants (id) on delete cascade,
  throttle_key text not null,
  failed_at timestamptz not null default now()
);
create index sign_in_failures_key on sign_in_failures (throttle_key, failed_at);

-- Mail waiting to be sent, written in the same transaction as the change that caused it.
create table mail_outbox (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer references tenants (id) on delete cascade,
  to_address text not null,
  subject text not null,
  body_text text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index mail_outbox_pending on mail_outbox (tenant_id, created_at) where sent_at is null;

-- Sign-in sessions. The cookie holds a random token; only its SHA-256 is stored, so a copy of this
-- table signs nobody in. A session is bound to the host (and so the tenant) it was issued on.
create table sessions (
  id text primary key,
  tenant_id integer references tenants (id) on delete cascade,
  contact_id uuid not null references contacts (id) on delete cascade,
  active_role_id uuid not null references roles (id),
  host text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_contact on sessions (tenant_id, contact_id);

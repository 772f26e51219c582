-- Single sign-on per tenant (issue 24, src/identity/sso): a tenant's OpenID Connect connections and
-- the sign-ins under way. Both lead with tenant_id and are registered in src/db/registry.ts, so
-- row-level security protects them and tenant moves carry the connections.

-- One identity provider a tenant's contacts may sign in with. The client secret is stored
-- AES-256-GCM encrypted with MAIL_SECRET's credentials key (mail/secret-box.ts), never shown back.
create table sso_connections (
  tenant_id integer not null,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  issuer text not null check (length(issuer) <= 2000),
  client_id text not null check (length(client_id) between 1 and 500),
  client_secret_enc text,
  scopes text not null default 'openid email profile' check (length(scopes) <= 500),
  email_claim text not null default 'email' check (length(email_claim) between 1 and 100),
  -- Lower-case domains; empty: any domain.
  allowed_domains text[] not null default '{}',
  -- False: the tenant's contacts sign in through single sign-on only.
  local_passwords boolean not null default true,
  -- Just-in-time provisioning of a contact unknown to the tenant.
  jit text not null default 'off' check (jit in ('off', 'customers', 'customers_and_agents')),
  jit_role_id uuid,
  groups_claim text not null default 'groups' check (length(groups_claim) between 1 and 100),
  -- [{"group": "...", "roleId": "..."}]: a contact in the group holds the role.
  role_mapping jsonb not null default '[]',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);

-- A sign-in sent to the provider and not yet back: the state's digest, the nonce and the PKCE
-- verifier, bound to the host it started at. Used once (deleted when the callback arrives).
create table sso_logins (
  tenant_id integer not null,
  id text not null,
  connection_id uuid not null,
  host text not null,
  nonce text not null,
  code_verifier text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, connection_id) references sso_connections (tenant_id, id) on delete cascade
);

-- A session opened through single sign-on remembers its connection and ID token, for RP-initiated
-- logout (the ID token is the provider's `id_token_hint`).
alter table sessions add column sso_connection_id uuid, add column sso_id_token text;

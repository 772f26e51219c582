-- Sender domains (issue 18, item 2): the domains a tenant's mail may be sent from, verified by the
-- service provider's administration (`tenantdesk tenant sender-domain`, /api/v1/sp/tenants/{slug}/
-- sender-domains). The domain is the key: a domain is verified for one tenant at most, so no tenant
-- can claim another's. A catalog table, read into the in-memory catalog snapshot (a change bumps
-- catalog_state.version), so choosing a message's sender costs no query.
create table tenant_sender_domains (
  domain text primary key check (domain = lower(domain) and domain ~ '^[a-z0-9-]+(\.[a-z0-9-]+)+$'),
  tenant_id integer not null references tenants (id) on delete cascade,
  verified_by text not null,
  created_at timestamptz not null default now()
);

create index tenant_sender_domains_tenant on tenant_sender_domains (tenant_id);

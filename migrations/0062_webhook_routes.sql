-- Webhook routes (issue 24, decisions 0164 and 0166): what each process must know to decide, with
-- no query, whether a change has a subscription to feed. A catalog table, read into the in-memory
-- catalog snapshot: a change bumps catalog_state.version and notifies every process (0030), so a
-- tenant with no matching subscription costs its changes nothing.
--
-- One row per subscription, active or not: its tenant, its events, and for the service provider's
-- subscription to every tenant it reads (`all-readable`), the read access of the role that made it,
-- resolved against the hierarchy and groups of the snapshot at each event (tenants created later
-- and subtenants included).
create table webhook_routes (
  subscription_id uuid primary key,
  tenant_id integer not null references tenants (id) on delete cascade,
  events text[] not null,
  active boolean not null default true,
  tenant_scope text not null default 'tenant' check (tenant_scope in ('tenant', 'all-readable')),
  read_access text check (read_access in ('all', 'tenant', 'own', 'group')),
  read_tenant_id integer,
  read_group_id integer,
  check ((tenant_scope = 'all-readable') = (read_access is not null))
);
create index webhook_routes_tenant on webhook_routes (tenant_id);
create trigger catalog_changed after insert or update or delete or truncate on webhook_routes for each statement execute function catalog_changed();

-- The service provider's all-readable subscription is a row of its own tenant; the read access it
-- reaches tenants by is kept on it (a copy of its role's at subscription time, see decision 0164).
alter table webhook_subscriptions
  add column tenant_scope text not null default 'tenant' check (tenant_scope in ('tenant', 'all-readable')),
  add column read_access text check (read_access in ('all', 'tenant', 'own', 'group')),
  add column read_tenant_id integer,
  add column read_group_id integer;

-- A delivery for the service provider's all-readable subscription lives in the tenant of the event
-- (written in the change's own transaction, on the change's shard) and names the subscription it
-- goes to by `provider_subscription_id`: a row of the service provider's tenant, maybe on another
-- database, so no foreign key. A tenant's own delivery keeps `subscription_id` and its foreign key.
alter table webhook_deliveries
  alter column subscription_id drop not null,
  add column provider_subscription_id uuid,
  add constraint webhook_deliveries_one_subscription check ((subscription_id is null) <> (provider_subscription_id is null));
create index webhook_deliveries_provider_subscription on webhook_deliveries (tenant_id, provider_subscription_id, created_at) where provider_subscription_id is not null;

-- Subscriptions made before the routes existed (in the pool's tenants) get theirs.
insert into webhook_routes (subscription_id, tenant_id, events, active)
select id, tenant_id, events, active from webhook_subscriptions where tenant_id in (select id from tenants);

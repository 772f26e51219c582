-- Signed outbound webhooks per tenant (issue 24, src/webhooks): a tenant's subscriptions and the
-- log of every delivery. Both lead with tenant_id and are registered in src/db/registry.ts, so
-- row-level security keeps one tenant's subscriptions from ever seeing another's events.

-- A URL subscribed to events. The signing secret (`whsec_...`, Standard Webhooks) is stored
-- AES-256-GCM encrypted with MAIL_SECRET's credentials key, shown once when created or rotated.
create table webhook_subscriptions (
  tenant_id integer not null,
  id uuid not null default gen_random_uuid(),
  url text not null check (length(url) <= 2000),
  events text[] not null check (cardinality(events) > 0),
  description text not null default '' check (length(description) <= 500),
  secret_enc text not null,
  active boolean not null default true,
  -- Deliveries that died one after another; at the limit the subscription is disabled.
  failures_in_a_row integer not null default 0,
  disabled_reason text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);

-- One event for one subscription, written in the transaction of the change (the outbox) with the
-- job that sends it; its attempts are logged here.
create table webhook_deliveries (
  tenant_id integer not null,
  id uuid not null default gen_random_uuid(),
  subscription_id uuid not null,
  -- The event's id, the same for every subscription: the receiver's de-duplication key (webhook-id).
  event_id uuid not null,
  event text not null,
  payload jsonb not null,
  state text not null default 'pending' check (state in ('pending', 'delivered', 'retrying', 'dead')),
  attempts integer not null default 0,
  last_status integer,
  last_error text,
  next_attempt_at timestamptz,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, subscription_id) references webhook_subscriptions (tenant_id, id) on delete cascade
);
create index webhook_deliveries_subscription on webhook_deliveries (tenant_id, subscription_id, created_at);

-- Several processes are one desk (docs/decisions/0050, 0051).
--
-- 1. Every change to a catalog table bumps catalog_state.version in the same transaction, by the
--    database itself (no code path can forget it), and a bump notifies `tenantdesk_catalog` with the
--    new version: each server LISTENs and reloads its snapshot at once. The notification is sent at
--    commit, so it never announces a change that rolled back.
create function catalog_changed() returns trigger language plpgsql security definer set search_path = public
  as $$ begin update catalog_state set version = version + 1; return null; end $$;

create function catalog_notify() returns trigger language plpgsql security definer set search_path = public
  as $$ begin perform pg_notify('tenantdesk_catalog', new.version::text); return null; end $$;

create trigger catalog_notify after update on catalog_state for each row execute function catalog_notify();
-- One bump per statement, whatever it changed (a hierarchy change rewrites many group members).
create trigger catalog_changed after insert or update or delete or truncate on tenants for each statement execute function catalog_changed();
create trigger catalog_changed after insert or update or delete or truncate on tenant_hosts for each statement execute function catalog_changed();
create trigger catalog_changed after insert or update or delete or truncate on tenant_groups for each statement execute function catalog_changed();
create trigger catalog_changed after insert or update or delete or truncate on tenant_group_members for each statement execute function catalog_changed();
create trigger catalog_changed after insert or update or delete or truncate on tenant_moves for each statement execute function catalog_changed();
create trigger catalog_changed after insert or update or delete or truncate on tenant_quotas for each statement execute function catalog_changed();

-- 2. The placement epoch: the catalog's version of where a tenant's writes go. A move bumps it when
--    it freezes the tenant and again when it switches the shard map.
alter table tenants add column placement_epoch bigint not null default 0;

-- 3. The write fence, in every shard: the epoch at which this database accepts writes of a tenant.
--    No row: this database takes no writes of the tenant. A write transaction checks it, under a
--    KEY SHARE lock held to its commit, against the epoch its process routed it by (tenant_fence()
--    below, called with the transaction's scope); a move changes it under FOR UPDATE, which waits
--    for the writes in flight and turns away every later one routed by an older map.
create table tenant_fences (
  -- No foreign key: in a silo, the tenant's catalog row is in another database.
  tenant_id integer primary key,
  epoch bigint not null,
  updated_at timestamptz not null default now()
);
insert into tenant_fences (tenant_id, epoch) select id, placement_epoch from tenants where shard = 'pool';

-- Runs as the owner: the app roles may not lock the fence rows themselves. TD002 is mapped to a
-- retryable 503 TENANT_MOVING (db/errors.ts).
create function tenant_fence(p_tenant integer, p_epoch bigint) returns boolean language plpgsql volatile security definer set search_path = public
  as $$
  begin
    perform 1 from tenant_fences where tenant_id = p_tenant and epoch = p_epoch for key share;
    if not found then
      raise exception 'tenant % is not written in this database at placement epoch %', p_tenant, p_epoch using errcode = 'TD002';
    end if;
    return true;
  end $$;

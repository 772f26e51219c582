-- Verified API keys are kept in memory by each server (src/identity/credential-cache.ts, issue 25,
-- docs/decisions/0172): a change to what a kept key stands for notifies `tenantdesk_credentials` at
-- commit with the tenant's id (`*` for a public role: every tenant's keys may hold it), so every
-- process drops that tenant's keys before its next request. Only the columns a key's actor is made
-- of count: recording a key's last use (once a minute) notifies nobody.
create function credential_changed_notify() returns trigger language plpgsql set search_path = public
  as $$
  declare
    tenant integer := case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end;
  begin
    perform pg_notify('tenantdesk_credentials', coalesce(tenant::text, '*'));
    if tg_op = 'UPDATE' and old.tenant_id is distinct from new.tenant_id then
      perform pg_notify('tenantdesk_credentials', coalesce(old.tenant_id::text, '*'));
    end if;
    return null;
  end $$;

create trigger credential_changed after update of tenant_id, contact_id, role_id, secret_hash, allowed_ips, revoked_at or delete
  on api_keys for each row execute function credential_changed_notify();
create trigger credential_changed after update or delete on contacts for each row execute function credential_changed_notify();
create trigger credential_changed after update or delete on contact_roles for each row execute function credential_changed_notify();
create trigger credential_changed after update or delete on roles for each row execute function credential_changed_notify();

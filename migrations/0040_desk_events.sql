-- Live updates (issue 21, docs/decisions/0120): a ticket written or a thread entry added notifies
-- `tenantdesk_desk` at commit, from the database itself, so every code path (API, mail, jobs, SLA
-- sweep) is heard by every process. The payload carries ids only: each receiving process reads the
-- ticket again through the scoped data-access layer, for each subscriber, before telling it anything.
create function desk_event_notify() returns trigger language plpgsql set search_path = public
  as $$
  begin
    if tg_table_name = 'thread_entries' then
      perform pg_notify('tenantdesk_desk', json_build_object('tenant', new.tenant_id, 'ticket', new.ticket_id, 'entry', new.id)::text);
    else
      perform pg_notify('tenantdesk_desk', json_build_object('tenant', new.tenant_id, 'ticket', new.id, 'created', tg_op = 'INSERT')::text);
    end if;
    return null;
  end $$;

create trigger desk_event after insert or update on tickets for each row execute function desk_event_notify();
create trigger desk_event after insert on thread_entries for each row execute function desk_event_notify();

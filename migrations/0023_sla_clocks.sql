-- The overdue sweep's work list (issue 7): one narrow row per running, unbreached SLA clock of a
-- ticket, kept by triggers on `tickets`, so that recording a breach no longer touches any indexed
-- column of `tickets` (decisions.md, "Pending SLA clocks in a table of their own").
--
-- Before, the sweep found its candidates in two partial indexes of `tickets` whose predicates named
-- the breach columns: setting a breach could not be a HOT update, and each wrote an entry into every
-- index of the ticket (10 of them). Now the breach update of a ticket is HOT (fillfactor below), and
-- the clock leaves the work list by a delete from this small table.

create table sla_clocks (
  tenant_id integer not null,
  ticket_id uuid not null references tickets (id) on delete cascade,
  -- 'first-response' or 'resolution', as the breach events name them.
  clock text not null check (clock in ('first-response', 'resolution')),
  due_at timestamptz not null,
  primary key (tenant_id, ticket_id, clock)
);
-- The sweep's candidates: the due ones across every tenant of a shard (it leads with the due date,
-- as the partial indexes it replaces did; decisions.md), read from the index alone.
create index sla_clocks_due on sla_clocks (due_at) include (tenant_id, ticket_id);

-- The clocks a ticket row runs: the predicates of the former partial indexes. Untenanted tickets
-- (warn/allow modes) have no sweep.
create function sla_clocks_of(t tickets) returns table (clock text, due_at timestamptz)
language sql immutable parallel safe as $$
  select k.clock, k.due_at
  from (values ('first-response', case when t.first_responded_at is null and t.first_response_breached_at is null then t.first_response_due_at end),
               ('resolution', case when t.resolution_breached_at is null then t.resolution_due_at end)) k (clock, due_at)
  where k.due_at is not null and t.tenant_id is not null and t.sla_paused_at is null and t.status in ('open', 'pending')
$$;

-- New tickets, by statement (a set-based load or a tenant move inserts thousands at once).
create function sla_clocks_inserted() returns trigger language plpgsql as $$
begin
  insert into sla_clocks (tenant_id, ticket_id, clock, due_at)
  select n.tenant_id, n.id, c.clock, c.due_at from new_tickets n cross join lateral sla_clocks_of(n) c;
  return null;
end $$;
create trigger tickets_sla_clocks_insert after insert on tickets
  referencing new table as new_tickets for each statement execute function sla_clocks_inserted();

-- A change of a clock's inputs (due dates, pause, state, first response, a breach cleared) rewrites
-- the ticket's rows. Setting a breach does not fire it: the sweep deletes the clock it breached
-- itself, in the statement that records the breach.
create function sla_clocks_updated() returns trigger language plpgsql as $$
begin
  delete from sla_clocks where tenant_id = old.tenant_id and ticket_id = old.id;
  insert into sla_clocks (tenant_id, ticket_id, clock, due_at) select new.tenant_id, new.id, c.clock, c.due_at from sla_clocks_of(new) c;
  return null;
end $$;
create trigger tickets_sla_clocks_update after update on tickets for each row
  when (old.status is distinct from new.status or old.sla_paused_at is distinct from new.sla_paused_at
    or old.first_response_due_at is distinct from new.first_response_due_at or old.resolution_due_at is distinct from new.resolution_due_at
    or old.first_responded_at is distinct from new.first_responded_at or old.tenant_id is distinct from new.tenant_id
    or (old.first_response_breached_at is not null and new.first_response_breached_at is null)
    or (old.resolution_breached_at is not null and new.resolution_breached_at is null))
  execute function sla_clocks_updated();

insert into sla_clocks (tenant_id, ticket_id, clock, due_at)
select t.tenant_id, t.id, c.clock, c.due_at from tickets t cross join lateral sla_clocks_of(t) c;

drop index tickets_resolution_due;
drop index tickets_first_response_due;

-- Room on each page for a ticket's next version: a breach, an escalation or a status change that
-- touches no indexed column is then a HOT update (no index entry written). New pages only; existing
-- ones get it when the table is rewritten.
alter table tickets set (fillfactor = 85);

-- One digest per recipient and run instead of one mail per breach (decisions.md, "Overdue mail is a
-- digest"): its public default template.
alter table mail_templates drop constraint mail_templates_kind_check;
alter table mail_templates add constraint mail_templates_kind_check check (kind in ('auto-reply', 'agent-reply', 'assignment', 'overdue', 'overdue-digest'));
insert into mail_templates (tenant_id, kind, subject, body) values
  (null, 'overdue-digest', 'Overdue: {{sla.count}} due dates passed',
   '<p>Hello {{recipient.name}},</p><p>These tickets have passed a due date ({{sla.count}} in all):</p>{{sla.tickets}}');

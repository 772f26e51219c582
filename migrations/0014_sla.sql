-- SLA clocks (issue 7): a ticket's due dates, pauses, first response and resolution, the breaches
-- the overdue sweep records, and the escalation rules of SLA plans. The arithmetic is src/sla/'s.

alter table sla_plans
  -- Whether the clocks stop while a ticket is pending (waiting on the customer).
  add column pause_when_pending boolean not null default true,
  -- Targets by priority slug, overriding the plan's: {"urgent": {"firstResponseMinutes": 15, "resolutionMinutes": 120}}.
  add column priority_targets jsonb not null default '{}'::jsonb,
  -- Escalation, applied once per breach by the overdue sweep: raise the priority to this one (never
  -- lower it), reassign to this team and/or agent, and mail this contact (a team lead).
  add column escalate_priority_id uuid,
  add column escalate_team_id uuid,
  add column escalate_assignee_id uuid,
  add column escalate_notify_id uuid;

alter table tickets
  add column first_response_due_at timestamptz,
  -- The manual due_at when an agent set one, else computed from the SLA plan.
  add column resolution_due_at timestamptz,
  add column first_responded_at timestamptz,
  -- When the ticket last entered the resolved or closed state (null while open or pending).
  add column resolved_at timestamptz,
  -- The clocks are paused since then (pending on the customer); null while they run.
  add column sla_paused_at timestamptz,
  -- Business minutes spent paused by earlier pauses: due dates are opened-at + target + these.
  add column sla_paused_minutes double precision not null default 0,
  -- Set once by the overdue sweep, in the statement that notifies and escalates: once per breach.
  add column first_response_breached_at timestamptz,
  add column resolution_breached_at timestamptz;

-- The overdue sweep's two index scans (src/sla/sweep-overdue.ts): only running clocks not yet
-- breached are in them, so they stay small however many tickets a shard holds. They lead with the
-- due date, not tenant_id: the sweep crosses every tenant of a shard by due date (decisions.md).
create index tickets_resolution_due on tickets (resolution_due_at)
  where resolution_breached_at is null and sla_paused_at is null and status in ('open', 'pending');
create index tickets_first_response_due on tickets (first_response_due_at)
  where first_responded_at is null and first_response_breached_at is null and sla_paused_at is null and status in ('open', 'pending');
-- Reports: tickets resolved or first answered within a date range, per tenant.
create index tickets_tenant_resolved on tickets (tenant_id, resolved_at) where resolved_at is not null;
create index tickets_tenant_first_response on tickets (tenant_id, first_responded_at) where first_responded_at is not null;

-- Reading reports is an agent's and an administrator's right, not a customer's.
update roles set permissions = permissions || '{report.read}'
where tenant_id is null and slug in ('sp-admin', 'sp-agent', 'tenant-admin', 'agent');

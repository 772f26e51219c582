-- Issue 21: a new tenant started with no help topic, and the customer form requires one, so its
-- customers could not open a ticket. The service provider's public defaults (tenant_id null, seen
-- by every tenant) now include an SLA plan and a help topic, as statuses and priorities already
-- did. Departments are tenant-required, so the public topic routes to none; a tenant adds its own.
-- Added only where the installation has no public row of the kind yet, so an SP's own defaults stay
-- the only ones.
insert into sla_plans (tenant_id, name, first_response_minutes, resolution_minutes)
select null, 'Standard', 480, 2880
where not exists (select 1 from sla_plans where tenant_id is null);

insert into help_topics (tenant_id, name, priority_id, sla_plan_id)
select null, 'Other request',
  (select id from priorities where slug = 'normal'),
  (select id from sla_plans where tenant_id is null order by created_at, id limit 1)
where not exists (select 1 from help_topics where tenant_id is null);

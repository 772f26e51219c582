import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { applyScope, inScope, type ScopedTx } from '../../src/db/scope.ts';
import type { DeskContext } from '../../src/desk/desk-context.ts';
import { writeScope } from '../../src/tenancy/access.ts';
import type { TenancyContext } from '../../src/tenancy/context.ts';
import { aggregateObjects, listObjects } from '../../src/tenancy/data-access.ts';

/**
 * The overdue sweep and the dashboard summary as they were before the changes measured in
 * bench/README.md section 5 (commit 6b59b9c), frozen here so that one run of `bench:sla` compares
 * before and after on the same data and the same load. Not used by TenantDesk itself.
 *
 * Before: the whole backlog in one statement and one transaction (SWEEP_BATCH 200,000 per clock),
 * JIT left on, the batch read three times, written in hash order; durations in numeric minutes.
 */
type Outcome = { tickets: number; breaches: number; escalated: number; mailed: number };

const firstResponseDue = sql<boolean>`(t.first_responded_at is null and t.first_response_breached_at is null and t.first_response_due_at <= now())`;
const resolutionDue = sql<boolean>`(t.resolution_breached_at is null and t.resolution_due_at <= now())`;
const running = sql<boolean>`t.sla_paused_at is null and t.status in ('open', 'pending')`;
const reference = sql`coalesce(n.number, n.ticket_id::text)`;
const noticeSubject = sql<string>`'[' || ${reference} || '] Overdue: ' || n.clock || ' was due ' || n.due`;
const noticeBody = sql<string>`'Ticket ' || ${reference} || ' "' || n.subject || '" has passed its ' || n.clock || ' due date (' || n.due || ').' || chr(10)`;
const iso = (column: string) => sql`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** The pool's sweep, before: one statement over the whole backlog, in one transaction. */
export async function baselineSweep(ctx: TenancyContext, database: Database): Promise<Outcome> {
  const publicPlans = (await listObjects(ctx, 'slaPlan', { where: { tenant_id: null }, limit: 10_000 })).map((p) => ({
    id: p.id,
    escalate_priority_id: p.escalate_priority_id,
    escalate_team_id: p.escalate_team_id,
    escalate_assignee_id: p.escalate_assignee_id,
    escalate_notify_id: p.escalate_notify_id,
  }));
  const ranks = (await listObjects(ctx, 'priority', { limit: 1000 })).map((p) => ({ id: p.id, rank: p.rank }));
  const input = { publicPlans, ranks, skip: [] as number[], batch: 200_000 };
  return inScope(database, writeScope(ctx.access), async (tx: ScopedTx) => {
    await applyScope(tx, writeScope(ctx.access));
    const skip = sql<boolean>`t.tenant_id is not null and not (t.tenant_id = any (${input.skip}::integer[]))`;
    const result = await sql<Outcome>`
    with plans as (
      select id, escalate_priority_id, escalate_team_id, escalate_assignee_id, escalate_notify_id from sla_plans where tenant_id is not null
      union all
      select * from jsonb_to_recordset(${JSON.stringify(input.publicPlans)}::jsonb)
        as p (id uuid, escalate_priority_id uuid, escalate_team_id uuid, escalate_assignee_id uuid, escalate_notify_id uuid)
    ),
    ranks as (select * from jsonb_to_recordset(${JSON.stringify(input.ranks)}::jsonb) as r (id uuid, rank integer)),
    candidates as (
      (select t.id from tickets t where ${running} and ${skip} and ${firstResponseDue} order by t.first_response_due_at limit ${input.batch})
      union
      (select t.id from tickets t where ${running} and ${skip} and ${resolutionDue} order by t.resolution_due_at limit ${input.batch})
    ),
    due as (
      select c.id, p.escalate_priority_id, p.escalate_team_id, p.escalate_assignee_id, p.escalate_notify_id, r.rank as escalate_rank,
        (p.escalate_priority_id is not null or p.escalate_team_id is not null or p.escalate_assignee_id is not null) as escalates
      from candidates c join tickets t on t.id = c.id
        left join plans p on p.id = t.sla_plan_id
        left join ranks r on r.id = p.escalate_priority_id
    ),
    marked as (
      update tickets t set
        first_response_breached_at = case when ${firstResponseDue} then now() else t.first_response_breached_at end,
        resolution_breached_at = case when ${resolutionDue} then now() else t.resolution_breached_at end,
        -- Escalation raises the priority, never lowers it.
        priority_id = case when d.escalate_rank > coalesce((select rank from ranks where ranks.id = t.priority_id), 0) then d.escalate_priority_id else t.priority_id end,
        team_id = coalesce(d.escalate_team_id, t.team_id),
        assignee_id = coalesce(d.escalate_assignee_id, t.assignee_id),
        version = t.version + case when d.escalates then 1 else 0 end,
        updated_at = case when d.escalates then now() else t.updated_at end
      from due d
      where t.id = d.id and ${running} and (${firstResponseDue} or ${resolutionDue})
      returning t.id, t.tenant_id, t.number, t.subject, t.assignee_id, t.priority_id, t.team_id, d.escalates, d.escalate_notify_id,
        t.first_response_breached_at = now() as first_response_hit, t.resolution_breached_at = now() as resolution_hit,
        ${iso('first_response_due_at')} as first_response_due, ${iso('resolution_due_at')} as resolution_due
    ),
    breaches as (
      select m.*, k.clock, k.due from marked m
        cross join lateral (values ('first-response', m.first_response_hit, m.first_response_due), ('resolution', m.resolution_hit, m.resolution_due)) k (clock, hit, due)
      where k.hit
    ),
    events as (
      insert into thread_entries (tenant_id, ticket_id, kind, body_html, data)
      select b.tenant_id, b.id, 'event', '', jsonb_build_object('event', 'sla-breach', 'clock', b.clock, 'dueAt', b.due)
        || case when b.escalates then jsonb_build_object('escalation', jsonb_build_object('priorityId', b.priority_id, 'teamId', b.team_id, 'assigneeId', b.assignee_id)) else '{}'::jsonb end
      from breaches b
      returning 1
    ),
    notices as (
      select distinct b.tenant_id, b.id as ticket_id, b.number, b.subject, b.clock, b.due, r.contact_id
      from breaches b cross join lateral (values (b.assignee_id), (b.escalate_notify_id)) r (contact_id)
      where r.contact_id is not null
    ),
    mailed as (
      insert into mail_outbox (tenant_id, to_address, subject, body_text)
      select n.tenant_id, c.email, ${noticeSubject}, ${noticeBody}
      from notices n join contacts c on c.id = n.contact_id and c.status = 'active'
      returning 1
    )
    select (select count(*)::integer from marked) as tickets,
      (select count(*)::integer from events) as breaches,
      (select count(*)::integer from marked where escalates) as escalated,
      (select count(*)::integer from mailed) as mailed,
      -- Recipients on another shard (a service-provider agent assigned to a silo tenant's ticket).
      (select coalesce(jsonb_agg(to_jsonb(n)), '[]'::jsonb) from notices n where not exists (select 1 from contacts c where c.id = n.contact_id)) as elsewhere`.execute(tx);
    return result.rows[0]!;
  });
}

type Figures = { open: number; overdue: number; created: number; resolved: number; fr_median: number | null; fr_p90: number | null; res_median: number | null; res_p90: number | null };

/** The summary's totals over one shard, before: minutes as numeric (extract). */
export async function baselineSummary(desk: DeskContext, from: Date, to: Date): Promise<Figures> {
  const answers = await aggregateObjects(desk, 'ticket', async (tx, rows: RawBuilder<boolean>) =>
    (await sql<Figures & { total: boolean }>`with t as (
      select tenant_id, status, created_at, resolved_at, first_responded_at, first_response_due_at, resolution_due_at,
        first_response_breached_at, resolution_breached_at
      from tickets
      where ${rows} and (status in ('open', 'pending') or created_at >= ${from} or resolved_at >= ${from} or first_responded_at >= ${from})
    ), m as (
      select t.*, status in ('open', 'pending') as unresolved,
        (created_at >= ${from} and created_at < ${to}) as created_in,
        coalesce(resolved_at >= ${from} and resolved_at < ${to}, false) as resolved_in,
        coalesce(first_responded_at >= ${from} and first_responded_at < ${to}, false) as responded_in,
        floor(extract(epoch from first_responded_at - created_at) / 60) as fr_minutes,
        floor(extract(epoch from resolved_at - created_at) / 60) as res_minutes
      from t
    )
    select tenant_id, grouping(tenant_id) = 1 as total,
      count(*) filter (where unresolved)::integer as open,
      count(*) filter (where unresolved and (resolution_breached_at is not null or (first_response_breached_at is not null and first_responded_at is null)))::integer as overdue,
      count(*) filter (where created_in)::integer as created,
      count(*) filter (where resolved_in)::integer as resolved,
      percentile_cont(0.5) within group (order by fr_minutes) filter (where responded_in) as fr_median,
      percentile_cont(0.9) within group (order by fr_minutes) filter (where responded_in) as fr_p90,
      percentile_cont(0.5) within group (order by res_minutes) filter (where resolved_in) as res_median,
      percentile_cont(0.9) within group (order by res_minutes) filter (where resolved_in) as res_p90,
      count(*) filter (where resolved_in and resolution_due_at is not null)::integer as sla_total,
      count(*) filter (where resolved_in and resolution_due_at is not null and resolved_at <= resolution_due_at
        and (first_response_due_at is null or first_responded_at <= first_response_due_at))::integer as sla_met
    from m group by grouping sets ((tenant_id), ())`.execute(tx)).rows,
  );
  return answers.flat().find((r) => r.total)!;
}

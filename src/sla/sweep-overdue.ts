import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import { objectType } from '../db/registry.ts';
import { applyScope, inScope, type ScopedTx } from '../db/scope.ts';
import { writeScope } from '../tenancy/access.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects } from '../tenancy/data-access.ts';
import { readTargets } from '../tenancy/placement/route.ts';

/**
 * The overdue sweep: in every shard, one set-based statement finds the running clocks whose due
 * date has passed (two partial indexes on the due dates, migration 0014), records the breach, applies
 * the plan's escalation (raise the priority, reassign to a team and/or agent), writes a thread
 * event, and queues mail to the assignee and the plan's team lead in `mail_outbox`.
 *
 * One run takes at most a batch of each clock per partition of a shard, so its transactions stay
 * short however large a backlog is (runners down for hours); `more` says a batch was full, and the
 * job runs again at once from `cursor` (src/jobs/sla-sweep.ts) until the backlog is worked off. The
 * batch is written in tenant order (decisions.md, "The overdue sweep works off a backlog").
 *
 * Exactly once per breach: the breach column is set by the same UPDATE whose WHERE requires it to be
 * null. A second runner sweeping at the same moment waits on the row lock, re-checks that WHERE on
 * the committed row (PostgreSQL's READ COMMITTED re-evaluation) and skips it; the event, the mail and
 * the escalation come from that UPDATE's RETURNING, so they happen once with it.
 */
export type SweepResult = {
  /** Tickets that breached at least one clock in this sweep. */
  readonly tickets: number;
  /** Breaches recorded (a ticket may breach both clocks at once). */
  readonly breaches: number;
  readonly escalated: number;
  readonly mailed: number;
  /** A batch was full in some shard: more may be overdue than this run took. */
  readonly more: boolean;
  /** Where each full batch stopped, for the next run of the same drain (`after`). */
  readonly cursor: SweepCursor;
};

/**
 * The due date the last full batch of a clock reached, by shard, partition and clock. The next run
 * of a drain starts there (keyset) instead of stepping again over the index entries of the
 * breaches it has just recorded, which stay in the partial indexes until vacuumed. A row it passes
 * over (changed by an agent meanwhile) is found by the next scheduled run, which has no cursor.
 */
export type SweepCursor = Readonly<Record<string, string>>;

/** Tickets swept per clock and partition of a shard in one run (one transaction); the rest in the next run. */
export const SWEEP_BATCH = 10_000;
/**
 * Partitions (by tenant) of a PostgreSQL shard swept side by side, each in a transaction of its own
 * on its own connection: a backlog costs CPU on the server (index entries and rows written), one core
 * per partition. An embedded shard (one connection) is swept in one.
 */
export const SWEEP_PARTITIONS = 2;

type Notice = { tenant_id: number; ticket_id: string; number: string | null; subject: string; clock: string; due: string; contact_id: string };
type ShardOutcome = { tickets: number; breaches: number; escalated: number; mailed: number; more: boolean; fr_last: string | null; res_last: string | null; elsewhere: Notice[] };

/**
 * Sweeps every shard. `ctx` must read and write every tenant (the installation's job context). An
 * embedded shard is swept in `ctx`'s transaction when it carries one of that shard (it has a single
 * connection); others in transactions of their own, which commit before the caller's: each is a
 * whole unit (breaches, events, mail, escalations), and the sweep may be repeated at any time.
 */
export async function sweepOverdue(ctx: TenancyContext, options: { batch?: number; partitions?: number; after?: SweepCursor } = {}): Promise<SweepResult> {
  // Public plans and priorities live in the pool only; silos' tickets refer to them too. (Reads go
  // through the context's transaction when it has one: embedded, a database has one connection.)
  const publicPlans = (await listObjects(ctx, 'slaPlan', { where: { tenant_id: null }, limit: 10_000 })).map((p) => ({
    id: p.id,
    escalate_priority_id: p.escalate_priority_id,
    escalate_team_id: p.escalate_team_id,
    escalate_assignee_id: p.escalate_assignee_id,
    escalate_notify_id: p.escalate_notify_id,
  }));
  const ranks = (await listObjects(ctx, 'priority', { limit: 1000 })).map((p) => ({ id: p.id, rank: p.rank }));
  // Tenants whose rows may not be written here now: frozen by a move, or partial copies arriving.
  const frozen = [...ctx.catalog.byId.values()].filter((t) => t.move?.frozen).map((t) => t.id);
  const total = { tickets: 0, breaches: 0, escalated: 0, mailed: 0, more: false };
  const cursor: Record<string, string> = {};
  for (const target of await readTargets(ctx, objectType('ticket'), 'all')) {
    const skip = [...frozen, ...(target.exclude ?? [])];
    const embedded = target.database.kind === 'pglite';
    const partitions = embedded ? 1 : (options.partitions ?? SWEEP_PARTITIONS);
    const key = (partition: number, clock: 'fr' | 'res') => `${target.holds?.join(',') ?? 'pool'}:${partition}/${partitions}:${clock}`;
    const run = (partition: number) => async (tx: ScopedTx) => {
      // Tenant boundary: the installation's scope (every tenant), as row-level security sees it.
      await applyScope(tx, writeScope(ctx.access));
      const after = { fr: options.after?.[key(partition, 'fr')] ?? null, res: options.after?.[key(partition, 'res')] ?? null };
      const outcome = await sweepShard(tx, { publicPlans, ranks, skip, batch: options.batch ?? SWEEP_BATCH, partition, partitions, after });
      if (outcome.fr_last) cursor[key(partition, 'fr')] = outcome.fr_last;
      if (outcome.res_last) cursor[key(partition, 'res')] = outcome.res_last;
      if (outcome.elsewhere.length) outcome.mailed += await mailElsewhere({ ...ctx, access: { read: await tenantsElsewhere(ctx, target.database), write: [], writePublic: false } }, tx, outcome.elsewhere);
      return outcome;
    };
    const outcomes = embedded && ctx.tx && ctx.txDatabase === target.database
      ? [await run(0)(ctx.tx)]
      : await Promise.all(Array.from({ length: partitions }, (_, partition) => inScope(target.database, writeScope(ctx.access), run(partition))));
    for (const outcome of outcomes) {
      total.tickets += outcome.tickets;
      total.breaches += outcome.breaches;
      total.escalated += outcome.escalated;
      total.mailed += outcome.mailed;
      total.more ||= outcome.more;
    }
  }
  return { ...total, cursor };
}

/** Clock conditions on the live row: breached now, not recorded yet. */
const firstResponseDue = sql<boolean>`(t.first_responded_at is null and t.first_response_breached_at is null and t.first_response_due_at <= now())`;
const resolutionDue = sql<boolean>`(t.resolution_breached_at is null and t.resolution_due_at <= now())`;
const running = sql<boolean>`t.sla_paused_at is null and t.status in ('open', 'pending')`;
// The mail of a breach, from a row `n` of notices (one text for both ways of queuing it).
const reference = sql`coalesce(n.number, n.ticket_id::text)`;
const noticeSubject = sql<string>`'[' || ${reference} || '] Overdue: ' || n.clock || ' was due ' || n.due`;
const noticeBody = sql<string>`'Ticket ' || ${reference} || ' "' || n.subject || '" has passed its ' || n.clock || ' due date (' || n.due || ').' || chr(10)`;
// The overdue template's values (mail/mail-templates.ts): the send job renders the tenant's template with them.
const noticeValues = sql`jsonb_build_object('clock', n.clock, 'due', n.due, 'recipientName', c.name)`;
const iso = (column: string) => sql`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
// To the microsecond: a cursor rounded up would pass over the rows due in its last millisecond.
const usIso = (value: RawBuilder<unknown>) => sql<string>`to_char(${value} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

type ShardInput = { publicPlans: unknown[]; ranks: unknown[]; skip: number[]; batch: number; partition: number; partitions: number; after: { fr: string | null; res: string | null } };

async function sweepShard(tx: ScopedTx, input: ShardInput): Promise<ShardOutcome> {
  // JIT would compile this statement's expressions at every run (~0.3 s): more than a steady-state sweep takes.
  await sql`select set_config('jit', 'off', true)`.execute(tx);
  // Untenanted tickets (warn/allow modes) have no tenant to mail or audit in: they have no SLA sweep.
  // Partitions by a hash of the tenant, not its id, which may go with anything (plans, creation order).
  const partition = input.partitions > 1 ? sql`and (hashint4(t.tenant_id) & 2147483647) % ${input.partitions}::integer = ${input.partition}::integer` : sql``;
  const skip = sql<boolean>`t.tenant_id is not null and not (t.tenant_id = any (${input.skip}::integer[])) ${partition}`;
  const result = await sql<ShardOutcome>`
    with plans as (
      select id, escalate_priority_id, escalate_team_id, escalate_assignee_id, escalate_notify_id from sla_plans where tenant_id is not null
      union all
      select * from jsonb_to_recordset(${JSON.stringify(input.publicPlans)}::jsonb)
        as p (id uuid, escalate_priority_id uuid, escalate_team_id uuid, escalate_assignee_id uuid, escalate_notify_id uuid)
    ),
    ranks as (select * from jsonb_to_recordset(${JSON.stringify(input.ranks)}::jsonb) as r (id uuid, rank integer)),
    -- The batch: the earliest due clocks of each kind, read once (ctid: the update finds the row without the primary key).
    first_response as (select t.ctid as tid, t.id, t.tenant_id, t.sla_plan_id, t.first_response_due_at as due from tickets t
      where ${running} and ${skip} and ${firstResponseDue} and t.first_response_due_at >= coalesce(${input.after.fr}::timestamptz, '-infinity')
      order by t.first_response_due_at limit ${input.batch}),
    resolution as (select t.ctid as tid, t.id, t.tenant_id, t.sla_plan_id, t.resolution_due_at as due from tickets t
      where ${running} and ${skip} and ${resolutionDue} and t.resolution_due_at >= coalesce(${input.after.res}::timestamptz, '-infinity')
      order by t.resolution_due_at limit ${input.batch}),
    due as materialized (
      select c.tid, p.escalate_priority_id, p.escalate_team_id, p.escalate_assignee_id, p.escalate_notify_id, r.rank as escalate_rank,
        (p.escalate_priority_id is not null or p.escalate_team_id is not null or p.escalate_assignee_id is not null) as escalates
      from (select tid, id, tenant_id, sla_plan_id from first_response union select tid, id, tenant_id, sla_plan_id from resolution) c
        left join plans p on p.id = c.sla_plan_id
        left join ranks r on r.id = p.escalate_priority_id
      -- Written in tenant order: most of the tickets' indexes lead with tenant_id, so a page of them
      -- is read and written once for all its tickets of the batch instead of once per ticket.
      order by c.tenant_id, c.tid
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
      -- A row another transaction changed meanwhile (a second runner, an agent) is rechecked on its
      -- newest version or left to the next run, as the plan goes; these conditions record a breach once.
      where t.ctid = d.tid and ${running} and (${firstResponseDue} or ${resolutionDue})
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
    -- The assignee and the plan's team lead, once each per breach (a lead who is the assignee gets one mail).
    notices as (
      select b.tenant_id, b.id as ticket_id, b.number, b.subject, b.clock, b.due, r.contact_id
      from breaches b cross join lateral (values (b.assignee_id), (nullif(b.escalate_notify_id, b.assignee_id))) r (contact_id)
      where r.contact_id is not null
    ),
    mailed as (
      insert into mail_outbox (tenant_id, to_address, subject, body_text, kind, ticket_id, template_data)
      select n.tenant_id, c.email, ${noticeSubject}, ${noticeBody}, 'overdue', n.ticket_id, ${noticeValues}
      from notices n join contacts c on c.id = n.contact_id and c.status = 'active'
      returning 1
    )
    select (select count(*)::integer from marked) as tickets,
      (select count(*)::integer from events) as breaches,
      (select count(*)::integer from marked where escalates) as escalated,
      (select count(*)::integer from mailed) as mailed,
      -- A full batch of either clock: more may be due than this run took.
      (select count(*) from first_response) >= ${input.batch} or (select count(*) from resolution) >= ${input.batch} as more,
      (select ${usIso(sql`max(due)`)} from first_response having count(*) >= ${input.batch}) as fr_last,
      (select ${usIso(sql`max(due)`)} from resolution having count(*) >= ${input.batch}) as res_last,
      -- Recipients on another shard (a service-provider agent assigned to a silo tenant's ticket).
      (select coalesce(jsonb_agg(to_jsonb(n)), '[]'::jsonb) from notices n where not exists (select 1 from contacts c where c.id = n.contact_id)) as elsewhere`.execute(tx);
  return result.rows[0]!;
}

/** The tenants whose rows live in another database than `database`. */
async function tenantsElsewhere(ctx: TenancyContext, database: Database): Promise<number[]> {
  const elsewhere: number[] = [];
  for (const tenant of ctx.catalog.byId.values()) {
    const home = tenant.shard === 'pool' ? ctx.shards.pool : await ctx.shards.get(tenant.shard);
    if (home !== database) elsewhere.push(tenant.id);
  }
  return elsewhere;
}

/**
 * Queues the notices whose recipient lives on another shard, in this shard's transaction. `ctx`
 * reads only the other shards' tenants, so the lookups never wait for this shard's own connection.
 */
async function mailElsewhere(ctx: TenancyContext, tx: ScopedTx, notices: Notice[]): Promise<number> {
  let mailed = 0;
  const recipients = new Map<string, { email: string; name: string } | null>();
  for (const notice of notices) {
    if (!recipients.has(notice.contact_id)) {
      const [contact] = await listObjects(ctx, 'contact', { where: { id: notice.contact_id, status: 'active' }, limit: 1 });
      recipients.set(notice.contact_id, contact ? { email: contact.email as string, name: contact.name as string } : null);
    }
    const recipient = recipients.get(notice.contact_id);
    if (!recipient) continue;
    await sql`insert into mail_outbox (tenant_id, to_address, subject, body_text, kind, ticket_id, template_data)
      select n.tenant_id, ${recipient.email}, ${noticeSubject}, ${noticeBody}, 'overdue', n.ticket_id, ${noticeValues}
      from jsonb_to_record(${JSON.stringify(notice)}::jsonb) as n (tenant_id integer, ticket_id uuid, number text, subject text, clock text, due text),
        (select ${recipient.name}::text as name) c`.execute(tx);
    mailed++;
  }
  return mailed;
}

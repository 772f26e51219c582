import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import { objectType } from '../db/registry.ts';
import { applyScope, inScope, type ScopedTx } from '../db/scope.ts';
import { writeScope } from '../tenancy/access.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects } from '../tenancy/data-access.ts';
import { readTargets } from '../tenancy/placement/route.ts';

/**
 * The overdue sweep: in every shard, one set-based statement takes the running clocks whose due date
 * has passed from `sla_clocks` (the work list the tickets' triggers keep, migration 0023), records
 * the breach on the ticket, applies the plan's escalation (raise the priority, reassign to a team
 * and/or agent), writes a thread event per breach, and queues one mail per recipient and tenant in
 * `mail_outbox`: the assignee and the plan's team lead get a digest of the breaches of the run
 * (decisions.md, "Overdue mail is a digest"), or the single-ticket overdue mail when there is one.
 *
 * One run takes at most a batch of clocks per partition of a shard, in tenant order, so its
 * transactions stay short however large a backlog is (runners down for hours) and a tenant's
 * breaches mostly land in one digest; `more` says a batch was full, and the job runs again at once
 * (src/jobs/sla-sweep.ts) until the backlog is worked off. A breached clock leaves the work list, so
 * the next run starts where this one stopped.
 *
 * Exactly once per breach: the breach column is set by the same UPDATE whose WHERE requires it to be
 * null. A second runner sweeping at the same moment waits on the row lock, re-checks that WHERE on
 * the committed row (PostgreSQL's READ COMMITTED re-evaluation) and skips it; the event, the mail, the
 * escalation and the clock's removal come from that UPDATE's RETURNING, so they happen once with it.
 * The ticket is locked before its clock rows, as an agent's update (whose trigger rewrites them) does.
 */
export type SweepResult = {
  /** Tickets that breached at least one clock in this sweep. */
  readonly tickets: number;
  /** Breaches recorded (a ticket may breach both clocks at once). */
  readonly breaches: number;
  readonly escalated: number;
  /** Mails queued (one per recipient and tenant in each run of a shard's partition). */
  readonly mailed: number;
  /** A batch was full in some shard: more may be overdue than this run took. */
  readonly more: boolean;
};

/** Clocks (of either kind) swept per partition of a shard in one run (one transaction); the rest in the next run. */
export const SWEEP_BATCH = 30_000;
/**
 * Partitions (by tenant) of a PostgreSQL shard swept side by side, each in a transaction of its own
 * on its own connection: a backlog costs CPU on the server (rows and index entries written), one core
 * per partition. An embedded shard (one connection) is swept in one.
 */
export const SWEEP_PARTITIONS = 2;

type Notice = { tenant_id: number; ticket_id: string; number: string | null; subject: string; clock: string; due: string; contact_id: string };
type ShardOutcome = { tickets: number; breaches: number; escalated: number; mailed: number; more: boolean; elsewhere: Notice[] };

/**
 * Sweeps every shard. `ctx` must read and write every tenant (the installation's job context). An
 * embedded shard is swept in `ctx`'s transaction when it carries one of that shard (it has a single
 * connection); others in transactions of their own, which commit before the caller's: each is a
 * whole unit (breaches, events, mail, escalations), and the sweep may be repeated at any time.
 */
export async function sweepOverdue(ctx: TenancyContext, options: { batch?: number; partitions?: number } = {}): Promise<SweepResult> {
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
  for (const target of await readTargets(ctx, objectType('ticket'), 'all')) {
    const skip = [...frozen, ...(target.exclude ?? [])];
    const embedded = target.database.kind === 'pglite';
    const partitions = embedded ? 1 : (options.partitions ?? SWEEP_PARTITIONS);
    const run = (partition: number) => async (tx: ScopedTx) => {
      // Tenant boundary: the installation's scope (every tenant), as row-level security sees it.
      await applyScope(tx, writeScope(ctx.access));
      const outcome = await sweepShard(tx, { publicPlans, ranks, skip, batch: options.batch ?? SWEEP_BATCH, partition, partitions });
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
  return total;
}

/** Clock conditions on the live row: breached now, not recorded yet. */
const firstResponseDue = sql<boolean>`(t.first_responded_at is null and t.first_response_breached_at is null and t.first_response_due_at <= now())`;
const resolutionDue = sql<boolean>`(t.resolution_breached_at is null and t.resolution_due_at <= now())`;
const running = sql<boolean>`t.sla_paused_at is null and t.status in ('open', 'pending')`;
// The mail of one breach, from a row `n` of notices (one text for both ways of queuing it).
const noticeSubject = sql<string>`'[' || n.number || '] Overdue: ' || n.clock || ' was due ' || n.due`;
const noticeBody = sql<string>`'Ticket ' || n.number || ' "' || n.subject || '" has passed its ' || n.clock || ' due date (' || n.due || ').' || chr(10)`;
const iso = (column: string) => sql`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/**
 * The mail rows for `notices` (tenant_id, ticket_id, number, subject, clock, due, contact_id), one
 * per recipient and tenant, to the active contacts of `recipients` (id, email, name). One breach:
 * the overdue mail of its ticket, as before digests; more: an `overdue-digest` listing the first
 * DIGEST_LISTED of them (mail/mail-templates.ts renders both with the tenant's template).
 */
function digestRows(notices: RawBuilder<unknown>, recipients: RawBuilder<unknown>) {
  return sql`insert into mail_outbox (tenant_id, to_address, subject, body_text, kind, ticket_id, template_data)
    select d.tenant_id, c.email,
      case when d.total = 1 then ${noticeSubject} else 'Overdue: ' || d.total || ' due dates passed' end,
      case when d.total = 1 then ${noticeBody} else d.lines end,
      case when d.total = 1 then 'overdue' else 'overdue-digest' end,
      case when d.total = 1 then n.ticket_id end,
      case when d.total = 1 then jsonb_build_object('clock', n.clock, 'due', n.due, 'recipientName', c.name)
        else jsonb_build_object('recipientName', c.name, 'count', d.total, 'tickets', d.tickets) end
    from (select g.tenant_id, g.contact_id, count(*)::integer as total,
        to_jsonb((array_agg(jsonb_build_object('ticket_id', g.ticket_id, 'number', coalesce(g.number, g.ticket_id::text), 'subject', g.subject, 'clock', g.clock, 'due', g.due)
          order by g.due, g.number, g.clock))[1:${DIGEST_LISTED}::integer]) as tickets,
        string_agg('[' || coalesce(g.number, g.ticket_id::text) || '] ' || g.subject || ': ' || g.clock || ' was due ' || g.due, chr(10) order by g.due, g.number, g.clock) || chr(10) as lines
      from ${notices} g group by g.tenant_id, g.contact_id) d
      join ${recipients} c on c.id = d.contact_id
      cross join lateral jsonb_to_record(d.tickets->0) as n (ticket_id uuid, number text, subject text, clock text, due text)`;
}

/** Tickets a digest lists by name; its count says how many more there are (the overdue queue shows them all). */
export const DIGEST_LISTED = 100;

type ShardInput = { publicPlans: unknown[]; ranks: unknown[]; skip: number[]; batch: number; partition: number; partitions: number };

async function sweepShard(tx: ScopedTx, input: ShardInput): Promise<ShardOutcome> {
  // JIT would compile this statement's expressions at every run (~0.3 s): more than a steady-state sweep takes.
  // A batch's sorts, hashes and CTEs (tens of thousands of rows) spill to temporary files at the default 4 MB.
  await sql`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`.execute(tx);
  // Partitions by a hash of the tenant, not its id, which may go with anything (plans, creation order).
  const partition = input.partitions > 1 ? sql`and (hashint4(k.tenant_id) & 2147483647) % ${input.partitions}::integer = ${input.partition}::integer` : sql``;
  const result = await sql<ShardOutcome>`
    -- Materialized: read once and hashed, not scanned again for every ticket of the batch.
    with plans as materialized (
      select id, escalate_priority_id, escalate_team_id, escalate_assignee_id, escalate_notify_id from sla_plans where tenant_id is not null
      union all
      select * from jsonb_to_recordset(${JSON.stringify(input.publicPlans)}::jsonb)
        as p (id uuid, escalate_priority_id uuid, escalate_team_id uuid, escalate_assignee_id uuid, escalate_notify_id uuid)
    ),
    ranks as (select * from jsonb_to_recordset(${JSON.stringify(input.ranks)}::jsonb) as r (id uuid, rank integer)),
    -- The batch: due clocks in tenant order, so that a backlog is worked off a range of tenants per
    -- run and each tenant's breaches go into one digest.
    clocks as (select k.tenant_id, k.ticket_id from sla_clocks k
      where k.due_at <= now() and not (k.tenant_id = any (${input.skip}::integer[])) ${partition}
      order by k.tenant_id, k.due_at limit ${input.batch}),
    due as materialized (
      select t.ctid as tid, p.escalate_priority_id, p.escalate_team_id, p.escalate_assignee_id, p.escalate_notify_id, r.rank as escalate_rank,
        (p.escalate_priority_id is not null or p.escalate_team_id is not null or p.escalate_assignee_id is not null) as escalates
      from (select distinct tenant_id, ticket_id from clocks) c
        join tickets t on t.id = c.ticket_id and t.tenant_id = c.tenant_id
        left join plans p on p.id = t.sla_plan_id
        left join ranks r on r.id = p.escalate_priority_id
      -- Updated in the order of the table's pages (each read once, in sequence; the update is HOT,
      -- so no index is written); the events are inserted in tenant order below.
      order by t.ctid
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
    -- A breached clock leaves the work list (setting a breach fires no trigger).
    cleared as (
      -- In key order (tenant first): the batch is a range of tenants, so a few pages of the key.
      delete from sla_clocks k using (select tenant_id, id, clock from breaches order by tenant_id, id, clock) b
      where k.tenant_id = b.tenant_id and k.ticket_id = b.id and k.clock = b.clock
      returning 1
    ),
    events as (
      insert into thread_entries (tenant_id, ticket_id, kind, body_html, data)
      select b.tenant_id, b.id, 'event', '', jsonb_build_object('event', 'sla-breach', 'clock', b.clock, 'dueAt', b.due)
        || case when b.escalates then jsonb_build_object('escalation', jsonb_build_object('priorityId', b.priority_id, 'teamId', b.team_id, 'assigneeId', b.assignee_id)) else '{}'::jsonb end
      from breaches b
      -- Tenant order: the thread entries' index leads with tenant_id.
      order by b.tenant_id, b.id
      returning 1
    ),
    -- The assignee and the plan's team lead, once each per breach (a lead who is the assignee is one recipient).
    notices as (
      select b.tenant_id, b.id as ticket_id, b.number, b.subject, b.clock, b.due, r.contact_id
      from breaches b cross join lateral (values (b.assignee_id), (nullif(b.escalate_notify_id, b.assignee_id))) r (contact_id)
      where r.contact_id is not null
    ),
    mailed as (${digestRows(sql`notices`, sql`(select id, email, name from contacts where status = 'active')`)} returning 1)
    select (select count(*)::integer from marked) as tickets,
      (select count(*)::integer from events) as breaches,
      (select count(*)::integer from marked where escalates) as escalated,
      (select count(*)::integer from mailed) as mailed,
      (select count(*) from clocks) >= ${input.batch} as more,
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
 * Queues the notices whose recipient lives on another shard, in this shard's transaction, one mail
 * per recipient and tenant as for the others. `ctx` reads only the other shards' tenants, so the
 * lookups never wait for this shard's own connection.
 */
async function mailElsewhere(ctx: TenancyContext, tx: ScopedTx, notices: Notice[]): Promise<number> {
  const recipients: { id: string; email: string; name: string }[] = [];
  for (const id of new Set(notices.map((n) => n.contact_id))) {
    const [contact] = await listObjects(ctx, 'contact', { where: { id, status: 'active' }, limit: 1 });
    if (contact) recipients.push({ id, email: contact.email as string, name: contact.name as string });
  }
  if (!recipients.length) return 0;
  const result = await sql`${digestRows(
    sql`(select * from jsonb_to_recordset(${JSON.stringify(notices)}::jsonb) as x (tenant_id integer, ticket_id uuid, number text, subject text, clock text, due text, contact_id uuid))`,
    sql`(select * from jsonb_to_recordset(${JSON.stringify(recipients)}::jsonb) as x (id uuid, email text, name text))`,
  )} returning 1`.execute(tx);
  return result.rows.length;
}

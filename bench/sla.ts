import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Role } from '../src/db/schema.ts';
import type { DeskContext } from '../src/desk/desk-context.ts';
import { ticketSummary } from '../src/desk/reports/ticket-summary.ts';
import { jobHandlers } from '../src/jobs/background-work.ts';
import { enqueue } from '../src/jobs/enqueue.ts';
import { JobRunner } from '../src/jobs/job-runner.ts';
import { slaSweep } from '../src/jobs/sla-sweep.ts';
import { SWEEP_BATCH, SWEEP_PARTITIONS } from '../src/sla/sweep-overdue.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { systemContext } from '../src/tenancy/system-context.ts';
import { isMain, LOCAL_POSTGRES, parseArgs } from './support/args.ts';
import { catalogShape, loadCatalog } from './support/fixture.ts';
import { baselineSummary, baselineSweep } from './support/sla-baseline.ts';
import { serverCpu } from './support/server-cpu.ts';
import { databaseUrl, runStatement } from './support/server.ts';
import { fixed, ratio, summarize, table } from './support/stats.ts';

/**
 * Targets: the overdue sweep over 1,000,000 open tickets in 10,000 tenants finishes in under 10 s;
 * the service provider's dashboard summary over 100 tenants answers in under 200 ms.
 *
 * On a PostgreSQL server, in a database of its own (td_bench_sla), loaded with set-based SQL: the
 * catalog, one agent per tenant, a public SLA plan that escalates to "urgent" and mails a team lead,
 * and `tickets` open tickets spread over the tenants with due dates around now, about `overdue`
 * per mille of them past due. That database is then the template of copies, one per measured sweep,
 * so that before and after start from the same backlog (plus the minutes between the copies):
 * - before: the sweep as it was (support/sla-baseline.ts), the whole backlog in one statement;
 * - after: the scheduled job through the real JobRunner, one batch per run, each run enqueuing the
 *   next while a batch comes back full, until the backlog is worked off; then two more runs (the
 *   steady state, every minute).
 * `rounds` rounds alternate the order. The dashboard is `ticketSummary` for a role reading 100
 * tenants that hold `dashboardTickets` more tickets each, of every state, over 90 days, alternated
 * with the summary as it was, on the last copy.
 */
export type SlaBenchOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  tickets: number;
  overduePerMille: number;
  dashboardTickets: number;
  iterations: number;
  rounds: number;
  /** Clocks per partition in one run of the job (SWEEP_BATCH when 0). */
  batch: number;
  keep: boolean;
};

const log = (message: string) => console.error(`[sla] ${message}`);

async function load(database: Database, options: SlaBenchOptions): Promise<number> {
  const started = performance.now();
  await loadCatalog(database.owner, catalogShape(options.tenants));
  const db = database.owner;
  await sql`insert into contacts (tenant_id, kind, email, name) select id, 'agent', 'agent@' || slug || '.bench.test', 'Agent ' || id from tenants`.execute(db);
  await sql`insert into sla_plans (tenant_id, name, first_response_minutes, resolution_minutes, escalate_priority_id, escalate_notify_id)
    select null, 'Bench plan', 60, 480, (select id from priorities where slug = 'urgent'), (select id from contacts where tenant_id = 1)`.execute(db);
  const chunk = 250_000;
  for (let from = 1; from <= options.tickets; from += chunk) {
    const to = Math.min(options.tickets, from + chunk - 1);
    // Due dates spread over ±50,000 s around now; `overduePerMille` of them already past.
    await sql`insert into tickets (tenant_id, subject, status, priority_id, assignee_id, sla_plan_id, created_at, first_response_due_at, resolution_due_at)
      select 1 + g % ${options.tenants}::integer, 'Ticket ' || g, 'open', (select id from priorities where slug = 'normal'),
        c.id, (select id from sla_plans limit 1), now() - interval '1 day',
        case when g % 2 = 0 then d.at end, d.at
      from generate_series(${from}::integer, ${to}::integer) g
        join contacts c on c.tenant_id = 1 + g % ${options.tenants}::integer,
        lateral (select now() + (((g::bigint * 7919) % 100000) - ${options.overduePerMille * 100}) * interval '1 second' as at) d`.execute(db);
    log(`tickets ${to}/${options.tickets} (${fixed((performance.now() - started) / 1000, 1)} s)`);
  }
  // The dashboard's tenants: 100 of them with a history of every state over 90 days.
  await sql`insert into tickets (tenant_id, subject, status, created_at, first_responded_at, resolved_at, first_response_due_at, resolution_due_at)
    select t.id, 'History ' || g, s.status, c.at, c.at + ((g * 13) % 600) * interval '1 minute',
      case when s.status in ('resolved', 'closed') then c.at + ((g * 29) % 5000) * interval '1 minute' end,
      c.at + interval '60 minutes', c.at + interval '480 minutes'
    from generate_series(2, 101) t(id), generate_series(1, ${options.dashboardTickets}::integer) g,
      lateral (select (array['open', 'pending', 'resolved', 'closed', 'closed', 'resolved'])[1 + g % 6] as status) s,
      lateral (select now() - ((g * 37) % 2160) * interval '1 hour' as at) c`.execute(db);
  await sql`vacuum analyze tickets, sla_clocks`.execute(db);
  return (performance.now() - started) / 1000;
}

type SweepFigures = { variant: string; tickets: number; breaches: number; escalated: number; mailed: number; notified: number; seconds: number; runs: number; longest: number; cpu: number | null; load: number };
type Counts = Pick<SweepFigures, 'tickets' | 'breaches' | 'escalated' | 'mailed' | 'notified'>;

const load1 = () => loadavg()[0]!;
const copyName = (options: SlaBenchOptions, n: number) => `${options.database}_copy${n}`;

/** What the sweep left in the database, counted the same way for both variants. */
async function swept(database: Database): Promise<Counts> {
  return (await sql<Counts>`select
      (select count(*)::integer from tickets where first_response_breached_at is not null or resolution_breached_at is not null) as tickets,
      (select count(*)::integer from thread_entries where kind = 'event' and data->>'event' = 'sla-breach') as breaches,
      (select count(*)::integer from tickets where version > 1) as escalated,
      (select count(*)::integer from mail_outbox) as mailed,
      -- Breaches times recipients: one per mail before, a digest's count after.
      (select coalesce(sum(coalesce((template_data->>'count')::integer, 1)), 0)::integer from mail_outbox) as notified`.execute(database.owner)).rows[0]!;
}

/** One variant on a fresh copy of the loaded database; returns its figures and the copy, still open. */
async function measureSweep(options: SlaBenchOptions, copy: string, variant: 'before' | 'after'): Promise<{ figures: SweepFigures; database: Database; steady: number[] }> {
  await runStatement(options.adminUrl, `drop database if exists ${copy} with (force)`);
  await runStatement(options.adminUrl, `create database ${copy} template ${options.database}`);
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(options.adminUrl, copy), poolMax: 6 });
  // The statement before found its candidates in these partial indexes (migration 0014), which
  // migration 0023 replaced with sla_clocks: its copy gets them back, outside the timing.
  if (variant === 'before') {
    await sql`create index tickets_resolution_due on tickets (resolution_due_at)
      where resolution_breached_at is null and sla_paused_at is null and status in ('open', 'pending')`.execute(database.owner);
    await sql`create index tickets_first_response_due on tickets (first_response_due_at)
      where first_responded_at is null and first_response_breached_at is null and sla_paused_at is null and status in ('open', 'pending')`.execute(database.owner);
    await sql`analyze tickets`.execute(database.owner);
  }
  const shards = new Shards(database);
  const catalog = (await Catalog.load(database, 0)).snapshot();
  const ctx = systemContext(shards, DEFAULT_TENANCY, catalog);
  const runner = new JobRunner({ shards, settings: DEFAULT_TENANCY, catalog: () => catalog }, { handlers: jobHandlers });
  const runJob = async (key: string) => {
    await enqueue(database.owner, slaSweep, { tenantId: null, payload: options.batch ? { batch: options.batch } : {}, key });
    const times: number[] = [];
    for (;;) {
      const t0 = performance.now();
      const outcome = await runner.runNext(database);
      if (!outcome) return times;
      if (outcome.state !== 'done') throw new Error(`sweep job ended ${outcome.state}`);
      times.push((performance.now() - t0) / 1000);
    }
  };
  const cpu = serverCpu(copy);
  const loadAverage = load1();
  const t0 = performance.now();
  const runBefore = async () => {
    await baselineSweep(ctx, database);
    return [(performance.now() - t0) / 1000];
  };
  const runs = variant === 'before' ? await runBefore() : await runJob('bench-backlog');
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.stop();
  const figures = { variant, ...(await swept(database)), seconds, runs: runs.length, longest: Math.max(...runs), cpu: used, load: loadAverage };
  log(`sweep ${variant}: ${JSON.stringify(figures)}`);
  // The steady state: the job as the schedule fires it, a minute's new breaches at most.
  const steady = variant === 'after' ? [...(await runJob('bench-next-1')), ...(await runJob('bench-next-2'))] : [];
  await shards.close();
  return { figures, database, steady };
}

const sweepRow = (f: SweepFigures) => [f.variant, String(f.tickets), String(f.breaches), String(f.mailed), String(f.notified), String(f.runs), fixed(f.longest, 2), fixed(f.seconds, 2), f.cpu === null ? 'n/a' : fixed(f.cpu, 1), fixed(f.load, 1)];

/** The dashboard, after and before alternating, on `database` (swept). */
async function measureDashboard(database: Database, options: SlaBenchOptions) {
  const shards = new Shards(database);
  const catalog = (await Catalog.load(database, 0)).snapshot();
  const reporter = { slug: 'sp-dashboard', permissions: ['report.read'] } as unknown as Role;
  const hundred = Array.from({ length: 100 }, (_, i) => i + 2);
  const desk: DeskContext = { ...systemContext(shards, DEFAULT_TENANCY, catalog), access: { read: hundred, write: [], writePublic: false }, actor: { contactId: '00000000-0000-0000-0000-000000000000', kind: 'staff', activeRole: reporter } };
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const after: number[] = [];
  const before: number[] = [];
  const loadAverage = load1();
  let answer: Awaited<ReturnType<typeof ticketSummary>> | undefined;
  for (let i = 0; i < options.iterations + 3; i++) {
    for (const variant of i % 2 ? ['before', 'after'] : ['after', 'before']) {
      const t0 = performance.now();
      if (variant === 'after') answer = await ticketSummary(desk, { from: from.toISOString(), to: to.toISOString() });
      else {
        const old = await baselineSummary(desk, from, to);
        if (answer && (old.open !== answer.open || old.resolved !== answer.resolved || old.res_median !== answer.resolutionMinutes.median || old.fr_p90 !== answer.firstResponseMinutes.p90)) {
          throw new Error(`the summaries differ: ${JSON.stringify(old)} / ${JSON.stringify(answer)}`);
        }
      }
      if (i >= 3) (variant === 'after' ? after : before).push(performance.now() - t0);
    }
  }
  await shards.close();
  return { after: summarize(after), before: summarize(before), answer: answer!, load: (loadAverage + load1()) / 2 };
}

export async function runSlaBench(options: SlaBenchOptions): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.database)) throw new Error(`unsafe database name "${options.database}"`);
  await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  await runStatement(options.adminUrl, `create database ${options.database}`);
  let database: Database | undefined = await openDatabase({ kind: 'postgres', url: databaseUrl(options.adminUrl, options.database), poolMax: 4 });
  const copies: string[] = [];
  try {
    await migrate(database);
    log(`loading ${options.tenants} tenants, ${options.tickets} open tickets`);
    const loadSeconds = await load(database, options);
    // A template may have no connection while it is copied.
    await database.close();
    database = undefined;

    const sweeps: SweepFigures[] = [];
    let steady: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of round % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
        const copy = copyName(options, copies.length);
        copies.push(copy);
        const measured = await measureSweep(options, copy, variant);
        sweeps.push(measured.figures);
        if (variant === 'after') steady = measured.steady;
        await database?.close();
        database = measured.database;
      }
    }
    const explain = (await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, costs off) select k.tenant_id, k.ticket_id from sla_clocks k
      where k.due_at <= now() order by k.tenant_id, k.due_at limit ${options.batch || SWEEP_BATCH}`.execute(database!.owner)).rows.map((r) => r['QUERY PLAN']).join('\n');
    const dashboard = await measureDashboard(database!, options);
    const a = dashboard.answer;
    const mean = (variant: string, pick: (f: SweepFigures) => number) => {
      const of = sweeps.filter((f) => f.variant === variant);
      return of.reduce((n, f) => n + pick(f), 0) / of.length;
    };
    const perBreach = (variant: string, pick: (f: SweepFigures) => number) => mean(variant, (f) => pick(f) / f.breaches);
    return [
      '## SLA: overdue sweep and dashboard (PostgreSQL)',
      '',
      `${options.tenants} tenants, ${options.tickets} open tickets (${options.overduePerMille}‰ past due at load), ${100 * options.dashboardTickets} more tickets in the dashboard's 100 tenants; load ${fixed(loadSeconds, 1)} s. After: batches of ${options.batch || SWEEP_BATCH} clocks, ${SWEEP_PARTITIONS} partitions.`,
      '',
      `### Overdue sweep, the whole backlog (target < 10 s), ${options.rounds} round(s)`,
      table(['variant', 'tickets', 'breaches', 'mails', 'breaches notified', 'runs (transactions)', 'longest run s', 'total s', 'server CPU s', 'load (1 min)'], sweeps.map(sweepRow)),
      '',
      `After / before, per breach: wall ${ratio(perBreach('after', (f) => f.seconds), perBreach('before', (f) => f.seconds))}` +
        (sweeps.every((f) => f.cpu !== null) ? `, server CPU ${ratio(perBreach('after', (f) => f.cpu!), perBreach('before', (f) => f.cpu!))}` : '') +
        `. Steady state (the next two runs of the job): ${steady.map((s) => fixed(s, 3)).join(' s, ')} s.`,
      '',
      'EXPLAIN (ANALYZE, BUFFERS) of the batch\'s clocks, in the steady state:',
      '',
      '```',
      explain,
      '```',
      '',
      `### SP dashboard summary over 100 tenants (target < 200 ms), ${options.iterations} runs each after 3 warm-up, alternating; load ${fixed(dashboard.load, 1)}`,
      table(['variant', 'median ms', 'p95 ms', 'min ms', 'max ms'], [
        ['after', fixed(dashboard.after.median, 1), fixed(dashboard.after.p95, 1), fixed(dashboard.after.min, 1), fixed(dashboard.after.max, 1)],
        ['before', fixed(dashboard.before.median, 1), fixed(dashboard.before.p95, 1), fixed(dashboard.before.min, 1), fixed(dashboard.before.max, 1)],
      ]),
      '',
      `After / before (medians): ${ratio(dashboard.after.median, dashboard.before.median)}. Answer: open ${a.open}, created ${a.created}, resolved ${a.resolved}, resolution median ${a.resolutionMinutes.median} min, ${a.tenants?.length} tenant rows.`,
    ].join('\n');
  } finally {
    await database?.close();
    for (const copy of copies) await runStatement(options.adminUrl, `drop database if exists ${copy} with (force)`);
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
}

export function slaOptionsFromArgs(): SlaBenchOptions {
  const args = parseArgs();
  return {
    adminUrl: args.string('url', process.env.BENCH_DATABASE_URL ?? LOCAL_POSTGRES),
    database: args.string('database', 'td_bench_sla'),
    tenants: args.int('tenants', 10_000),
    tickets: args.int('tickets', 1_000_000),
    overduePerMille: args.int('overdue', 50),
    dashboardTickets: args.int('dashboard-tickets', 1_000),
    iterations: args.int('iterations', 20),
    rounds: args.int('rounds', 2),
    batch: args.int('batch', 0),
    keep: args.flag('keep'),
  };
}

if (isMain(import.meta.url)) console.log(await runSlaBench(slaOptionsFromArgs()));

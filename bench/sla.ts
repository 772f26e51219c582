import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Role } from '../src/db/schema.ts';
import { ticketSummary } from '../src/desk/reports/ticket-summary.ts';
import { sweepOverdue } from '../src/sla/sweep-overdue.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { systemContext } from '../src/tenancy/system-context.ts';
import { isMain, parseArgs } from './support/args.ts';
import { catalogShape, loadCatalog } from './support/fixture.ts';
import { databaseUrl, runStatement } from './support/server.ts';
import { fixed, summarize, table } from './support/stats.ts';

/**
 * Targets: the overdue sweep over 1,000,000 open tickets in 10,000 tenants finishes in under 10 s;
 * the service provider's dashboard summary over 100 tenants answers in under 200 ms.
 *
 * On a PostgreSQL server, in a database of its own (td_bench_sla), loaded with set-based SQL: the
 * catalog, one agent per tenant, a public SLA plan that escalates to "urgent" and mails a team lead,
 * and `tickets` open tickets spread over the tenants with due dates around now, about `overdue`
 * per mille of them past due. The sweep is `sweepOverdue` as the scheduled job runs it: the first
 * run marks the backlog (breaches, events, mail, escalations), the next finds nothing new (the
 * steady state, every minute). The dashboard is `ticketSummary` for a role reading 100 tenants that
 * hold `dashboardTickets` more tickets each, of every state, over 90 days.
 */
export type SlaBenchOptions = { adminUrl: string; database: string; tenants: number; tickets: number; overduePerMille: number; dashboardTickets: number; iterations: number; keep: boolean };

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
  await sql`vacuum analyze tickets`.execute(db);
  return (performance.now() - started) / 1000;
}

export async function runSlaBench(options: SlaBenchOptions): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.database)) throw new Error(`unsafe database name "${options.database}"`);
  await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  await runStatement(options.adminUrl, `create database ${options.database}`);
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(options.adminUrl, options.database), poolMax: 4 });
  const shards = new Shards(database);
  try {
    await migrate(database);
    log(`loading ${options.tenants} tenants, ${options.tickets} open tickets`);
    const loadSeconds = await load(database, options);
    const catalog = (await Catalog.load(database, 0)).snapshot();
    const ctx = systemContext(shards, DEFAULT_TENANCY, catalog);
    const sweeps: string[][] = [];
    for (const label of ['first run: the backlog', 'next run: nothing new', 'third run: nothing new']) {
      const t0 = performance.now();
      const result = await sweepOverdue(ctx);
      const seconds = (performance.now() - t0) / 1000;
      sweeps.push([label, String(result.tickets), String(result.breaches), String(result.escalated), String(result.mailed), fixed(seconds, 2)]);
      log(`sweep ${label}: ${JSON.stringify(result)} in ${fixed(seconds, 2)} s`);
    }
    const explain = (await sql<{ 'QUERY PLAN': string }>`explain select id from tickets t where t.resolution_breached_at is null and t.sla_paused_at is null
      and t.status in ('open', 'pending') and t.resolution_due_at <= now() order by t.resolution_due_at limit 200000`.execute(database.owner)).rows.map((r) => r['QUERY PLAN']).join('\n');

    const reporter = { slug: 'sp-dashboard', permissions: ['report.read'] } as unknown as Role;
    const hundred = Array.from({ length: 100 }, (_, i) => i + 2);
    const desk = { ...ctx, access: { read: hundred, write: [], writePublic: false }, actor: { contactId: '00000000-0000-0000-0000-000000000000', kind: 'staff' as const, activeRole: reporter } };
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const samples: number[] = [];
    let last: Awaited<ReturnType<typeof ticketSummary>> | undefined;
    for (let i = 0; i < options.iterations + 3; i++) {
      const t0 = performance.now();
      last = await ticketSummary(desk, { from });
      if (i >= 3) samples.push(performance.now() - t0);
    }
    const s = summarize(samples);
    return [
      '## SLA: overdue sweep and dashboard (PostgreSQL)',
      '',
      `${options.tenants} tenants, ${options.tickets} open tickets (${options.overduePerMille}‰ past due at load), ${100 * options.dashboardTickets} more tickets in the dashboard's 100 tenants; load ${fixed(loadSeconds, 1)} s.`,
      '',
      '### Overdue sweep (target < 10 s)',
      table(['run', 'tickets', 'breaches', 'escalated', 'mails', 'seconds'], sweeps),
      '',
      '```',
      explain,
      '```',
      '',
      `### SP dashboard summary over 100 tenants (target < 200 ms), ${options.iterations} runs after 3 warm-up`,
      table(['median ms', 'p95 ms', 'min ms', 'max ms'], [[fixed(s.median, 1), fixed(s.p95, 1), fixed(s.min, 1), fixed(s.max, 1)]]),
      '',
      `Answer: open ${last?.open}, created ${last?.created}, resolved ${last?.resolved}, resolution median ${last?.resolutionMinutes.median} min, ${last?.tenants?.length} tenant rows.`,
    ].join('\n');
  } finally {
    await shards.close();
    await database.close();
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
}

export function slaOptionsFromArgs(): SlaBenchOptions {
  const args = parseArgs();
  return {
    adminUrl: args.string('url', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
    database: args.string('database', 'td_bench_sla'),
    tenants: args.int('tenants', 10_000),
    tickets: args.int('tickets', 1_000_000),
    overduePerMille: args.int('overdue', 50),
    dashboardTickets: args.int('dashboard-tickets', 1_000),
    iterations: args.int('iterations', 20),
    keep: args.flag('keep'),
  };
}

if (isMain(import.meta.url)) console.log(await runSlaBench(slaOptionsFromArgs()));

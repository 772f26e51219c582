import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { Role } from '../../src/db/schema.ts';
import type { DeskContext } from '../../src/desk/desk-context.ts';
import { backlogReport } from '../../src/desk/reports/backlog-report.ts';
import { dailyReport } from '../../src/desk/reports/daily-report.ts';
import { ticketSummary, type SummaryFigures } from '../../src/desk/reports/ticket-summary.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import type { Access } from '../../src/tenancy/access.ts';
import { forEachDatabase } from '../support/databases.ts';

const REPORTER = { slug: 'reporter', permissions: ['report.read'] } as unknown as Role;
const NOW = new Date();
const RANGE = { from: new Date(NOW.getTime() - 40 * 86_400_000).toISOString(), to: NOW.toISOString() };

type TicketFacts = {
  tenant_id: number;
  status: string;
  priority_id: string | null;
  created: number;
  responded: number | null;
  resolved: number | null;
  response_due: number | null;
  resolution_due: number | null;
  response_breached: boolean;
  resolution_breached: boolean;
};

/** Tickets of one tenant, loaded with SQL: states, times and due dates spread deterministically. */
async function loadTickets(database: Database, tenantId: number, count: number, priorities: string[], now: Date): Promise<void> {
  await sql`insert into tickets (tenant_id, subject, status, priority_id, created_at, first_responded_at, resolved_at,
      first_response_due_at, resolution_due_at, first_response_breached_at, resolution_breached_at)
    select ${tenantId}, 'Ticket ' || g, s.status, (${priorities}::uuid[])[1 + g % 4], c.at,
      case when g % 3 <> 0 then c.at + ((g * 13) % 600) * interval '1 minute' + (g % 7) * interval '1 second' end,
      case when s.status in ('resolved', 'closed') then c.at + ((g * 29) % 5000) * interval '1 minute' end,
      case when g % 5 <> 0 then c.at + interval '120 minutes' end,
      case when g % 5 <> 0 then c.at + interval '2000 minutes' end,
      case when g % 11 = 0 then c.at + interval '121 minutes' end,
      case when g % 7 = 0 then c.at + interval '2001 minutes' end
    from generate_series(1, ${count}::integer) g,
      lateral (select (array['open', 'pending', 'resolved', 'closed'])[1 + (g * ${tenantId}) % 4] as status) s,
      lateral (select ${now}::timestamptz - ((g * 37) % 2000) * interval '1 hour' as at) c`.execute(database.owner);
}

async function facts(database: Database): Promise<TicketFacts[]> {
  const ms = (column: string) => sql`(extract(epoch from ${sql.ref(column)}) * 1000)::float8`;
  return (await sql<TicketFacts>`select tenant_id, status, priority_id, ${ms('created_at')} as created, ${ms('first_responded_at')} as responded,
      ${ms('resolved_at')} as resolved, ${ms('first_response_due_at')} as response_due, ${ms('resolution_due_at')} as resolution_due,
      first_response_breached_at is not null as response_breached, resolution_breached_at is not null as resolution_breached
    from tickets`.execute(database.owner)).rows;
}

/** percentile_cont, the textbook way: sort every value, interpolate between the two nearest ranks. */
function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = sorted[Math.floor(position)]!;
  return lower + (sorted[Math.ceil(position)]! - lower) * (position - Math.floor(position));
}

/** The summary's figures computed straight from the rows. */
function expected(rows: TicketFacts[]): SummaryFigures {
  const from = Date.parse(RANGE.from);
  const to = Date.parse(RANGE.to);
  const inRange = (t: number | null) => t !== null && t >= from && t < to;
  const unresolved = rows.filter((r) => r.status === 'open' || r.status === 'pending');
  const responded = rows.filter((r) => inRange(r.responded)).map((r) => Math.floor((r.responded! - r.created) / 60_000));
  const resolvedRows = rows.filter((r) => inRange(r.resolved));
  const resolved = resolvedRows.map((r) => Math.floor((r.resolved! - r.created) / 60_000));
  const tracked = resolvedRows.filter((r) => r.resolution_due !== null);
  const met = tracked.filter((r) => r.resolved! <= r.resolution_due! && (r.response_due === null || (r.responded !== null && r.responded <= r.response_due)));
  return {
    open: unresolved.length,
    overdue: unresolved.filter((r) => r.resolution_breached || (r.response_breached && r.responded === null)).length,
    created: rows.filter((r) => inRange(r.created)).length,
    resolved: resolvedRows.length,
    firstResponseMinutes: { median: percentile(responded, 0.5), p90: percentile(responded, 0.9) },
    resolutionMinutes: { median: percentile(resolved, 0.5), p90: percentile(resolved, 0.9) },
    slaCompliance: tracked.length ? Math.round((met.length / tracked.length) * 10_000) / 100 : null,
  };
}

const figures = (s: SummaryFigures): SummaryFigures => ({
  open: s.open,
  overdue: s.overdue,
  created: s.created,
  resolved: s.resolved,
  firstResponseMinutes: s.firstResponseMinutes,
  resolutionMinutes: s.resolutionMinutes,
  slaCompliance: s.slaCompliance,
});

forEachDatabase('reports across tenants and shards', (db) => {
  let shards: Shards;
  let rows: TicketFacts[];
  let t: Record<string, number>;
  let deskFor: (access: Access) => DeskContext;
  let priorities: string[];

  before(async () => {
    shards = new Shards(db());
    for (const [slug, silo] of [['sp', false], ['acme', false], ['globex', false], ['vault', true]] as const) {
      await createTenant(db(), DEFAULT_TENANCY, { slug, name: slug, silo }, shards);
    }
    const catalog = (await Catalog.load(db(), 0)).snapshot();
    t = Object.fromEntries([...catalog.bySlug].map(([slug, tenant]) => [slug, tenant.id]));
    priorities = (await sql<{ id: string }>`select id from priorities order by rank`.execute(db().owner)).rows.map((r) => r.id);
    const silo = await shards.get('silo-vault');
    await loadTickets(db(), t.acme!, 300, priorities, NOW);
    await loadTickets(db(), t.globex!, 200, priorities, NOW);
    await loadTickets(silo, t.vault!, 250, priorities, NOW);
    rows = [...(await facts(db())), ...(await facts(silo))];
    deskFor = (access) => ({ database: db(), shards, settings: DEFAULT_TENANCY, catalog, access, actor: { contactId: '00000000-0000-0000-0000-000000000000', kind: 'staff', activeRole: REPORTER } });
  });
  after(async () => {
    await shards?.close();
  });

  it('equals the figures computed from the rows, for a service-provider role across pool and silo, and per tenant', async () => {
    const summary = await ticketSummary(deskFor({ read: 'all', write: [], writePublic: false }), RANGE);
    assert.deepEqual(figures(summary), expected(rows));
    assert.ok(summary.resolved > 50 && summary.resolutionMinutes.p90 !== null && summary.slaCompliance !== null && summary.overdue > 0, JSON.stringify(figures(summary)));
    assert.deepEqual(summary.tenants!.map((s) => s.tenantId), [t.acme, t.globex, t.vault]);
    for (const tenant of summary.tenants!) assert.deepEqual(figures(tenant), expected(rows.filter((r) => r.tenant_id === tenant.tenantId)), `tenant ${tenant.tenantId}`);
  });

  it('reads only the tenants of the role, and narrows to one tenant on request', async () => {
    const group = await ticketSummary(deskFor({ read: [t.acme!, t.vault!], write: [], writePublic: false }), RANGE);
    assert.deepEqual(figures(group), expected(rows.filter((r) => r.tenant_id === t.acme || r.tenant_id === t.vault)));
    const one = await ticketSummary(deskFor({ read: [t.globex!], write: [], writePublic: false }), RANGE);
    assert.deepEqual(figures(one), expected(rows.filter((r) => r.tenant_id === t.globex)));
    assert.equal(one.tenants, undefined, 'no breakdown for a role reading one tenant');
    const narrowed = await ticketSummary(deskFor({ read: 'all', write: [], writePublic: false }), { ...RANGE, tenantId: t.vault! });
    assert.deepEqual(figures(narrowed), expected(rows.filter((r) => r.tenant_id === t.vault)));
    const outside = await ticketSummary(deskFor({ read: [t.globex!], write: [], writePublic: false }), { ...RANGE, tenantId: t.acme! });
    assert.deepEqual([outside.open, outside.created, outside.resolved], [0, 0, 0], 'another tenant’s figures are not there to see');
  });

  it('counts per day and by priority what the rows say', async () => {
    const desk = deskFor({ read: 'all', write: [], writePublic: false });
    const daily = await dailyReport(desk, { ...RANGE, timeZone: 'Europe/Paris' });
    const sum = (key: 'created' | 'resolved') => daily.days.reduce((n, d) => n + d[key], 0);
    const e = expected(rows);
    assert.deepEqual([sum('created'), sum('resolved')], [e.created, e.resolved]);
    assert.ok(daily.days.length >= 40 && daily.days.length <= 41, `${daily.days.length} days, empty ones included`);
    const backlog = await backlogReport(desk, { by: 'priority' });
    for (const item of backlog.items) {
      const mine = rows.filter((r) => r.priority_id === item.id && (r.status === 'open' || r.status === 'pending'));
      assert.deepEqual([item.open, item.pending], [mine.filter((r) => r.status === 'open').length, mine.filter((r) => r.status === 'pending').length]);
      assert.ok(item.label, 'priorities are named');
    }
    assert.equal(backlog.items.reduce((n, i) => n + i.total, 0), e.open);
  });
});

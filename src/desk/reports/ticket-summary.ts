import { sql, type RawBuilder } from 'kysely';
import type { ScopedTx } from '../../db/scope.ts';
import { aggregateObjects } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { mergeHistograms, quantiles, type Quantiles } from './percentiles.ts';
import { readsSeveralTenants, reportContext, reportRange, type ReportQuery, type ReportRange } from './report-scope.ts';

/**
 * The dashboard's figures over a date range, for the tenants the caller reads (and per tenant for
 * roles reading several):
 * - `open`: tickets not resolved or closed (open or pending), now;
 * - `overdue`: of those, the ones with a resolution breach, or a first-response breach still unanswered;
 * - `created`, `resolved`: tickets created, resolved (last entered resolved/closed) within the range;
 * - `firstResponseMinutes`, `resolutionMinutes`: median and 90th percentile, in whole wall-clock
 *   minutes since the ticket opened, of the first responses and resolutions within the range;
 * - `slaCompliance`: of the tickets resolved within the range that had a resolution due date, the
 *   percentage resolved by it and answered by their first-response due date (null when none).
 */
export type SummaryFigures = {
  open: number;
  overdue: number;
  created: number;
  resolved: number;
  firstResponseMinutes: Quantiles;
  resolutionMinutes: Quantiles;
  slaCompliance: number | null;
};

export type TicketSummary = SummaryFigures & { from: Date; to: Date; tenants?: (SummaryFigures & { tenantId: number })[] };

type SummaryRow = {
  tenant_id: number | null;
  total: boolean;
  open: number;
  overdue: number;
  created: number;
  resolved: number;
  fr_median: number | null;
  fr_p90: number | null;
  res_median: number | null;
  res_p90: number | null;
  sla_total: number;
  sla_met: number;
};
type Bin = { clock: 'fr' | 'res'; value: number; count: number };
type ShardAnswer = { rows: SummaryRow[]; bins: Bin[] };

/** The visible tickets that matter to the range, with what each contributes. */
function measured(rows: RawBuilder<boolean>, range: ReportRange) {
  const { from, to } = range;
  return sql`with t as (
      select tenant_id, status, created_at, resolved_at, first_responded_at, first_response_due_at, resolution_due_at,
        first_response_breached_at, resolution_breached_at
      from tickets
      where ${rows} and (status in ('open', 'pending') or created_at >= ${from} or resolved_at >= ${from} or first_responded_at >= ${from})
    ), m as (
      select t.*, status in ('open', 'pending') as unresolved,
        (created_at >= ${from} and created_at < ${to}) as created_in,
        coalesce(resolved_at >= ${from} and resolved_at < ${to}, false) as resolved_in,
        coalesce(first_responded_at >= ${from} and first_responded_at < ${to}, false) as responded_in,
        -- date_part, not extract: extract gives numeric, whose arithmetic and sorts made the
        -- percentiles cost three times the scan (bench/README.md, dashboard); float8 is exact here
        -- (microseconds, durations far below 2^53 of them).
        floor(date_part('epoch', first_responded_at - created_at) / 60) as fr_minutes,
        floor(date_part('epoch', resolved_at - created_at) / 60) as res_minutes
      from t
    )`;
}

async function shardSummary(tx: ScopedTx, rows: RawBuilder<boolean>, range: ReportRange, withBins: boolean): Promise<ShardAnswer> {
  const figures = await sql<SummaryRow>`${measured(rows, range)}
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
    from m group by grouping sets ((tenant_id), ())`.execute(tx);
  if (!withBins) return { rows: figures.rows, bins: [] };
  const bins = await sql<Bin>`${measured(rows, range)}
    select 'fr' as clock, fr_minutes::integer as value, count(*)::integer as count from m where responded_in group by fr_minutes
    union all
    select 'res', res_minutes::integer, count(*)::integer from m where resolved_in group by res_minutes`.execute(tx);
  return { rows: figures.rows, bins: bins.rows };
}

const compliance = (met: number, total: number) => (total ? Math.round((met / total) * 10_000) / 100 : null);

function figuresOf(row: SummaryRow): SummaryFigures {
  return {
    open: row.open,
    overdue: row.overdue,
    created: row.created,
    resolved: row.resolved,
    firstResponseMinutes: { median: row.fr_median, p90: row.fr_p90 },
    resolutionMinutes: { median: row.res_median, p90: row.res_p90 },
    slaCompliance: compliance(row.sla_met, row.sla_total),
  };
}

export async function ticketSummary(desk: DeskContext, query: ReportQuery): Promise<TicketSummary> {
  const range = reportRange(query);
  const ctx = reportContext(desk, query.tenantId);
  // One shard answers its own total exactly; several send histograms to merge (percentiles.ts).
  const answers = await aggregateObjects(ctx, 'ticket', (tx, rows, scatter) => shardSummary(tx, rows, range, scatter.shards > 1));
  const totals = answers.flatMap((a) => a.rows.filter((r) => r.total));
  const sum = (key: 'open' | 'overdue' | 'created' | 'resolved' | 'sla_total' | 'sla_met') => totals.reduce((n, r) => n + r[key], 0);
  const merged = (clock: Bin['clock']) => quantiles(mergeHistograms(answers.map((a) => a.bins.filter((b) => b.clock === clock))));
  const single = answers.length === 1 ? totals[0] : undefined;
  const summary: TicketSummary = {
    from: range.from,
    to: range.to,
    open: sum('open'),
    overdue: sum('overdue'),
    created: sum('created'),
    resolved: sum('resolved'),
    firstResponseMinutes: single ? figuresOf(single).firstResponseMinutes : merged('fr'),
    resolutionMinutes: single ? figuresOf(single).resolutionMinutes : merged('res'),
    slaCompliance: compliance(sum('sla_met'), sum('sla_total')),
  };
  if (readsSeveralTenants(ctx)) {
    const perTenant = answers.flatMap((a) => a.rows.filter((r) => !r.total && r.tenant_id !== null));
    summary.tenants = perTenant.map((r) => ({ tenantId: r.tenant_id!, ...figuresOf(r) })).sort((a, b) => a.tenantId - b.tenantId);
  }
  return summary;
}

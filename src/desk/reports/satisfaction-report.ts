import { sql } from 'kysely';
import { aggregateObjects } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { reportContext } from './report-scope.ts';

/** Ratings of one tenant, or of all readable ones: how many, their average, good (4-5) and bad (1-2). */
export type SatisfactionFigures = { ratings: number; average: number | null; good: number; bad: number };
export type SatisfactionReport = SatisfactionFigures & { tenants: (SatisfactionFigures & { tenantId: number })[] };

type Sums = { tenant_id: number; ratings: number; total: number; good: number; bad: number };

const figures = (s: Omit<Sums, 'tenant_id'>): SatisfactionFigures => ({
  ratings: s.ratings,
  average: s.ratings ? Math.round((s.total / s.ratings) * 100) / 100 : null,
  good: s.good,
  bad: s.bad,
});

/**
 * Customer satisfaction over the ratings the role reads (decision 0123), per tenant and in all:
 * a tenant's agents see their own, the service provider every tenant it reads. Sums merge across
 * shards; the average is computed from them.
 */
export async function satisfactionReport(desk: DeskContext, query: { tenantId?: number }): Promise<SatisfactionReport> {
  const ctx = reportContext(desk, query.tenantId);
  const answers = await aggregateObjects(ctx, 'satisfactionRating', async (tx, rows) =>
    (await sql<Sums>`select tenant_id, count(*)::integer as ratings, sum(rating)::integer as total,
        count(*) filter (where rating >= 4)::integer as good, count(*) filter (where rating <= 2)::integer as bad
      from satisfaction_ratings where ${rows} group by tenant_id`.execute(tx)).rows,
  );
  const perTenant = answers.flat().sort((a, b) => a.tenant_id - b.tenant_id);
  const all = perTenant.reduce((sum, t) => ({ ratings: sum.ratings + t.ratings, total: sum.total + t.total, good: sum.good + t.good, bad: sum.bad + t.bad }), { ratings: 0, total: 0, good: 0, bad: 0 });
  return { ...figures(all), tenants: perTenant.map((t) => ({ tenantId: t.tenant_id, ...figures(t) })) };
}

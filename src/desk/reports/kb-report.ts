import { sql } from 'kysely';
import { aggregateObjects } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { readsSeveralTenants, reportContext, reportRange, type ReportQuery } from './report-scope.ts';

/**
 * The knowledge base's figures over a date range, counted in the tenants the caller reads (where
 * the readers were), per tenant for roles reading several:
 * - `views` of articles by readers (agents opening one are not counted), `searches` made and
 *   `searchesWithoutResult` (the articles to write next), `deflections` (tickets not opened),
 *   `helpful` / `notHelpful` votes;
 * - `topArticles` (most viewed) and `unanswered` (the commonest searches that found nothing).
 */
export type KbFigures = { views: number; searches: number; searchesWithoutResult: number; deflections: number; helpful: number; notHelpful: number };
export type KbReport = KbFigures & {
  from: Date;
  to: Date;
  tenants?: (KbFigures & { tenantId: number })[];
  topArticles: { articleId: string; views: number; helpful: number; notHelpful: number }[];
  unanswered: { query: string; searches: number }[];
};

type FigureRow = KbFigures & { tenant_id: number | null; total: boolean };
type ShardAnswer = { figures: FigureRow[]; articles: { article_id: string; views: number; helpful: number; not_helpful: number }[]; unanswered: { query: string; searches: number }[] };

const ZERO: KbFigures = { views: 0, searches: 0, searchesWithoutResult: 0, deflections: 0, helpful: 0, notHelpful: 0 };
const add = (a: KbFigures, b: KbFigures): KbFigures => Object.fromEntries(Object.keys(ZERO).map((k) => [k, a[k as keyof KbFigures] + Number(b[k as keyof KbFigures])])) as KbFigures;

export async function kbReport(desk: DeskContext, query: ReportQuery): Promise<KbReport> {
  const ctx = reportContext(desk, query.tenantId);
  const { from, to } = reportRange(query);
  const shards = await aggregateObjects<ShardAnswer>(ctx, 'kbEvent', async (tx, rows) => {
    const events = sql`with e as (select * from kb_events where ${rows} and created_at >= ${from} and created_at < ${to})`;
    const figures = await sql<FigureRow>`${events}
      select tenant_id, grouping(tenant_id) = 1 as total,
        count(*) filter (where kind = 'view')::integer as views,
        count(*) filter (where kind = 'search')::integer as searches,
        count(*) filter (where kind = 'search' and results = 0)::integer as "searchesWithoutResult",
        count(*) filter (where kind = 'deflection')::integer as deflections,
        count(*) filter (where kind = 'feedback' and helpful)::integer as helpful,
        count(*) filter (where kind = 'feedback' and not helpful)::integer as "notHelpful"
      from e group by rollup (tenant_id)`.execute(tx);
    const articles = await sql<ShardAnswer['articles'][number]>`${events}
      select article_id, count(*) filter (where kind = 'view')::integer as views,
        count(*) filter (where kind = 'feedback' and helpful)::integer as helpful,
        count(*) filter (where kind = 'feedback' and not helpful)::integer as not_helpful
      from e where article_id is not null group by article_id order by 2 desc, 1 limit 50`.execute(tx);
    const unanswered = await sql<ShardAnswer['unanswered'][number]>`${events}
      select lower(query) as query, count(*)::integer as searches from e
      where kind = 'search' and results = 0 and query is not null group by 1 order by 2 desc, 1 limit 50`.execute(tx);
    return { figures: figures.rows, articles: articles.rows, unanswered: unanswered.rows };
  });
  const total = shards.flatMap((s) => s.figures.filter((f) => f.total)).reduce(add, ZERO);
  const perTenant = shards.flatMap((s) => s.figures.filter((f) => !f.total && f.tenant_id !== null)).map((f) => ({ tenantId: f.tenant_id!, ...add(ZERO, f) }));
  const articles = new Map<string, { articleId: string; views: number; helpful: number; notHelpful: number }>();
  for (const a of shards.flatMap((s) => s.articles)) {
    const seen = articles.get(a.article_id) ?? { articleId: a.article_id, views: 0, helpful: 0, notHelpful: 0 };
    articles.set(a.article_id, { articleId: a.article_id, views: seen.views + a.views, helpful: seen.helpful + a.helpful, notHelpful: seen.notHelpful + a.not_helpful });
  }
  const unanswered = new Map<string, number>();
  for (const u of shards.flatMap((s) => s.unanswered)) unanswered.set(u.query, (unanswered.get(u.query) ?? 0) + u.searches);
  return {
    from,
    to,
    ...total,
    ...(readsSeveralTenants(ctx) ? { tenants: perTenant.sort((a, b) => a.tenantId - b.tenantId) } : {}),
    topArticles: [...articles.values()].sort((a, b) => b.views - a.views || a.articleId.localeCompare(b.articleId)).slice(0, 20),
    unanswered: [...unanswered].map(([q, searches]) => ({ query: q, searches })).sort((a, b) => b.searches - a.searches || a.query.localeCompare(b.query)).slice(0, 20),
  };
}

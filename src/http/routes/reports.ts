import type { FastifyInstance } from 'fastify';
import { backlogReport, type BacklogDimension } from '../../desk/reports/backlog-report.ts';
import { dailyReport } from '../../desk/reports/daily-report.ts';
import type { ReportQuery } from '../../desk/reports/report-scope.ts';
import { ticketSummary, type SummaryFigures } from '../../desk/reports/ticket-summary.ts';
import { kbReport, type KbFigures } from '../../desk/reports/kb-report.ts';
import { sendCsv, toCsv, wantsCsv } from '../csv.ts';
import { deskOf } from '../desk-request.ts';

/** Reports for dashboards and exports: JSON, or CSV with `Accept: text/csv` or `?format=csv`. */
const tags = ['reports'];
const format = { type: 'string', enum: ['json', 'csv'] } as const;
const when = { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', format: 'date' }] } as const;
const rangeQuery = {
  type: 'object',
  properties: { from: when, to: when, timeZone: { type: 'string', minLength: 1, maxLength: 64 }, tenantId: { type: 'integer' }, format },
  additionalProperties: false,
} as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const minutes = { type: ['number', 'null'] } as const;
const quantiles = { type: 'object', properties: { median: minutes, p90: minutes } } as const;
const figures = {
  open: { type: 'integer' },
  overdue: { type: 'integer' },
  created: { type: 'integer' },
  resolved: { type: 'integer' },
  firstResponseMinutes: quantiles,
  resolutionMinutes: quantiles,
  slaCompliance: { type: ['number', 'null'], description: 'percentage, 0 to 100' },
} as const;
const summaryShape = {
  type: 'object',
  properties: {
    from: dateTime,
    to: dateTime,
    ...figures,
    tenants: { type: 'array', items: { type: 'object', properties: { tenantId: { type: 'integer' }, tenant: { type: ['string', 'null'] }, ...figures } } },
  },
} as const;
const dailyShape = {
  type: 'object',
  properties: {
    from: dateTime,
    to: dateTime,
    timeZone: { type: 'string' },
    days: { type: 'array', items: { type: 'object', properties: { date: { type: 'string', format: 'date' }, created: { type: 'integer' }, resolved: { type: 'integer' } } } },
  },
} as const;
const backlogShape = {
  type: 'object',
  properties: {
    by: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: ['string', 'null'] }, label: { type: ['string', 'null'] }, open: { type: 'integer' }, pending: { type: 'integer' }, overdue: { type: 'integer' }, total: { type: 'integer' } },
      },
    },
  },
} as const;
const kbFigures = {
  views: { type: 'integer' },
  searches: { type: 'integer' },
  searchesWithoutResult: { type: 'integer' },
  deflections: { type: 'integer' },
  helpful: { type: 'integer' },
  notHelpful: { type: 'integer' },
} as const;
const kbShape = {
  type: 'object',
  properties: {
    from: dateTime,
    to: dateTime,
    ...kbFigures,
    tenants: { type: 'array', items: { type: 'object', properties: { tenantId: { type: 'integer' }, tenant: { type: ['string', 'null'] }, ...kbFigures } } },
    topArticles: { type: 'array', items: { type: 'object', properties: { articleId: { type: 'string' }, views: { type: 'integer' }, helpful: { type: 'integer' }, notHelpful: { type: 'integer' } } } },
    unanswered: { type: 'array', items: { type: 'object', properties: { query: { type: 'string' }, searches: { type: 'integer' } } } },
  },
} as const;
const KB_COLUMNS = ['tenant', 'views', 'searches', 'searchesWithoutResult', 'deflections', 'helpful', 'notHelpful'];
const kbCells = (tenant: string, f: KbFigures) => [tenant, f.views, f.searches, f.searchesWithoutResult, f.deflections, f.helpful, f.notHelpful];
/** JSON or CSV, both documented. */
const answers = (shape: object) => ({ 200: { content: { 'application/json': { schema: shape }, 'text/csv': { schema: { type: 'string' } } } } });

type RangeRequest = { Querystring: ReportQuery & { format?: 'json' | 'csv' } };
const SUMMARY_COLUMNS = ['tenant', 'open', 'overdue', 'created', 'resolved', 'firstResponseMedian', 'firstResponseP90', 'resolutionMedian', 'resolutionP90', 'slaCompliance'];
const summaryCells = (tenant: string, f: SummaryFigures) => [
  tenant,
  f.open,
  f.overdue,
  f.created,
  f.resolved,
  f.firstResponseMinutes.median,
  f.firstResponseMinutes.p90,
  f.resolutionMinutes.median,
  f.resolutionMinutes.p90,
  f.slaCompliance,
];

export async function reportRoutes(app: FastifyInstance): Promise<void> {
  app.get<RangeRequest>(
    '/api/v1/reports/summary',
    { schema: { tags, summary: 'Open, overdue, created, resolved, response and resolution times, SLA compliance; per tenant for roles reading several', querystring: rangeQuery, response: answers(summaryShape) } },
    async (request, reply) => {
      const { format: _format, ...query } = request.query;
      const summary = await ticketSummary(deskOf(request), query);
      const slug = (id: number) => request.ctx.catalog.byId.get(id)?.slug ?? null;
      const tenants = summary.tenants?.map((t) => ({ ...t, tenant: slug(t.tenantId) }));
      if (wantsCsv(request)) {
        const rows = [...(tenants ?? []).map((t) => summaryCells(t.tenant ?? String(t.tenantId), t)), summaryCells('(all)', summary)];
        return sendCsv(reply, 'summary.csv', toCsv(SUMMARY_COLUMNS, rows));
      }
      return { ...summary, ...(tenants ? { tenants } : {}) };
    },
  );

  app.get<RangeRequest>(
    '/api/v1/reports/daily',
    { schema: { tags, summary: 'Tickets created and resolved per day (days of timeZone)', querystring: rangeQuery, response: answers(dailyShape) } },
    async (request, reply) => {
      const { format: _format, ...query } = request.query;
      const report = await dailyReport(deskOf(request), query);
      if (wantsCsv(request)) return sendCsv(reply, 'daily.csv', toCsv(['date', 'created', 'resolved'], report.days.map((d) => [d.date, d.created, d.resolved])));
      return report;
    },
  );

  app.get<{ Querystring: { by: BacklogDimension; tenantId?: number; format?: 'json' | 'csv' } }>(
    '/api/v1/reports/backlog',
    {
      schema: {
        tags,
        summary: 'Open and pending tickets now, by department, agent or priority',
        querystring: {
          type: 'object',
          properties: { by: { type: 'string', enum: ['department', 'agent', 'priority'] }, tenantId: { type: 'integer' }, format },
          required: ['by'],
          additionalProperties: false,
        },
        response: answers(backlogShape),
      },
    },
    async (request, reply) => {
      const report = await backlogReport(deskOf(request), { by: request.query.by, ...(request.query.tenantId !== undefined ? { tenantId: request.query.tenantId } : {}) });
      if (wantsCsv(request)) {
        return sendCsv(reply, `backlog-${report.by}.csv`, toCsv([report.by, 'label', 'open', 'pending', 'overdue', 'total'], report.items.map((i) => [i.id, i.label, i.open, i.pending, i.overdue, i.total])));
      }
      return report;
    },
  );

  app.get<RangeRequest>(
    '/api/v1/reports/kb',
    { schema: { tags, summary: 'Knowledge base: views, searches (and those with no result), deflections, helpfulness; per tenant for roles reading several', querystring: rangeQuery, response: answers(kbShape) } },
    async (request, reply) => {
      const { format: _format, ...query } = request.query;
      const report = await kbReport(deskOf(request), query);
      const slug = (id: number) => request.ctx.catalog.byId.get(id)?.slug ?? null;
      const tenants = report.tenants?.map((t) => ({ ...t, tenant: slug(t.tenantId) }));
      if (wantsCsv(request)) {
        const rows = [...(tenants ?? []).map((t) => kbCells(t.tenant ?? String(t.tenantId), t)), kbCells('(all)', report)];
        return sendCsv(reply, 'kb.csv', toCsv(KB_COLUMNS, rows));
      }
      return { ...report, ...(tenants ? { tenants } : {}) };
    },
  );
}

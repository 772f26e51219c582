import type { FastifyInstance } from 'fastify';
import { satisfactionReport } from '../../desk/reports/satisfaction-report.ts';
import { rateTicket, ratingState, type RatingInput } from '../../desk/satisfaction/rate-ticket.ts';
import { sendCsv, toCsv, wantsCsv } from '../csv.ts';
import { deskOf, presentRow } from '../desk-request.ts';
import { idParams } from './ticket-schemas.ts';

const stateShape = { type: 'object', properties: { canRate: { type: 'boolean' }, rating: { type: ['integer', 'null'] }, comment: { type: ['string', 'null'] } } } as const;
const ratingShape = {
  type: 'object',
  properties: { id: { type: 'string' }, ticketId: { type: 'string' }, rating: { type: 'integer' }, comment: { type: ['string', 'null'] }, resolvedAt: { type: 'string' }, createdAt: { type: 'string' } },
} as const;
export const rateBody = {
  type: 'object',
  properties: { rating: { type: 'integer', minimum: 1, maximum: 5 }, comment: { type: 'string', maxLength: 2000 } },
  required: ['rating'],
  additionalProperties: false,
} as const;
const figures = { ratings: { type: 'integer' }, average: { type: ['number', 'null'] }, good: { type: 'integer' }, bad: { type: 'integer' } } as const;
const reportShape = {
  type: 'object',
  properties: { ...figures, tenants: { type: 'array', items: { type: 'object', properties: { tenantId: { type: 'integer' }, tenant: { type: ['string', 'null'] }, ...figures } } } },
} as const;

/** Customer satisfaction (decision 0123): the requester rates a resolution; reports add them up. */
export async function satisfactionRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/tickets/:id/satisfaction',
    { schema: { tags: ['tickets'], summary: 'The rating of the ticket’s current resolution, and whether the caller may rate it', params: idParams, response: { 200: stateShape } } },
    async (request) => ratingState(deskOf(request), request.params.id),
  );

  app.post<{ Params: { id: string }; Body: RatingInput }>(
    '/api/v1/tickets/:id/satisfaction',
    { schema: { tags: ['tickets'], summary: 'Rate the resolution of your ticket (1-5, optional comment), once per resolution', params: idParams, body: rateBody, response: { 201: ratingShape } } },
    async (request, reply) => reply.status(201).send(presentRow(request, await rateTicket(deskOf(request), request.params.id, request.body))),
  );

  app.get<{ Querystring: { tenantId?: number; format?: 'json' | 'csv' } }>(
    '/api/v1/reports/satisfaction',
    {
      schema: {
        tags: ['reports'],
        summary: 'Customer satisfaction ratings: count, average, good and bad, per tenant and in all',
        querystring: { type: 'object', properties: { tenantId: { type: 'integer' }, format: { type: 'string', enum: ['json', 'csv'] } }, additionalProperties: false },
        response: { 200: { content: { 'application/json': { schema: reportShape }, 'text/csv': { schema: { type: 'string' } } } } },
      },
    },
    async (request, reply) => {
      const report = await satisfactionReport(deskOf(request), request.query.tenantId !== undefined ? { tenantId: request.query.tenantId } : {});
      const tenants = report.tenants.map((t) => ({ ...t, tenant: request.ctx.catalog.byId.get(t.tenantId)?.slug ?? null }));
      if (wantsCsv(request)) {
        const cells = (name: string, f: typeof report) => [name, f.ratings, f.average, f.good, f.bad];
        return sendCsv(reply, 'satisfaction.csv', toCsv(['tenant', 'ratings', 'average', 'good', 'bad'], [...tenants.map((t) => cells(t.tenant ?? String(t.tenantId), { ...t, tenants: [] })), cells('(all)', report)]));
      }
      return { ...report, tenants };
    },
  );
}

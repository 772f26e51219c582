import type { FastifyInstance } from 'fastify';
import { BULK_LIMIT, bulkUpdateTickets, type BulkAction, type BulkItem } from '../../desk/tickets/bulk-update-tickets.ts';
import { deskOf, presentRow } from '../desk-request.ts';
import { nullableUuid, ticketShape, uuid } from './ticket-schemas.ts';

type BulkBody = { tickets: BulkItem[] } & BulkAction;

const bulkBody = {
  type: 'object',
  properties: {
    tickets: {
      type: 'array',
      minItems: 1,
      maxItems: BULK_LIMIT,
      items: { type: 'object', properties: { id: uuid, version: { type: 'integer', minimum: 1 } }, required: ['id', 'version'], additionalProperties: false },
    },
    action: { type: 'string', enum: ['assign', 'status', 'close', 'merge'] },
    assigneeId: nullableUuid,
    status: { type: 'string', minLength: 1, maxLength: 63 },
    targetId: uuid,
  },
  required: ['tickets', 'action'],
  additionalProperties: false,
  allOf: [
    { if: { properties: { action: { const: 'assign' } } }, then: { required: ['assigneeId'] } },
    { if: { properties: { action: { const: 'status' } } }, then: { required: ['status'] } },
    { if: { properties: { action: { const: 'merge' } } }, then: { required: ['targetId'] } },
  ],
} as const;

const resultShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    ok: { type: 'boolean' },
    ticket: ticketShape,
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } },
  },
} as const;

/** One action on a selection of the queue: each ticket changed entirely or not at all, each reported. */
export async function ticketBulkRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: BulkBody }>(
    '/api/v1/tickets/bulk',
    { schema: { tags: ['tickets'], summary: 'Assign, change the status of, close or merge several tickets; a result per ticket', body: bulkBody, response: { 200: { type: 'object', properties: { results: { type: 'array', items: resultShape } } } } } },
    async (request) => {
      const { tickets, ...action } = request.body;
      const results = await bulkUpdateTickets(deskOf(request), tickets, action as BulkAction);
      return { results: results.map((r) => (r.ok ? { id: r.id, ok: true, ticket: presentRow(request, r.ticket) } : r)) };
    },
  );
}

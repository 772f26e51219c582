import type { FastifyInstance } from 'fastify';
import { listAuditEvents, type AuditQuery } from '../../desk/audit/list-audit-events.ts';
import { deskOf, presentRow } from '../desk-request.ts';

const auditEventShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: ['integer', 'null'] },
    tenant: { type: ['string', 'null'] },
    actorContactId: { type: ['string', 'null'] },
    action: { type: 'string' },
    objectType: { type: ['string', 'null'] },
    objectId: { type: ['string', 'null'] },
    data: { type: 'object', additionalProperties: true },
    ip: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const auditQuery = {
  type: 'object',
  properties: { tenantId: { type: 'integer' }, limit: { type: 'integer', minimum: 1, maximum: 200 }, cursor: { type: 'string', maxLength: 200 } },
  additionalProperties: false,
} as const;

/** The audit log, for tenant administrators and the service provider (`admin.tenant`). */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: AuditQuery }>(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit events of the readable tenants, newest first, by cursor',
        querystring: auditQuery,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: auditEventShape }, nextCursor: { type: ['string', 'null'] } } } },
      },
    },
    async (request) => {
      const page = await listAuditEvents(deskOf(request), request.query);
      return { items: page.items.map((e) => presentRow(request, e)), nextCursor: page.nextCursor };
    },
  );
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addRequester } from '../../desk/requesters/add-requester.ts';
import { searchRequesters } from '../../desk/requesters/search-requesters.ts';
import type { Row } from '../../tenancy/data-access.ts';
import { deskOf } from '../desk-request.ts';
import { tenantForRequest } from '../tenant-param.ts';

const requesterShape = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, kind: { type: 'string' }, tenant: { type: ['string', 'null'] } },
} as const;

const present = (request: FastifyRequest, row: Row) => ({
  id: row.id,
  name: row.name,
  email: row.email,
  kind: row.kind,
  tenant: typeof row.tenant_id === 'number' ? (request.ctx.catalog.byId.get(row.tenant_id)?.slug ?? null) : null,
});

const tenantParam = { type: 'string', maxLength: 63 } as const;

/**
 * The requester picker of an agent's new ticket: the contacts of the ticket's tenant (`tenant`, or
 * the caller's only writable one) found by name or email, and a new customer added by address.
 */
export async function requesterRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { tenant?: string; q?: string } }>(
    '/api/v1/requesters',
    {
      schema: {
        summary: "Contacts of the ticket's tenant matching q (name or email), for a ticket's requester",
        querystring: { type: 'object', properties: { tenant: tenantParam, q: { type: 'string', maxLength: 200 } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { requesters: { type: 'array', items: requesterShape } } } },
      },
    },
    async (request) => {
      const rows = await searchRequesters(deskOf(request), { tenantId: tenantForRequest(request.ctx, request.query.tenant), q: request.query.q });
      return { requesters: rows.map((r) => present(request, r)) };
    },
  );

  app.post<{ Body: { tenant?: string; email: string; name?: string } }>(
    '/api/v1/requesters',
    {
      schema: {
        summary: "The tenant's contact with this email address, or a new customer of the tenant (201)",
        body: {
          type: 'object',
          properties: { tenant: tenantParam, email: { type: 'string', minLength: 3, maxLength: 254 }, name: { type: 'string', maxLength: 200 } },
          required: ['email'],
          additionalProperties: false,
        },
        response: { 200: requesterShape, 201: requesterShape },
      },
    },
    async (request, reply) => {
      const { tenant, ...input } = request.body;
      const { contact, created } = await addRequester(deskOf(request), { ...input, tenantId: tenantForRequest(request.ctx, tenant) });
      return reply.status(created ? 201 : 200).send(present(request, contact));
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { listLookupChoices, lookupField } from '../../desk/lookups/list-lookup-choices.ts';
import { deskOf } from '../desk-request.ts';
import { tenantForRequest } from '../tenant-param.ts';

const choicesReply = {
  type: 'object',
  properties: {
    choices: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' }, tenant: { type: ['string', 'null'] } } },
    },
  },
} as const;

/**
 * The choices a user may pick for a reference field of an object being edited, e.g.
 * `GET /api/v1/lookups/ticket/category_id?tenant=acme-eu`: what the reference rules allow and the
 * caller may read, for the fields of the caller's own forms (403 for others, 404 for no such field).
 */
export async function lookupRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { type: string; field: string }; Querystring: { tenant?: string } }>(
    '/api/v1/lookups/:type/:field',
    {
      schema: {
        params: { type: 'object', properties: { type: { type: 'string', maxLength: 50 }, field: { type: 'string', maxLength: 60 } }, required: ['type', 'field'] },
        querystring: { type: 'object', properties: { tenant: { type: 'string', maxLength: 63 } }, additionalProperties: false },
        response: { 200: choicesReply },
      },
    },
    async (request) => {
      const desk = deskOf(request);
      const lookup = lookupField(desk, request.params.type, request.params.field);
      const choices = await listLookupChoices(desk, lookup, tenantForRequest(request.ctx, request.query.tenant));
      return { choices: choices.map((c) => ({ id: c.id, label: c.label, tenant: c.tenant_id === null ? null : request.ctx.catalog.byId.get(c.tenant_id)?.slug ?? null })) };
    },
  );
}

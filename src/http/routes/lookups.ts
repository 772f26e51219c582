import type { FastifyInstance } from 'fastify';
import { registry, type ObjectTypeName } from '../../db/registry.ts';
import { AppError } from '../../errors.ts';
import { listChoices } from '../../tenancy/data-access.ts';
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
 * `GET /api/v1/lookups/ticket/category_id?tenant=acme-eu`: exactly what the reference rules allow.
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
      const { type, field } = request.params;
      if (!Object.hasOwn(registry, type)) throw new AppError('NOT_FOUND', `No object type "${type}".`, 'type');
      const tenantId = tenantForRequest(request.ctx, request.query.tenant);
      const choices = await listChoices(request.ctx, type as ObjectTypeName, field, tenantId);
      return { choices: choices.map((c) => ({ id: c.id, label: c.label, tenant: c.tenant_id === null ? null : request.ctx.catalog.byId.get(c.tenant_id)?.slug ?? null })) };
    },
  );
}

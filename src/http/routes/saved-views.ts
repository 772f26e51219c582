import type { FastifyInstance } from 'fastify';
import { deleteSavedView, listSavedViews, renameSavedView, saveView, VIEW_FILTERS, type ViewFilters } from '../../desk/views/saved-views.ts';
import { deskOf } from '../desk-request.ts';
import { idParams } from './ticket-schemas.ts';

const viewShape = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, filters: { type: 'object', additionalProperties: { type: 'string' } }, createdAt: { type: 'string' } },
} as const;

const filtersSchema = {
  type: 'object',
  properties: Object.fromEntries(VIEW_FILTERS.map((name) => [name, { type: 'string', maxLength: 200 }])),
  additionalProperties: false,
} as const;

const viewName = { type: 'string', minLength: 1, maxLength: 80 } as const;

const present = (row: Record<string, unknown>) => ({ id: row.id, name: row.name, filters: row.filters, createdAt: (row.created_at as Date).toISOString() });

/** An agent's saved views of the queue (personal queues): its own only. */
export async function savedViewRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/saved-views', { schema: { response: { 200: { type: 'object', properties: { views: { type: 'array', items: viewShape } } } } } }, async (request) => ({
    views: (await listSavedViews(deskOf(request))).map(present),
  }));

  app.post<{ Body: { name: string; filters: ViewFilters } }>(
    '/api/v1/saved-views',
    {
      schema: {
        body: { type: 'object', properties: { name: viewName, filters: filtersSchema }, required: ['name', 'filters'], additionalProperties: false },
        response: { 201: viewShape },
      },
    },
    async (request, reply) => reply.status(201).send(present(await saveView(deskOf(request), request.body))),
  );

  app.patch<{ Params: { id: string }; Body: { name: string } }>(
    '/api/v1/saved-views/:id',
    {
      schema: {
        params: idParams,
        body: { type: 'object', properties: { name: viewName }, required: ['name'], additionalProperties: false },
        response: { 200: viewShape },
      },
    },
    async (request) => present(await renameSavedView(deskOf(request), request.params.id, request.body.name)),
  );

  app.delete<{ Params: { id: string } }>('/api/v1/saved-views/:id', { schema: { params: idParams } }, async (request, reply) => {
    await deleteSavedView(deskOf(request), request.params.id);
    return reply.status(204).send();
  });
}

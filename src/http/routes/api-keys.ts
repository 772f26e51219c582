import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { createApiKey, revokeApiKey } from '../../identity/api-keys.ts';
import { findObject, listObjects } from '../../tenancy/data-access.ts';

const keyShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    allowedIps: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const createBody = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 200 },
    role: { type: 'string', maxLength: 63 },
    allowedIps: { type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 },
  },
  additionalProperties: false,
} as const;

/** The signed-in contact's own API keys: listed, created (the key is shown once), revoked. */
export async function apiKeyRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/me/api-keys', { schema: { response: { 200: { type: 'object', properties: { apiKeys: { type: 'array', items: keyShape } } } } } }, async (request) => {
    const rows = await listObjects(request.ctx, 'apiKey', { where: { contact_id: request.actor.contactId }, orderBy: 'created_at' });
    return {
      apiKeys: rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, allowedIps: r.allowed_ips, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at })),
    };
  });

  app.post<{ Body: { name?: string; role?: string; allowedIps?: string[] } }>(
    '/api/v1/me/api-keys',
    { schema: { body: createBody, response: { 201: { type: 'object', properties: { id: { type: 'string' }, key: { type: 'string' } } } } } },
    async (request, reply) => {
      const { name, role, allowedIps } = request.body;
      const created = await createApiKey(request.ctx, request.actor.contactId, {
        contactId: request.actor.contactId,
        ...(name !== undefined ? { name } : {}),
        ...(role !== undefined ? { roleSlug: role } : {}),
        ...(allowedIps !== undefined ? { allowedIps } : {}),
      });
      return reply.status(201).send(created);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/me/api-keys/:id', async (request, reply) => {
    const key = await findObject(request.ctx, 'apiKey', request.params.id);
    if (key.contact_id !== request.actor.contactId) throw new AppError('NOT_FOUND', 'This API key was not found.');
    await revokeApiKey(request.ctx, request.actor.contactId, request.params.id);
    return reply.status(204).send();
  });
}

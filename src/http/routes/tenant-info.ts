import type { FastifyInstance } from 'fastify';

export const tenantReply = {
  type: 'object',
  properties: {
    slug: { type: 'string' },
    name: { type: 'string' },
    serviceProvider: { type: 'boolean' },
    branding: { type: 'object', additionalProperties: true },
  },
  required: ['slug', 'name', 'serviceProvider'],
} as const;

/** What anyone at a tenant's address may know before signing in: which help desk this is. */
export async function tenantInfoRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/tenant', { schema: { response: { 200: tenantReply } } }, async (request) => ({
    slug: request.tenant.slug,
    name: request.tenant.name,
    serviceProvider: request.tenant.isServiceProvider,
    branding: request.tenant.branding,
  }));
}

import type { FastifyInstance } from 'fastify';
import type { SignInThrottle } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import { guestTicketStatus } from '../../portal/guest-ticket-status.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import { assertSameOrigin } from '../plugins/authenticate.ts';

export type GuestRouteOptions = { database: Database; shards: Shards; catalog: Catalog; settings: TenancySettings; trustProxy: boolean; publicScheme: 'http' | 'https'; throttle: SignInThrottle };

const body = {
  type: 'object',
  properties: { number: { type: 'string', minLength: 1, maxLength: 40 }, email: { type: 'string', minLength: 3, maxLength: 254 } },
  required: ['number', 'email'],
  additionalProperties: false,
} as const;

const reply = {
  type: 'object',
  properties: { number: { type: 'string' }, subject: { type: 'string' }, status: { type: 'string', enum: ['open', 'pending', 'resolved', 'closed'] }, updatedAt: { type: 'string', format: 'date-time' } },
} as const;

/** The client portal's status check for people without an account (number + email), on the tenant's host. */
export async function guestStatusRoutes(app: FastifyInstance, options: GuestRouteOptions): Promise<void> {
  app.post<{ Body: { number: string; email: string } }>(
    '/api/v1/guest/ticket-status',
    { schema: { tags: ['portal'], summary: 'A ticket’s status from its number and requester email; 404 for any other pair', body, response: { 200: reply } } },
    async (request) => {
      if (request.headers.origin || request.headers.referer) assertSameOrigin(request, options);
      const tenantId = request.tenant.id;
      // Tenant boundary: a guest reads the host's tenant only, with no role and no writes.
      const ctx = {
        database: options.database,
        shards: options.shards,
        settings: options.settings,
        catalog: options.catalog.snapshot(),
        access: { read: [tenantId], write: [], writePublic: false },
        log: request.log,
      };
      const status = await guestTicketStatus(ctx, { tenantId, number: request.body.number, email: request.body.email, ip: request.ip, throttle: options.throttle });
      return { ...status, updatedAt: status.updatedAt.toISOString() };
    },
  );
}

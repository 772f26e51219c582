import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePermission } from '../../identity/permissions.ts';
import { roleAccessSpec } from '../../tenancy/access.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { Row } from '../../tenancy/data-access.ts';
import { WEBHOOK_EVENTS } from '../../webhooks/webhook-events.ts';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  presentSubscription,
  redeliver,
  rotateSecret,
  updateSubscription,
  type SubscriptionDeps,
} from '../../webhooks/webhook-subscriptions.ts';
import { presentRow } from '../desk-request.ts';
import { tenantForRequest } from '../tenant-param.ts';
import { idParams } from './ticket-schemas.ts';

const eventList = { type: 'array', minItems: 1, maxItems: WEBHOOK_EVENTS.length, items: { type: 'string', enum: [...WEBHOOK_EVENTS] } } as const;
const subscriptionShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
    active: { type: 'boolean' },
    failuresInARow: { type: 'integer' },
    disabledReason: { type: ['string', 'null'] },
    /** `all-readable`: the service provider's subscription to every tenant its role reads. */
    tenantScope: { type: 'string' },
    createdAt: { type: 'string' },
    /** Only in the answer that created or rotated it. */
    secret: { type: 'string' },
  },
} as const;
const deliveryShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    eventId: { type: 'string' },
    event: { type: 'string' },
    state: { type: 'string' },
    attempts: { type: 'integer' },
    lastStatus: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    nextAttemptAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    deliveredAt: { type: ['string', 'null'] },
  },
} as const;
const deliveryParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, deliveryId: { type: 'string', format: 'uuid' } },
  required: ['id', 'deliveryId'],
  additionalProperties: false,
} as const;

const present = (request: FastifyRequest, row: Row) => presentRow(request, presentSubscription(row));

/** A tenant's webhook subscriptions and their delivery log, for its administrators (`admin.tenant`). */
export async function webhookRoutes(app: FastifyInstance, options: SubscriptionDeps & { catalog: Pick<Catalog, 'refresh'> }): Promise<void> {
  app.get('/api/v1/webhooks', { schema: { response: { 200: { type: 'object', properties: { webhooks: { type: 'array', items: subscriptionShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return { webhooks: (await listSubscriptions(request.ctx)).map((s) => present(request, s)) };
  });

  app.post<{ Body: { tenant?: string; url: string; events: string[]; description?: string; tenantScope?: 'tenant' | 'all-readable' } }>(
    '/api/v1/webhooks',
    {
      schema: {
        body: { type: 'object', properties: { tenant: { type: 'string', maxLength: 63 }, url: { type: 'string', minLength: 8, maxLength: 2000 }, events: eventList, description: { type: 'string', maxLength: 500 }, tenantScope: { type: 'string', enum: ['tenant', 'all-readable'] } }, required: ['url', 'events'], additionalProperties: false },
        response: { 201: subscriptionShape },
      },
    },
    async (request, reply) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      const { tenant, ...input } = request.body;
      // The service provider's one subscription to every tenant it reads lives at its own tenant, reaching what its active role reads.
      const allReadable = input.tenantScope === 'all-readable' && tenant === undefined;
      const tenantId = allReadable ? (request.ctx.catalog.serviceProvider?.id ?? -1) : tenantForRequest(request.ctx, tenant);
      const created = await createSubscription(request.ctx, options, { ...input, tenantId, readAccess: roleAccessSpec(request.actor.activeRole).read });
      await options.catalog.refresh();
      return reply.status(201).send(present(request, created));
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/webhooks/:id', { schema: { params: idParams, response: { 200: subscriptionShape } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return present(request, await getSubscription(request.ctx, request.params.id));
  });

  app.patch<{ Params: { id: string }; Body: { events?: string[]; description?: string; active?: boolean } }>(
    '/api/v1/webhooks/:id',
    { schema: { params: idParams, body: { type: 'object', properties: { events: eventList, description: { type: 'string', maxLength: 500 }, active: { type: 'boolean' } }, minProperties: 1, additionalProperties: false }, response: { 200: subscriptionShape } } },
    async (request) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      const updated = await updateSubscription(request.ctx, request.params.id, request.body);
      await options.catalog.refresh();
      return present(request, updated);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/webhooks/:id', { schema: { params: idParams } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    await deleteSubscription(request.ctx, request.params.id);
    await options.catalog.refresh();
    return reply.status(204).send();
  });

  app.post<{ Params: { id: string } }>('/api/v1/webhooks/:id/rotate-secret', { schema: { params: idParams, response: { 200: subscriptionShape } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return present(request, await rotateSecret(request.ctx, options, request.params.id));
  });

  app.get<{ Params: { id: string } }>('/api/v1/webhooks/:id/deliveries', { schema: { params: idParams, response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: deliveryShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return { deliveries: (await listDeliveries(request.ctx, request.params.id)).map((d) => presentRow(request, d)) };
  });

  app.post<{ Params: { id: string; deliveryId: string } }>('/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver', { schema: { params: deliveryParams, response: { 202: deliveryShape } } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return reply.status(202).send(presentRow(request, await redeliver(request.ctx, request.params.id, request.params.deliveryId)));
  });
}

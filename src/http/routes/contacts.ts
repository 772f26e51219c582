import type { FastifyInstance } from 'fastify';
import { createContact } from '../../identity/create-contact.ts';
import { requirePermission } from '../../identity/permissions.ts';
import { findObject, listObjects, type Row } from '../../tenancy/data-access.ts';
import type { CatalogSnapshot } from '../../tenancy/catalog/snapshot.ts';
import { tenantForRequest } from '../tenant-param.ts';

const contactShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    kind: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
  },
} as const;

const createBody = {
  type: 'object',
  properties: {
    tenant: { type: 'string', maxLength: 63 },
    kind: { type: 'string', enum: ['agent', 'customer', 'staff'] },
    email: { type: 'string', minLength: 3, maxLength: 254 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 8, maxLength: 1024 },
    roles: { type: 'array', items: { type: 'string', maxLength: 63 }, maxItems: 20 },
  },
  required: ['kind', 'email', 'name'],
  additionalProperties: false,
} as const;

type CreateBody = { tenant?: string; kind: 'agent' | 'customer' | 'staff'; email: string; name: string; password?: string; roles?: string[] };

const present = (row: Row, catalog: CatalogSnapshot) => ({
  id: row.id,
  tenant: typeof row.tenant_id === 'number' ? catalog.byId.get(row.tenant_id)?.slug ?? null : null,
  kind: row.kind,
  email: row.email,
  name: row.name,
  status: row.status,
});

/** Contacts of the tenants the active role reads; created by administrators. */
export async function contactRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/contacts', { schema: { response: { 200: { type: 'object', properties: { contacts: { type: 'array', items: contactShape } } } } } }, async (request) => {
    // Customers do not see who else is a contact of their tenant; agents and administrators do.
    requirePermission(request.actor.activeRole, 'ticket.edit');
    const rows = await listObjects(request.ctx, 'contact', { orderBy: 'email', limit: 200 });
    return { contacts: rows.map((r) => present(r, request.ctx.catalog)) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/contacts/:id', { schema: { response: { 200: contactShape } } }, async (request) => {
    if (request.params.id !== request.actor.contactId) requirePermission(request.actor.activeRole, 'ticket.edit');
    return present(await findObject(request.ctx, 'contact', request.params.id), request.ctx.catalog);
  });

  app.post<{ Body: CreateBody }>('/api/v1/contacts', { schema: { body: createBody, response: { 201: contactShape } } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    const { tenant, ...input } = request.body;
    const contact = await createContact(request.ctx, {
      ...input,
      ...(tenant !== undefined ? { tenantId: tenantForRequest(request.ctx, tenant) } : {}),
      grantedBy: request.actor.activeRole,
    });
    return reply.status(201).send(present(contact, request.ctx.catalog));
  });
}

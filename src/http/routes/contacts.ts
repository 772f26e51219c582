import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createContact } from '../../identity/create-contact.ts';
import { requirePermission } from '../../identity/permissions.ts';
import { findObject, type Row } from '../../tenancy/data-access.ts';
import type { CatalogSnapshot } from '../../tenancy/catalog/snapshot.ts';
import { tenantForRequest } from '../tenant-param.ts';
import { updateContact, type UpdateContactInput } from '../../identity/update-contact.ts';
import { heldRoles, revokeRole } from '../../identity/role-membership.ts';
import { grantRole } from '../../identity/grant-role.ts';
import { listContactsWithRoles } from '../../identity/list-contacts.ts';
import { idParams, uuid } from './ticket-schemas.ts';

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

/** A contact in the list: with the roles it holds (slug and name), default first. */
const listedContactShape = {
  type: 'object',
  properties: {
    ...contactShape.properties,
    roles: { type: 'array', items: { type: 'object', properties: { slug: { type: 'string' }, name: { type: 'string' } } } },
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

const updateBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { type: 'string', enum: ['agent', 'customer', 'staff'] },
    status: { type: 'string', enum: ['active', 'disabled'] },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

const heldRolesReply = {
  type: 'object',
  properties: {
    roles: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' }, tenant: { type: ['string', 'null'] }, default: { type: 'boolean' } } },
    },
  },
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
  app.get('/api/v1/contacts', { schema: { response: { 200: { type: 'object', properties: { contacts: { type: 'array', items: listedContactShape } } } } } }, async (request) => {
    // Customers do not see who else is a contact of their tenant; agents and administrators do.
    requirePermission(request.actor.activeRole, 'ticket.edit');
    const rows = await listContactsWithRoles(request.ctx);
    return { contacts: rows.map((r) => ({ ...present(r, request.ctx.catalog), roles: r.roles.map((role) => ({ slug: role.slug, name: role.name })) })) };
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

  app.patch<{ Params: { id: string }; Body: UpdateContactInput }>('/api/v1/contacts/:id', { schema: { params: idParams, body: updateBody, response: { 200: contactShape } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return present(await updateContact(request.ctx, request.params.id, request.body, request.actor.contactId), request.ctx.catalog);
  });

  const rolesOf = async (request: FastifyRequest<{ Params: { id: string } }>) => ({
    roles: (await heldRoles(request.ctx, request.params.id)).map((r) => ({ id: r.id, slug: r.slug, name: r.name, tenant: present(r, request.ctx.catalog).tenant, default: r.is_default === true })),
  });

  app.get<{ Params: { id: string } }>('/api/v1/contacts/:id/roles', { schema: { params: idParams, response: { 200: heldRolesReply } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return rolesOf(request);
  });

  app.post<{ Params: { id: string }; Body: { role: string } }>(
    '/api/v1/contacts/:id/roles',
    {
      schema: {
        params: idParams,
        body: { type: 'object', properties: { role: { type: 'string', minLength: 1, maxLength: 63 } }, required: ['role'], additionalProperties: false },
        response: { 201: heldRolesReply },
      },
    },
    async (request, reply) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      await grantRole(request.ctx, { contactId: request.params.id, roleSlug: request.body.role, grantedBy: request.actor.activeRole, actorContactId: request.actor.contactId });
      return reply.status(201).send(await rolesOf(request));
    },
  );

  app.delete<{ Params: { id: string; roleId: string } }>(
    '/api/v1/contacts/:id/roles/:roleId',
    { schema: { params: { type: 'object', properties: { id: uuid, roleId: uuid }, required: ['id', 'roleId'], additionalProperties: false } } },
    async (request, reply) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      await revokeRole(request.ctx, { contactId: request.params.id, roleId: request.params.roleId, revokedBy: request.actor.activeRole, actorContactId: request.actor.contactId });
      return reply.status(204).send();
    },
  );
}

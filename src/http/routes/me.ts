import type { FastifyInstance } from 'fastify';
import type { TenantSet } from '../../db/scope.ts';
import { contactRoles, switchActiveRole } from '../../identity/sessions.ts';
import type { CatalogSnapshot } from '../../tenancy/catalog/snapshot.ts';

const roleShape = { type: 'object', properties: { id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' } } } as const;
const activeRoleShape = { type: 'object', properties: { ...roleShape.properties, permissions: { type: 'array', items: { type: 'string' } } } } as const;
const tenantsReply = {
  type: 'object',
  properties: {
    tenants: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, slug: { type: 'string' }, name: { type: 'string' }, serviceProvider: { type: 'boolean' }, writable: { type: 'boolean' } },
      },
    },
  },
} as const;
const tenantSetShape = { anyOf: [{ type: 'string', enum: ['all'] }, { type: 'array', items: { type: 'string' } }] } as const;
const meReply = {
  type: 'object',
  properties: {
    contact: { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } } },
    tenant: { type: 'object', properties: { slug: { type: 'string' }, name: { type: 'string' } } },
    roles: { type: 'array', items: roleShape },
    activeRole: activeRoleShape,
    access: { type: 'object', properties: { read: tenantSetShape, write: tenantSetShape, writePublic: { type: 'boolean' } } },
  },
} as const;

const slugs = (set: TenantSet, catalog: CatalogSnapshot) =>
  set === 'all' ? 'all' : set.map((id) => catalog.byId.get(id)?.slug).filter((s): s is string => !!s).sort();

/** The signed-in contact, its roles, its active role and what that role lets it read and write. */
export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/me', { schema: { response: { 200: meReply } } }, async (request) => {
    const { actor, ctx } = request;
    const role = (r: { id: string; slug: string; name: string }) => ({ id: r.id, slug: r.slug, name: r.name });
    return {
      contact: { id: actor.contactId, email: actor.email, name: actor.name, kind: actor.kind },
      tenant: { slug: request.tenant.slug, name: request.tenant.name },
      roles: (await contactRoles(request.tenantDbs, actor.contactId)).map(role),
      // What the active role may do, so that a front end offers only the actions that will succeed.
      activeRole: { ...role(actor.activeRole), permissions: actor.activeRole.permissions },
      access: { read: slugs(ctx.access.read, ctx.catalog), write: slugs(ctx.access.write, ctx.catalog), writePublic: ctx.access.writePublic },
    };
  });

  app.get('/api/v1/me/tenants', { schema: { summary: 'The tenants the active role reads, and whether it may write them', response: { 200: tenantsReply } } }, async (request) => {
    const { access, catalog } = request.ctx;
    const within = (set: TenantSet, id: number) => set === 'all' || set.includes(id);
    // Tenant boundary: only tenants the active role reads are named.
    const readable = [...catalog.byId.values()].filter((t) => within(access.read, t.id));
    return {
      tenants: readable
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((t) => ({ id: t.id, slug: t.slug, name: t.name, serviceProvider: t.isServiceProvider, writable: within(access.write, t.id) })),
    };
  });

  app.put<{ Body: { role: string } }>(
    '/api/v1/me/active-role',
    {
      schema: {
        body: { type: 'object', properties: { role: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['role'], additionalProperties: false },
        response: { 200: { type: 'object', properties: { activeRole: roleShape } } },
      },
    },
    async (request) => {
      const role = await switchActiveRole(request.tenantDbs, request.actor, request.body.role);
      return { activeRole: { id: role.id, slug: role.slug, name: role.name } };
    },
  );
}

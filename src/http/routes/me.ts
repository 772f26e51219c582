import type { FastifyInstance } from 'fastify';
import type { TenantSet } from '../../db/scope.ts';
import { contactRoles, switchActiveRole } from '../../identity/sessions.ts';
import type { CatalogSnapshot } from '../../tenancy/catalog/snapshot.ts';

const roleShape = { type: 'object', properties: { id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' } } } as const;
const tenantSetShape = { anyOf: [{ type: 'string', enum: ['all'] }, { type: 'array', items: { type: 'string' } }] } as const;
const meReply = {
  type: 'object',
  properties: {
    contact: { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } } },
    tenant: { type: 'object', properties: { slug: { type: 'string' }, name: { type: 'string' } } },
    roles: { type: 'array', items: roleShape },
    activeRole: roleShape,
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
      activeRole: role(actor.activeRole),
      access: { read: slugs(ctx.access.read, ctx.catalog), write: slugs(ctx.access.write, ctx.catalog), writePublic: ctx.access.writePublic },
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

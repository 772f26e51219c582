import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { countObjects } from '../../tenancy/data-access.ts';
import { createTenantGroup, deleteTenantGroup, listTenantGroups, renameTenantGroup, replaceTenantGroupMembers } from '../../tenancy/catalog/tenant-groups.ts';
import { systemContext } from '../../tenancy/system-context.ts';
import { auditInstallation, type SpAdminOptions } from './sp-admin.ts';

const groupSlug = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,126}$' } as const;
const members = { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' } } as const;
const slugParams = { type: 'object', properties: { slug: groupSlug }, required: ['slug'], additionalProperties: false } as const;

const groupShape = {
  type: 'object',
  properties: {
    slug: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['user', 'subtenants', 'supertenants', 'foreign-key', 'related'] },
    description: { type: 'string' },
    members: { type: 'array', items: { type: 'string' } },
  },
} as const;

type GroupBody = { slug: string; name: string; description?: string; members?: string[] };
type UpdateBody = { name?: string; description?: string; members?: string[] };

/**
 * Tenant groups: user-defined ones created, renamed, given members and deleted; the ones the
 * product maintains from the hierarchy listed (`?maintained=true`) and renamed, their members never edited.
 */
export async function spTenantGroupRoutes(app: FastifyInstance, { catalog }: SpAdminOptions): Promise<void> {
  const tags = ['service-provider administration'];
  const database = () => catalog.database;
  const group = async (slug: string) => {
    const found = (await listTenantGroups(database(), { includeMaintained: true })).find((g) => g.slug === slug);
    if (!found) throw new AppError('NOT_FOUND', `No tenant group "${slug}".`, 'group');
    return found;
  };

  app.get<{ Querystring: { maintained?: boolean } }>(
    '/api/v1/sp/tenant-groups',
    {
      schema: {
        tags,
        querystring: { type: 'object', properties: { maintained: { type: 'boolean' } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { groups: { type: 'array', items: groupShape } } } },
      },
    },
    async (request) => ({ groups: await listTenantGroups(database(), { includeMaintained: request.query.maintained === true }) }),
  );

  app.post<{ Body: GroupBody }>(
    '/api/v1/sp/tenant-groups',
    {
      schema: {
        tags,
        body: {
          type: 'object',
          properties: { slug: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }, name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 2000 }, members },
          required: ['slug', 'name'],
          additionalProperties: false,
        },
        response: { 201: groupShape },
      },
    },
    async (request, reply) => {
      await createTenantGroup(database(), request.body);
      await auditInstallation(request, 'tenantGroup.created', request.body.slug, { members: request.body.members ?? [] });
      return reply.status(201).send(await group(request.body.slug));
    },
  );

  app.patch<{ Params: { slug: string }; Body: UpdateBody }>(
    '/api/v1/sp/tenant-groups/:slug',
    {
      schema: {
        tags,
        params: slugParams,
        body: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 2000 }, members }, additionalProperties: false, minProperties: 1 },
        response: { 200: groupShape },
      },
    },
    async (request) => {
      const { members: tenants, ...names } = request.body;
      if (tenants !== undefined) await replaceTenantGroupMembers(database(), request.params.slug, tenants);
      if (names.name !== undefined || names.description !== undefined) await renameTenantGroup(database(), request.params.slug, names);
      await auditInstallation(request, 'tenantGroup.updated', request.params.slug, request.body);
      return group(request.params.slug);
    },
  );

  app.delete<{ Params: { slug: string } }>('/api/v1/sp/tenant-groups/:slug', { schema: { tags, params: slugParams } }, async (request, reply) => {
    // Roles live in every shard (a silo tenant's own roles in its silo): counted as the installation sees them.
    const everywhere = systemContext(request.ctx.shards, request.ctx.settings, request.ctx.catalog);
    const rolesUsing = async (id: number) => (await countObjects(everywhere, 'role', { read_group_id: id })) + (await countObjects(everywhere, 'role', { write_group_id: id }));
    await deleteTenantGroup(database(), request.params.slug, rolesUsing);
    await auditInstallation(request, 'tenantGroup.deleted', request.params.slug);
    return reply.status(204).send();
  });
}

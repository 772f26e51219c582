import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../db/schema.ts';
import { createRole } from '../../identity/create-role.ts';
import { requirePermission } from '../../identity/permissions.ts';
import { updateRole, type UpdateRoleInput } from '../../identity/update-role.ts';
import { groupSlugs } from '../../tenancy/catalog/tenant-groups.ts';
import { findObject, listObjects, type Row } from '../../tenancy/data-access.ts';
import { idParams } from './ticket-schemas.ts';

/** Tenant access as text: `all`, `own`, `tenant:<slug>` or `group:<slug>`. */
const accessText = { type: 'string', pattern: '^(all|own|tenant:[a-z0-9-]{1,63}|group:[a-z0-9._-]{1,127})$' } as const;
const permissions = { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 100, pattern: '^[a-z][a-z0-9_-]*(\\.([a-z][a-z0-9_-]*|\\*))*$' } } as const;
// Checked field by field by the data-partition schema (tenancy/data-partitions.ts).
const partitions = { type: 'array', maxItems: 20, items: { type: 'object', additionalProperties: true } } as const;
const editable = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  read: accessText,
  write: accessText,
  mayWritePublic: { type: 'boolean' },
  permissions,
  partitions,
} as const;

const roleShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: ['integer', 'null'] },
    tenant: { type: ['string', 'null'] },
    slug: { type: 'string' },
    name: { type: 'string' },
    read: { type: 'string' },
    write: { type: 'string' },
    mayWritePublic: { type: 'boolean' },
    permissions: { type: 'array', items: { type: 'string' } },
    partitions: { type: 'array', items: { type: 'object', additionalProperties: true } },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

type CreateBody = UpdateRoleInput & { tenantId?: number | null; slug: string; name: string; read: string; write: string };

/** Roles as the API shows them: access as text, tenants and groups by slug. */
async function present(request: FastifyRequest, rows: Row[]) {
  const roles = rows as unknown as Role[];
  const groups = await groupSlugs(request.ctx.database, roles.flatMap((r) => [r.read_group_id, r.write_group_id]).filter((id): id is number => id !== null));
  const slugOf = (id: number | null) => (id === null ? null : (request.ctx.catalog.byId.get(id)?.slug ?? null));
  const access = (kind: Role['read_access'], tenantId: number | null, groupId: number | null) =>
    kind === 'tenant' ? `tenant:${slugOf(tenantId) ?? '?'}` : kind === 'group' ? `group:${groups.get(groupId!) ?? '?'}` : kind;
  return roles.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    tenant: slugOf(r.tenant_id),
    slug: r.slug,
    name: r.name,
    read: access(r.read_access, r.read_tenant_id, r.read_group_id),
    write: access(r.write_access, r.write_tenant_id, r.write_group_id),
    mayWritePublic: r.may_write_public,
    permissions: r.permissions,
    partitions: r.data_partitions,
    createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : r.created_at,
  }));
}

/**
 * Roles and their tenant access and data partitions, for administrators: the public roles (shared,
 * changed only by roles that write public objects) and those of the tenants the active role reads.
 */
export async function roleRoutes(app: FastifyInstance): Promise<void> {
  const tags = ['roles'];
  app.get('/api/v1/roles', { schema: { tags, response: { 200: { type: 'object', properties: { roles: { type: 'array', items: roleShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return { roles: await present(request, await listObjects(request.ctx, 'role', { orderBy: 'slug', limit: 500 })) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/roles/:id', { schema: { tags, params: idParams, response: { 200: roleShape } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return (await present(request, [await findObject(request.ctx, 'role', request.params.id)]))[0];
  });

  app.post<{ Body: CreateBody }>(
    '/api/v1/roles',
    {
      schema: {
        tags,
        body: {
          type: 'object',
          // "tenantId": null makes a public role (roles that write public objects only).
          properties: { tenantId: { type: ['integer', 'null'] }, slug: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }, ...editable },
          required: ['slug', 'name', 'read', 'write'],
          additionalProperties: false,
        },
        response: { 201: roleShape },
      },
    },
    async (request, reply) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      const { tenantId, ...input } = request.body;
      const role = await createRole(request.ctx, { ...input, ...(tenantId !== undefined ? { tenantId } : {}), definedBy: request.actor.activeRole }, request.actor.contactId);
      return reply.status(201).send((await present(request, [role]))[0]);
    },
  );

  app.patch<{ Params: { id: string }; Body: UpdateRoleInput }>(
    '/api/v1/roles/:id',
    { schema: { tags, params: idParams, body: { type: 'object', properties: editable, additionalProperties: false, minProperties: 1 }, response: { 200: roleShape } } },
    async (request) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      const role = await updateRole(request.ctx, request.params.id, request.body, request.actor.activeRole, request.actor.contactId);
      return (await present(request, [role]))[0];
    },
  );
}

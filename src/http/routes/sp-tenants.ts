import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { nextBranding } from '../../tenancy/catalog/branding.ts';
import { createTenant } from '../../tenancy/catalog/create-tenant.ts';
import { listTenants, type TenantEntry } from '../../tenancy/catalog/tenant-directory.ts';
import { addTenantHost, removeTenantHost } from '../../tenancy/catalog/tenant-hosts.ts';
import { updateTenant } from '../../tenancy/catalog/update-tenant.ts';
import { normaliseHost } from '../../tenancy/catalog/validate-host.ts';
import { auditInstallation, type SpAdminOptions } from './sp-admin.ts';

const slug = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' } as const;
const host = { type: 'string', minLength: 1, maxLength: 253 } as const;
const slugParams = { type: 'object', properties: { slug }, required: ['slug'], additionalProperties: false } as const;

export const tenantEntryShape = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    slug: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['active', 'suspended', 'archived'] },
    parent: { type: ['string', 'null'] },
    depth: { type: 'integer' },
    serviceProvider: { type: 'boolean' },
    subtenantsAllowed: { type: 'boolean' },
    shard: { type: 'string' },
    placement: { type: 'string', enum: ['pool', 'silo'] },
    hosts: { type: 'array', items: { type: 'string' } },
    branding: { type: 'object', additionalProperties: true },
    move: { type: ['object', 'null'], properties: { to: { type: 'string' }, phase: { type: 'string' } } },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const createBody = {
  type: 'object',
  properties: {
    slug,
    name: { type: 'string', minLength: 1, maxLength: 200 },
    parent: slug,
    hosts: { type: 'array', items: host, maxItems: 20 },
    // A silo is a database of its own, made from the migrated template; moves between the two stay in the CLI.
    placement: { type: 'string', enum: ['pool', 'silo'] },
    subtenantsAllowed: { type: 'boolean' },
    // Start from a copy of this tenant's configuration (tenancy/catalog/copy-template.ts).
    template: slug,
  },
  required: ['slug', 'name'],
  additionalProperties: false,
} as const;

const updateBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    parent: { anyOf: [slug, { type: 'null' }] },
    subtenantsAllowed: { type: 'boolean' },
    primaryColor: { type: ['string', 'null'], maxLength: 7 },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

type CreateBody = { slug: string; name: string; parent?: string; hosts?: string[]; placement?: 'pool' | 'silo'; subtenantsAllowed?: boolean; template?: string };
type UpdateBody = { name?: string; parent?: string | null; subtenantsAllowed?: boolean; primaryColor?: string | null };
type SlugParams = { Params: { slug: string } };

/** The catalog's tenants: list (with the hierarchy), create in the pool or a silo, edit, hosts, suspend and resume. */
export async function spTenantRoutes(app: FastifyInstance, { catalog }: SpAdminOptions): Promise<void> {
  const tags = ['service-provider administration'];
  const database = () => catalog.database;
  const present = (t: TenantEntry) => ({ ...t, createdAt: t.createdAt.toISOString() });
  /** The tenant as it is now, once this process's catalog has the change. */
  const entry = async (tenantSlug: string) => {
    await catalog.refresh();
    const found = (await listTenants(database())).find((t) => t.slug === tenantSlug);
    if (!found) throw new AppError('NOT_FOUND', `No tenant "${tenantSlug}".`, 'tenant');
    return present(found);
  };

  app.get('/api/v1/sp/tenants', { schema: { tags, response: { 200: { type: 'object', properties: { tenants: { type: 'array', items: tenantEntryShape } } } } } }, async () => ({
    tenants: (await listTenants(database())).map(present),
  }));

  app.post<{ Body: CreateBody }>('/api/v1/sp/tenants', { schema: { tags, body: createBody, response: { 201: tenantEntryShape } } }, async (request, reply) => {
    const { placement, parent, ...input } = request.body;
    const created = await createTenant(database(), request.ctx.settings, { ...input, parentSlug: parent, silo: placement === 'silo' }, request.ctx.shards);
    await auditInstallation(request, 'tenant.created', created.slug, { placement: placement ?? 'pool', parent: parent ?? null, hosts: input.hosts ?? [], template: input.template ?? null });
    return reply.status(201).send(await entry(created.slug));
  });

  app.patch<SlugParams & { Body: UpdateBody }>('/api/v1/sp/tenants/:slug', { schema: { tags, params: slugParams, body: updateBody, response: { 200: tenantEntryShape } } }, async (request) => {
    const { primaryColor, parent, ...input } = request.body;
    const current = catalog.snapshot().bySlug.get(request.params.slug);
    const branding = primaryColor !== undefined && current ? { branding: nextBranding(current.branding, { primaryColor }) } : {};
    await updateTenant(database(), request.ctx.settings, request.params.slug, { ...input, ...(parent !== undefined ? { parentSlug: parent } : {}), ...branding });
    await auditInstallation(request, 'tenant.updated', request.params.slug, request.body);
    return entry(request.params.slug);
  });

  const statusChanges = [
    { path: 'suspend', status: 'suspended', audit: 'tenant.suspended' },
    { path: 'resume', status: 'active', audit: 'tenant.resumed' },
  ] as const;
  for (const { path, status, audit } of statusChanges) {
    app.post<SlugParams>(`/api/v1/sp/tenants/:slug/${path}`, { schema: { tags, params: slugParams, response: { 200: tenantEntryShape } } }, async (request) => {
      await updateTenant(database(), request.ctx.settings, request.params.slug, { status });
      await auditInstallation(request, audit, request.params.slug);
      return entry(request.params.slug);
    });
  }

  app.post<SlugParams & { Body: { host: string } }>(
    '/api/v1/sp/tenants/:slug/hosts',
    { schema: { tags, params: slugParams, body: { type: 'object', properties: { host }, required: ['host'], additionalProperties: false }, response: { 201: tenantEntryShape } } },
    async (request, reply) => {
      const added = await addTenantHost(database(), request.params.slug, request.body.host);
      await auditInstallation(request, 'tenant.host_added', request.params.slug, { host: added });
      return reply.status(201).send(await entry(request.params.slug));
    },
  );

  app.delete<{ Params: { slug: string; host: string } }>(
    '/api/v1/sp/tenants/:slug/hosts/:host',
    { schema: { tags, params: { type: 'object', properties: { slug, host }, required: ['slug', 'host'], additionalProperties: false } } },
    async (request, reply) => {
      // Removing the address this very page came from would lock its administrator out.
      if (normaliseHost(request.params.host) === normaliseHost(request.host)) {
        throw new AppError('TENANT_RULE_VIOLATION', 'This is the address you are using: add another one and use it before removing this one.', 'host');
      }
      await removeTenantHost(database(), request.params.slug, request.params.host);
      await catalog.refresh();
      await auditInstallation(request, 'tenant.host_removed', request.params.slug, { host: request.params.host });
      return reply.status(204).send();
    },
  );
}

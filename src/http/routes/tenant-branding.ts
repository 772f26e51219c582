import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { requirePermission } from '../../identity/permissions.ts';
import { inSet } from '../../tenancy/access.ts';
import { MAX_LOGO_LENGTH, updateBranding, type BrandingInput } from '../../tenancy/catalog/branding.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import { tenantReply } from './tenant-info.ts';

const brandingBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    primaryColor: { type: ['string', 'null'], maxLength: 7 },
    logoUrl: { type: ['string', 'null'], maxLength: MAX_LOGO_LENGTH },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

/**
 * The branding of the tenant whose host this is (name, colour, logo), changed by its
 * administrators: `admin.tenant` and write access to this tenant.
 */
export async function tenantBrandingRoutes(app: FastifyInstance, options: { catalog: Catalog }): Promise<void> {
  app.patch<{ Body: BrandingInput }>('/api/v1/tenant/branding', { schema: { tags: ['tenant'], body: brandingBody, response: { 200: tenantReply } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    if (!inSet(request.ctx.access.write, request.tenant.id)) throw new AppError('TENANT_ACCESS_DENIED', 'Your active role may not change this tenant.');
    const tenant = await updateBranding(request.ctx.database, request.ctx.settings, request.tenant, request.body);
    await options.catalog.refresh();
    await recordAuditInScope(request.ctx, { tenantId: tenant.id, actorContactId: request.actor.contactId, action: 'tenant.branding_updated', objectType: 'tenant', objectId: tenant.slug, data: { name: request.body.name, primaryColor: request.body.primaryColor } });
    return { slug: tenant.slug, name: tenant.name, serviceProvider: tenant.is_service_provider, branding: tenant.branding };
  });
}

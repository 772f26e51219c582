import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { INSTALLATION_ADMIN, requirePermission } from '../../identity/permissions.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import { spSenderDomainRoutes } from './sp-sender-domains.ts';
import { spStateRoutes } from './sp-state.ts';
import { spTenantGroupRoutes } from './sp-tenant-groups.ts';
import { spTenantRoutes } from './sp-tenants.ts';

export type SpAdminOptions = { catalog: Catalog; mailSenderDomains?: readonly string[] };

/**
 * Only the service provider administers tenants: these routes answer at the SP's host, to a role
 * granting `admin.installation` (the shipped sp-admin role has admin.*). Anyone else gets 403,
 * whatever their tenant rights: a tenant administrator administers its own tenant, not the catalog.
 */
function requireInstallationAdmin(request: FastifyRequest): void {
  if (!request.tenant.isServiceProvider) {
    throw new AppError('FORBIDDEN', 'Tenants are administered by the service provider, at its own address; this help desk cannot do it.');
  }
  requirePermission(request.actor.activeRole, INSTALLATION_ADMIN);
}

/** Records an administration change in the service provider's audit log. */
export async function auditInstallation(request: FastifyRequest, action: string, objectId: string, data: Record<string, unknown> = {}): Promise<void> {
  await recordAuditInScope(request.ctx, { tenantId: request.tenant.id, actorContactId: request.actor.contactId, action, objectType: action.split('.')[0]!, objectId, data });
}

/** The service provider's administration API, under /api/v1/sp/. */
export async function spAdminRoutes(app: FastifyInstance, options: SpAdminOptions): Promise<void> {
  app.addHook('preHandler', async (request) => requireInstallationAdmin(request));
  await app.register(spTenantRoutes, options);
  await app.register(spTenantGroupRoutes, options);
  await app.register(spStateRoutes);
  await app.register(spSenderDomainRoutes, options);
}

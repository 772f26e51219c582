import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { TenantInfo } from '../../tenancy/catalog/snapshot.ts';
import { normaliseHost } from '../../tenancy/catalog/validate-host.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant whose host this request came to; set for every route under the tenant scope. */
    tenant: TenantInfo;
  }
}

/** The host a request was sent to; X-Forwarded-Host counts only behind a trusted proxy. */
export function requestHost(request: FastifyRequest, trustProxy: boolean): string | undefined {
  const forwarded = request.headers['x-forwarded-host'];
  // A proxy that appends puts its own value last; earlier entries came from the client.
  const raw = trustProxy && typeof forwarded === 'string' && forwarded ? forwarded.split(',').at(-1)!.trim() : request.headers.host;
  return typeof raw === 'string' ? normaliseHost(raw) : undefined;
}

/**
 * Resolves each request's tenant from its host through the in-memory catalog, as current as the
 * staleness bound (or a 503 CATALOG_STALE). An unknown host is a 404 UNKNOWN_HOST, never a
 * fall-back to some other tenant; a suspended tenant is a 403.
 */
export async function tenantHost(app: FastifyInstance, options: { catalog: Catalog; trustProxy: boolean }): Promise<void> {
  app.decorateRequest('tenant', null as unknown as TenantInfo);
  app.addHook('onRequest', async (request) => {
    const host = requestHost(request, options.trustProxy);
    const tenant = host ? (await options.catalog.current()).byHost.get(host) : undefined;
    if (!tenant) throw new AppError('UNKNOWN_HOST', 'This address is not the address of any help desk here.');
    if (tenant.status !== 'active') throw new AppError('TENANT_SUSPENDED', 'This help desk is not available at the moment.');
    request.tenant = tenant;
  });
}

import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
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
export function requestHost(request: Pick<FastifyRequest, 'headers'>, trustProxy: boolean): string | undefined {
  const forwarded = request.headers['x-forwarded-host'];
  // A proxy that appends puts its own value last; earlier entries came from the client.
  const raw = trustProxy && typeof forwarded === 'string' && forwarded ? forwarded.split(',').at(-1)!.trim() : request.headers.host;
  return typeof raw === 'string' ? normaliseHost(raw) : undefined;
}

/**
 * The address the browser used, `scheme://host[:port]`: where a provider sends it back (single
 * sign-on's callback). The host is the normalised one the tenant was resolved by; the port is the
 * Host header's (a server on a port of its own, as the demo's), never another host's.
 */
export function requestOrigin(request: Pick<FastifyRequest, 'headers'>, trustProxy: boolean, scheme: 'http' | 'https'): string {
  const forwarded = request.headers['x-forwarded-host'];
  const raw = trustProxy && typeof forwarded === 'string' && forwarded ? forwarded.split(',').at(-1)!.trim() : (request.headers.host ?? '');
  const port = /:(\d{1,5})$/.exec(raw)?.[1];
  const usual = (scheme === 'https' && port === '443') || (scheme === 'http' && port === '80');
  return `${scheme}://${requestHost(request, trustProxy)!}${port && !usual ? `:${port}` : ''}`;
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

/**
 * The request logger of every request carries, besides Fastify's request id (`reqId`), the slug of
 * the tenant whose host it came to (`tenant`), from the first line ("incoming request", logged
 * before any hook runs) to the last: the host is resolved here once more, a map lookup, for that.
 * An unknown host's lines carry no tenant.
 */
export function tenantLogBindings(catalog: Catalog, trustProxy: boolean): NonNullable<FastifyServerOptions['childLoggerFactory']> {
  return function childLogger(logger, bindings, options, rawRequest) {
    const host = requestHost(rawRequest, trustProxy);
    const tenant = host ? catalog.snapshot().byHost.get(host) : undefined;
    return logger.child(tenant ? { ...bindings, tenant: tenant.slug } : bindings, options);
  };
}

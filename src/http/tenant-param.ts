import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';

/**
 * The tenant an API call names by slug (`?tenant=` or `"tenant"` in a body), as an id. The slug is
 * unverified until here: one the caller cannot write is refused like one that does not exist.
 * With no slug: the only tenant the caller writes, else TENANT_REQUIRED.
 */
export function tenantForRequest(ctx: TenancyContext, unverifiedSlug: string | undefined): number {
  if (unverifiedSlug !== undefined) {
    const tenant = ctx.catalog.bySlug.get(unverifiedSlug);
    const write = ctx.access.write;
    // Tenant boundary: only tenants the active role can write are named back.
    if (!tenant || (write !== 'all' && !write.includes(tenant.id))) {
      throw new AppError('TENANT_ACCESS_DENIED', 'Your active role may not write objects of that tenant.', 'tenant');
    }
    return tenant.id;
  }
  const write = ctx.access.write;
  if (write !== 'all' && write.length === 1) return write[0]!;
  throw new AppError('TENANT_REQUIRED', 'Your active role can write several tenants: say which tenant with "tenant".', 'tenant');
}

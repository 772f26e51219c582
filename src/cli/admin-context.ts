import { AppError } from '../errors.ts';
import { systemContext } from '../tenancy/system-context.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import type { Runtime } from './runtime.ts';

/** The system context over a fresh catalog snapshot: the CLI acts as the installation's administrator. */
export async function admin(rt: Runtime): Promise<TenancyContext> {
  return systemContext(rt.shards, rt.settings, await rt.catalog.refresh(), rt.log);
}

/**
 * The id of the tenant a command names by slug, from a snapshot within the staleness bound
 * (HOST_CACHE_TTL_MS, decision 0050) like a request's: checked again when older, CATALOG_STALE
 * when it cannot be confirmed. A command must not act on a tenant that was renamed or deleted meanwhile.
 */
export async function tenantId(rt: Runtime, slug: string): Promise<number> {
  const tenant = (await rt.catalog.current()).bySlug.get(slug);
  if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  return tenant.id;
}

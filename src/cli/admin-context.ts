import { AppError } from '../errors.ts';
import { systemContext } from '../tenancy/system-context.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import type { Runtime } from './runtime.ts';

/** The system context over a fresh catalog snapshot: the CLI acts as the installation's administrator. */
export async function admin(rt: Runtime): Promise<TenancyContext> {
  return systemContext(rt.shards, rt.settings, await rt.catalog.refresh(), rt.log);
}

/** The id of the tenant a command names by slug. */
export function tenantId(rt: Runtime, slug: string): number {
  const tenant = rt.catalog.snapshot().bySlug.get(slug);
  if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  return tenant.id;
}

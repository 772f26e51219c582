import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { assertHostsFree } from './create-tenant.ts';
import { requireHost } from './validate-host.ts';

export async function addTenantHost(database: Database, slug: string, rawHost: string): Promise<string> {
  const host = requireHost(rawHost);
  return database.system.transaction().execute(async (tx) => {
    const tenant = await tx.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
    await assertHostsFree(tx, [host]);
    await tx.insertInto('tenant_hosts').values({ host, tenant_id: tenant.id }).execute();
    return host;
  });
}

export async function removeTenantHost(database: Database, slug: string, rawHost: string): Promise<void> {
  const host = requireHost(rawHost);
  await database.system.transaction().execute(async (tx) => {
    const removed = await tx
      .deleteFrom('tenant_hosts')
      .where('host', '=', host)
      .where('tenant_id', '=', (eb) => eb.selectFrom('tenants').select('id').where('slug', '=', slug))
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new AppError('NOT_FOUND', `Tenant "${slug}" has no host "${host}".`, 'host');
  });
}

/** The tenant's first configured host: the one links in mail are built from. */
export async function primaryHost(database: Database, tenantId: number): Promise<string | undefined> {
  const row = await database.system.selectFrom('tenant_hosts').select('host').where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('host').executeTakeFirst();
  return row?.host;
}

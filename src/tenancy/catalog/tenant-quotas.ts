import type { Transaction } from 'kysely';
import type { TenantLimits } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';

/** A change of a tenant's own limits: a number sets one, null returns it to the installation's default. */
export type TenantQuotaChange = { -readonly [K in keyof TenantLimits]?: number | null };

const COLUMN = { apiRate: 'api_rate', apiBurst: 'api_burst', mailPerHour: 'mail_per_hour', storageBytes: 'storage_bytes' } as const;
const MAX = { apiRate: 1_000_000, apiBurst: 1_000_000, mailPerHour: 10_000_000, storageBytes: 2 ** 50 } as const;

function columnValues(change: TenantQuotaChange): Partial<Record<(typeof COLUMN)[keyof TenantLimits], number | null>> {
  const values: Partial<Record<(typeof COLUMN)[keyof TenantLimits], number | null>> = {};
  for (const key of Object.keys(COLUMN) as (keyof TenantLimits)[]) {
    const value = change[key];
    if (value === undefined) continue;
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > MAX[key])) {
      throw new AppError('VALIDATION_FAILED', `${key} is a whole number from 1 to ${MAX[key]}, or null for the default.`, key);
    }
    values[COLUMN[key]] = value;
  }
  return values;
}

/**
 * Sets (or returns to the default) some of a tenant's own limits. Catalog administration: written as
 * the owner; the change reaches every process as any catalog change does (README, "Several processes").
 * A row left with no limit of its own is removed.
 */
export async function setTenantQuotas(database: Database, slug: string, change: TenantQuotaChange): Promise<void> {
  await database.system.transaction().execute(async (tx) => {
    const tenant = await tx.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
    await writeTenantQuotas(tx, tenant.id, change);
  });
}

/**
 * Writes a change of a tenant's own limits in the caller's catalog transaction; false when the
 * change sets nothing. Validated as `tenantdesk tenant quota` is.
 */
export async function writeTenantQuotas(tx: Transaction<DB>, tenantId: number, change: TenantQuotaChange): Promise<boolean> {
  const values = columnValues(change);
  if (!Object.keys(values).length) return false;
  const row = await tx
    .insertInto('tenant_quotas')
    .values({ tenant_id: tenantId, ...values })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
  if (row.api_rate === null && row.api_burst === null && row.mail_per_hour === null && row.storage_bytes === null) {
    await tx.deleteFrom('tenant_quotas').where('tenant_id', '=', tenantId).execute();
  }
  return true;
}

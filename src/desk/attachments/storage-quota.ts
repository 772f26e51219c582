import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { nextCounterValue } from '../../tenancy/data-access.ts';
import { tenantLimits } from '../../tenancy/tenant-limits.ts';

/** The tenant counter holding the bytes of attachments a tenant keeps (migration 0018 counted the existing ones). */
export const STORAGE_COUNTER = 'attachment_bytes';

const shown = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${bytes} bytes`);

/**
 * Adds `bytes` to the tenant's stored attachments inside the caller's unit of work, before the file
 * is written. Over the tenant's storage quota it throws QUOTA_EXCEEDED, so the unit of work rolls
 * back with nothing written. The counter's row lock makes a tenant's concurrent uploads take turns
 * here, so two of them cannot both slip under the quota.
 */
export async function chargeStorage(ctx: TenancyContext, tenantId: number, bytes: number): Promise<void> {
  const quota = tenantLimits(ctx.settings, ctx.catalog.byId.get(tenantId)).storageBytes;
  const used = await nextCounterValue(ctx, tenantId, STORAGE_COUNTER, bytes);
  if (quota > 0 && used > quota) {
    throw new AppError('QUOTA_EXCEEDED', `This help desk's attachment storage quota of ${shown(quota)} is used up (${shown(used - bytes)} stored; this file is ${shown(bytes)}).`, 'file');
  }
}

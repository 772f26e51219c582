import type { TenantLimits } from '../config/config.ts';
import type { TenantInfo } from './catalog/snapshot.ts';
import type { TenancySettings } from './settings.ts';

/** No limit at all: what applies when the settings carry none (tests, embedding) and the tenant sets none. */
export const NO_LIMITS: TenantLimits = { apiRate: 0, apiBurst: 200, mailPerHour: 0, storageBytes: 0 };

/**
 * The limits a tenant is held to: each of its own (tenant_quotas, in the catalog snapshot), else the
 * installation's default (TENANT_* settings). 0 means no limit. A map lookup and a spread: no query,
 * so it can run before a request costs anything.
 */
export function tenantLimits(settings: TenancySettings, tenant: TenantInfo | undefined): TenantLimits {
  return { ...(settings.limits ?? NO_LIMITS), ...tenant?.limits };
}

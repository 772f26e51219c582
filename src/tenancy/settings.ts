import type { Config, TenantLimits } from '../config/config.ts';

/** The tenancy settings (DESIGN.md section 1): the multi-tenancy state and its limits. */
export type TenancySettings = {
  /** off: single-tenant install; setup: tenants are defined, nothing enforced; on: everything enforced. */
  readonly state: 'off' | 'setup' | 'on';
  /** In `on`: what happens to a tenant-required object saved with no tenant and none derivable. */
  readonly untenanted: 'strict' | 'warn' | 'allow';
  readonly maxDepth: number;
  readonly maxTenants: number | undefined;
  /** Every tenant's default limits (src/tenancy/tenant-limits.ts); absent: no limits (tests, embedding). */
  readonly limits?: TenantLimits;
};

export function tenancySettings(config: Pick<Config, 'multiTenancy' | 'untenanted' | 'maxTenantDepth' | 'maxTenants' | 'tenantLimits'>): TenancySettings {
  return { state: config.multiTenancy, untenanted: config.untenanted, maxDepth: config.maxTenantDepth, maxTenants: config.maxTenants, limits: config.tenantLimits };
}

export const DEFAULT_TENANCY: TenancySettings = { state: 'on', untenanted: 'strict', maxDepth: 8, maxTenants: undefined };

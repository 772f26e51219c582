import type { TenancyContext } from '../../tenancy/context.ts';
import { nextCounterValue } from '../../tenancy/data-access.ts';

/** `ACME-000042`: the tenant's slug upper-cased, then the sequence padded to six digits (more when it grows). */
export function formatTicketNumber(tenantSlug: string, sequence: number): string {
  return `${tenantSlug.toUpperCase()}-${String(sequence).padStart(6, '0')}`;
}

/**
 * The next human number of a tenant's tickets. Call it inside the ticket's unit of work: the counter
 * row stays locked until that transaction ends, so numbers are sequential per tenant, and a number
 * handed out is never handed out again (a rolled-back ticket leaves the counter as it was).
 */
export async function allocateTicketNumber(ctx: TenancyContext, tenantId: number): Promise<string> {
  const tenant = ctx.catalog.byId.get(tenantId);
  if (!tenant) throw new Error(`Tenant ${tenantId} is not in the catalog.`);
  return formatTicketNumber(tenant.slug, await nextCounterValue(ctx, tenantId, 'ticket'));
}

import type { TenancyContext } from '../../tenancy/context.ts';
import { formatNumber, type Numbering } from '../../tenancy/insert-statement.ts';

/** `ACME-000042`: the tenant's slug upper-cased, then the sequence padded to six digits (more when it grows). */
export function formatTicketNumber(tenantSlug: string, sequence: number): string {
  return formatNumber({ prefix: `${tenantSlug.toUpperCase()}-`, width: 6 }, sequence);
}

/**
 * How a tenant's tickets are numbered: the ticket's insert takes the next value of the tenant's
 * `ticket` counter (tenancy/insert-statement.ts). The counter row stays locked until the ticket's
 * transaction ends, so numbers are sequential per tenant, and a number handed out is never handed
 * out again (a rolled-back ticket leaves the counter as it was).
 */
export function ticketNumbering(ctx: TenancyContext, tenantId: number): Numbering {
  const tenant = ctx.catalog.byId.get(tenantId);
  if (!tenant) throw new Error(`Tenant ${tenantId} is not in the catalog.`);
  return { tenantId, counter: 'ticket', prefix: `${tenant.slug.toUpperCase()}-`, width: 6 };
}

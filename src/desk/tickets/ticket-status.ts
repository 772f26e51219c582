import type { TicketState } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { listObjects } from '../../tenancy/data-access.ts';

export type ResolvedStatus = { id: string; slug: string; state: TicketState };

/**
 * The status a ticket of `tenantId` means by `slug`: the tenant's own, else the nearest ancestor's,
 * else the public one (the four defaults share their state's name).
 */
export async function resolveStatus(ctx: TenancyContext, tenantId: number | null, slug: string): Promise<ResolvedStatus> {
  const candidates = await listObjects(ctx, 'ticketStatus', { where: { slug }, limit: 100 });
  const lineage = tenantId === null ? [] : ctx.catalog.supertenants(tenantId);
  const rank = (tenant: unknown) => (tenant === null ? lineage.length : lineage.indexOf(tenant as number));
  const status = candidates
    .filter((s) => s.tenant_id === null || lineage.includes(s.tenant_id as number))
    .sort((a, b) => rank(a.tenant_id) - rank(b.tenant_id))[0];
  if (!status) throw new AppError('VALIDATION_FAILED', `There is no ticket status "${slug}".`, 'status');
  return { id: status.id as string, slug, state: status.state as TicketState };
}

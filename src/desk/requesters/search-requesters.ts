import { sql } from 'kysely';
import { onlyTenant } from '../../tenancy/access.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';

/** `text` as a LIKE pattern matching it anywhere, its own % and _ taken literally. */
const containing = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The contacts of one tenant a ticket of that tenant may be requested by, whose name or email
 * contains `q` (all of them, by name, when `q` is empty): the new-ticket form's requester picker.
 * Read through the scoped layer under that tenant alone, so a service-provider agent picks within
 * the ticket's tenant and nobody sees a tenant its role does not read.
 */
export async function searchRequesters(desk: DeskContext, input: { tenantId: number; q?: string; limit?: number }): Promise<Row[]> {
  requireDeskPermission(desk, 'ticket.edit');
  const q = input.q?.trim() ?? '';
  const matches = q ? sql<boolean>`(name ilike ${containing(q)} or email ilike ${containing(q)})` : sql<boolean>`true`;
  // Tenant boundary: the read is narrowed to the ticket's tenant (nothing if the role cannot read it).
  return listObjects(onlyTenant(desk, input.tenantId), 'contact', {
    where: { tenant_id: input.tenantId, status: 'active' },
    filter: matches,
    orderBy: 'name',
    limit: Math.min(Math.max(input.limit ?? 20, 1), 50),
  });
}

import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../../errors.ts';
import { listChoices } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';

/** What working a ticket takes: a contact may be its assignee only if one of its roles grants it. */
export const WORKS_TICKETS = 'ticket.edit';

/** The permission names that grant `permission`: itself and each `prefix.*` wildcard above it. */
export function grantingNames(permission: string): string[] {
  const parts = permission.split('.');
  return [permission, ...parts.slice(0, -1).map((_, i) => `${parts.slice(0, i + 1).join('.')}.*`)];
}

/**
 * The condition on `contacts` that makes a contact an eligible assignee for a ticket of `tenantId`:
 * an active contact who is not a customer, holding a role that grants `ticket.edit` and whose write
 * access reaches that tenant (all tenants, its holder's own, that tenant, or a group holding it).
 * With multi-tenancy not enforced (off, setup) every role reaches every tenant.
 */
export async function assignableFilter(desk: DeskContext, tenantId: number | null): Promise<RawBuilder<boolean>> {
  const reaches =
    desk.settings.state !== 'on' || tenantId === null
      ? sql<boolean>`true`
      : sql<boolean>`(r.write_access = 'all'
          or (r.write_access = 'own' and ${sql.ref('contacts.tenant_id')} = ${tenantId})
          or (r.write_access = 'tenant' and r.write_tenant_id = ${tenantId})
          or (r.write_access = 'group' and r.write_group_id = any (${sql.val([...(desk.catalog.byId.get(tenantId)?.groups ?? [])])}::integer[])))`;
  return sql<boolean>`(${sql.ref('contacts.kind')} <> 'customer' and ${sql.ref('contacts.status')} = 'active' and exists (
    select 1 from contact_roles cr join roles r on r.id = cr.role_id
    where cr.contact_id = ${sql.ref('contacts.id')} and r.permissions && ${sql.val(grantingNames(WORKS_TICKETS))}::text[] and ${reaches}))`;
}

/**
 * Refuses an assignee who may not work tickets of `tenantId`. The candidate is looked for among the
 * assignee field's own choices (reference rules, the caller's reads, the service provider's staff),
 * so a customer, a contact of another tenant and a made-up id get the same answer: nothing leaks.
 */
export async function assertAssignable(desk: DeskContext, tenantId: number | null, assigneeId: unknown): Promise<void> {
  if (assigneeId === undefined || assigneeId === null) return;
  const filter = sql<boolean>`${await assignableFilter(desk, tenantId)} and ${sql.ref('contacts.id')}::text = ${String(assigneeId)}`;
  const found = await listChoices(desk, 'ticket', 'assignee_id', tenantId, { filter });
  if (found.length === 0) {
    throw new AppError('ASSIGNEE_NOT_ELIGIBLE', 'assigneeId must name an active agent whose role works this ticket’s tenant (not a customer, nor a contact of another tenant).', 'assigneeId');
  }
}

import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { decodeCursor, encodeCursor } from '../tickets/list-tickets.ts';

export type AuditQuery = { tenantId?: number; limit?: number; cursor?: string };
export type AuditPage = { items: Row[]; nextCursor: string | null };

/**
 * The audit log, newest first, for administrators: a tenant administrator reads its tenant's, the
 * service provider's the tenants its role reads. Paged by keyset (created_at, id) like the queue.
 */
export async function listAuditEvents(desk: DeskContext, query: AuditQuery): Promise<AuditPage> {
  requireDeskPermission(desk, 'admin.tenant');
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  // The tenant filter narrows the caller's readable tenants; it never widens them.
  const rows = await listObjects(desk, 'auditEvent', {
    where: query.tenantId !== undefined ? { tenant_id: query.tenantId } : {},
    orderBy: 'created_at',
    descending: true,
    limit: limit + 1,
    ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
  });
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}

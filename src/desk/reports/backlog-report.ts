import { sql } from 'kysely';
import { aggregateObjects, listObjects } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { reportContext } from './report-scope.ts';

export type BacklogDimension = 'department' | 'agent' | 'priority';
export type BacklogItem = { id: string | null; label: string | null; open: number; pending: number; overdue: number; total: number };
export type BacklogReport = { by: BacklogDimension; items: BacklogItem[] };

const COLUMN: Record<BacklogDimension, string> = { department: 'department_id', agent: 'assignee_id', priority: 'priority_id' };

/**
 * Unresolved tickets (open and pending) now, by department, assigned agent or priority; null is
 * "none". Department and agent names are read beside the tickets under the caller's own scope, so a
 * name the caller may not read stays null; priorities are public (the pool's).
 */
export async function backlogReport(desk: DeskContext, query: { by: BacklogDimension; tenantId?: number }): Promise<BacklogReport> {
  const ctx = reportContext(desk, query.tenantId);
  const key = sql.ref(`t.${COLUMN[query.by]}`);
  const label =
    query.by === 'department'
      ? sql`(select d.name from departments d where d.id = ${key})`
      : query.by === 'agent'
        ? sql`(select c.name from contacts c where c.id = ${key})`
        : sql`null::text`;
  type Count = Omit<BacklogItem, 'total'>;
  const answers = await aggregateObjects(ctx, 'ticket', async (tx, rows) =>
    (await sql<Count>`
      with t as (select department_id, assignee_id, priority_id, status, first_responded_at, first_response_breached_at, resolution_breached_at
        from tickets where ${rows} and status in ('open', 'pending'))
      select ${key}::text as id, ${label} as label,
        count(*) filter (where status = 'open')::integer as open,
        count(*) filter (where status = 'pending')::integer as pending,
        count(*) filter (where resolution_breached_at is not null or (first_response_breached_at is not null and first_responded_at is null))::integer as overdue
      from t group by ${key}`.execute(tx)).rows,
  );
  const items = new Map<string | null, BacklogItem>();
  for (const row of answers.flat()) {
    const item = items.get(row.id) ?? { id: row.id, label: null, open: 0, pending: 0, overdue: 0, total: 0 };
    item.label ??= row.label;
    item.open += row.open;
    item.pending += row.pending;
    item.overdue += row.overdue;
    item.total = item.open + item.pending;
    items.set(row.id, item);
  }
  if (query.by === 'priority') {
    const names = new Map((await listObjects(ctx, 'priority', { limit: 1000 })).map((p) => [p.id as string, p.name as string]));
    for (const item of items.values()) item.label = item.id ? (names.get(item.id) ?? null) : null;
  }
  return { by: query.by, items: [...items.values()].sort((a, b) => b.total - a.total || String(a.id).localeCompare(String(b.id))) };
}

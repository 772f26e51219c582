import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../../errors.ts';
import type { Row } from '../../tenancy/data-access.ts';

/** What a queue can be sorted by, and each one's natural direction (newest, soonest due, most urgent first). */
export const TICKET_SORTS = { created: 'desc', updated: 'desc', due: 'asc', priority: 'desc' } as const;
export type TicketSort = keyof typeof TICKET_SORTS;
export type SortOrder = 'asc' | 'desc';

/** The column a sort reads; `due` is the resolution due date (a manual due date wins there). */
const COLUMN: Record<Exclude<TicketSort, 'priority'>, string> = { created: 'created_at', updated: 'updated_at', due: 'resolution_due_at' };

/** Where each row carries its sort value (see `ListOptions.orderValue`). */
const SORT_KEY = 'sort_key';

export type TicketOrder = {
  sort: TicketSort;
  order: SortOrder;
  /** The listObjects options for this order. */
  orderBy: string;
  descending: boolean;
  orderValue: { by: RawBuilder<unknown>; key: RawBuilder<unknown> };
};

/**
 * Priorities are public rows of the pool, which a silo's tickets refer to by id: their ranks come
 * in as one JSON parameter. A ticket without a priority ranks 0, below every priority.
 */
function priorityRank(ranks: Row[]): RawBuilder<number> {
  const byId = Object.fromEntries(ranks.map((p) => [String(p.id), Number(p.rank)]));
  return sql<number>`coalesce((${JSON.stringify(byId)}::jsonb ->> priority_id::text)::integer, 0)`;
}

/** A timestamp to the microsecond as fixed-width UTC text: exact, and ordered as text as in time. */
const EXACT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
// A real instant: 2024-02-30 matches the pattern but is no date (and the database would refuse it).
const isExactTime = (value: unknown) => typeof value === 'string' && EXACT_TIME.test(value) && new Date(value).toISOString().slice(0, 23) === value.slice(0, 23);
const exactTime = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function ticketOrder(sort: TicketSort = 'created', order: SortOrder = TICKET_SORTS[sort], ranks: Row[] = []): TicketOrder {
  const rank = priorityRank(ranks);
  const orderValue = sort === 'priority' ? { by: rank, key: rank } : { by: sql.ref(COLUMN[sort]), key: exactTime(COLUMN[sort]) };
  return { sort, order, orderBy: SORT_KEY, descending: order === 'desc', orderValue };
}

/**
 * The cursor is opaque to callers: the sort, its direction, and the sort value and id of the last
 * ticket of the page. Pages continue by keyset on (value, id), so tickets created while a caller
 * pages never shift or repeat the rows it has yet to see. A cursor only continues the order it was
 * made for: changing the sort starts from the first page.
 */
export function encodeTicketCursor(order: TicketOrder, ticket: Row): string {
  return Buffer.from(JSON.stringify([order.sort, order.order, ticket[order.orderBy] ?? null, ticket.id])).toString('base64url');
}

export function decodeTicketCursor(order: TicketOrder, cursor: string): { value: unknown; id: string } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const invalid = new AppError('VALIDATION_FAILED', 'This cursor is not one this API handed out.', 'cursor');
  if (!Array.isArray(parts) || parts.length !== 4) throw invalid;
  const [sort, direction, value, id] = parts as unknown[];
  if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw invalid;
  if (sort !== order.sort || direction !== order.order) throw new AppError('VALIDATION_FAILED', 'This cursor continues another sort order: start again without it.', 'cursor');
  const valid = value === null || (order.sort === 'priority' ? Number.isInteger(value) : isExactTime(value));
  if (!valid) throw invalid;
  return { value, id };
}

/** The sort value is the queue's business, not part of the ticket. */
export function withoutSortKey(order: TicketOrder, ticket: Row): Row {
  // Copied by hand: a rest pattern with a computed key takes V8's slow path, 50 times a page.
  const rest: Row = {};
  for (const column in ticket) if (column !== order.orderBy) rest[column] = ticket[column];
  return rest;
}

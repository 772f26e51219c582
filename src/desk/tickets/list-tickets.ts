import { sql } from 'kysely';
import type { TicketState } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { onlyTenant } from '../../tenancy/access.ts';
import { listObjects, type Row, type SearchOption } from '../../tenancy/data-access.ts';
import { mayReadNotes, type DeskContext } from '../desk-context.ts';
import { decodeTicketCursor, encodeTicketCursor, ticketOrder, withoutSortKey, type SortOrder, type TicketSort } from './ticket-order.ts';

export type TicketQuery = {
  state?: TicketState;
  /** A contact id, `me`, or `none` (unassigned). */
  assignee?: string;
  departmentId?: string;
  priorityId?: string;
  /** Only the tickets this contact requested (the requester panel's "other tickets"). */
  requesterId?: string;
  /** Only overdue tickets (see `OVERDUE`). */
  overdue?: boolean;
  /** Words of the number, subject or thread (full-text; see `ticketSearch`). */
  q?: string;
  tenantId?: number;
  sort?: TicketSort;
  order?: SortOrder;
  limit?: number;
  cursor?: string;
};

export type TicketPage = { items: Row[]; nextCursor: string | null };

/** A cursor on (created_at, id), opaque to callers: the audit log's (the queue's is `encodeTicketCursor`). */
export function encodeCursor(ticket: Row): string {
  return Buffer.from(JSON.stringify([(ticket.created_at as Date).toISOString(), ticket.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { value: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const value = new Date(at as string);
    if (typeof at === 'string' && !Number.isNaN(value.getTime()) && typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) return { value, id };
  } catch {
    // falls through to the error below
  }
  throw new AppError('VALIDATION_FAILED', 'This cursor is not one this API handed out.', 'cursor');
}

/**
 * Overdue, as the dashboard counts it (a breach the SLA sweep recorded) and also as soon as a
 * running clock's due date has passed, before the next sweep (at most a minute) records it.
 */
export const OVERDUE = sql<boolean>`(status in ('open', 'pending') and (resolution_breached_at is not null
  or (first_responded_at is null and first_response_breached_at is not null)
  or (sla_paused_at is null and (resolution_due_at <= now() or (first_responded_at is null and first_response_due_at <= now())))))`;

/**
 * The queue, newest first unless `sort` says otherwise, in pages continued by keyset (see
 * `encodeTicketCursor`). The caller's tenants and data partitions apply; a tenant filter outside
 * them simply finds nothing.
 */
export async function listTickets(desk: DeskContext, query: TicketQuery): Promise<TicketPage> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const where: Row = {};
  if (query.state) where.status = query.state;
  if (query.assignee) where.assignee_id = query.assignee === 'me' ? desk.actor.contactId : query.assignee === 'none' ? null : query.assignee;
  if (query.departmentId) where.department_id = query.departmentId;
  if (query.priorityId) where.priority_id = query.priorityId;
  if (query.requesterId) where.requester_id = query.requesterId;
  // One tenant asked for: only its shard is read (another shard being down does not matter).
  if (query.tenantId !== undefined) desk = onlyTenant(desk, query.tenantId);
  const ranks = query.sort === 'priority' ? await listObjects(desk, 'priority', { limit: 1000 }) : [];
  const order = ticketOrder(query.sort, query.order, ranks);
  const rows = await listObjects(desk, 'ticket', {
    where,
    orderBy: order.orderBy,
    descending: order.descending,
    orderValue: order.orderValue,
    limit: limit + 1,
    ...(query.overdue ? { filter: OVERDUE } : {}),
    ...(query.q ? { search: ticketSearch(desk, query.q) } : {}),
    ...(query.cursor ? { after: decodeTicketCursor(order, query.cursor) } : {}),
  });
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeTicketCursor(order, items[items.length - 1]!) : null;
  return { items: items.map((item) => withoutSortKey(order, item)), nextCursor };
}

/**
 * Search over a ticket's number and subject and the bodies of its thread entries. Entries the caller
 * may not read never make a ticket match: a customer's search ignores internal notes (its role's
 * data partition on thread entries says so too).
 */
export function ticketSearch(desk: DeskContext, text: string): SearchOption {
  return { text, through: { type: 'threadEntry', column: 'ticket_id', ...(mayReadNotes(desk) ? {} : { except: { kind: 'note' } }) } };
}

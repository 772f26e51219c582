import type { TicketState } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { listObjects, type Row, type SearchOption } from '../../tenancy/data-access.ts';
import { mayReadNotes, type DeskContext } from '../desk-context.ts';

export type TicketQuery = {
  state?: TicketState;
  /** A contact id, or `me`. */
  assignee?: string;
  /** Words of the number, subject or thread (full-text; see `ticketSearch`). */
  q?: string;
  tenantId?: number;
  limit?: number;
  cursor?: string;
};

export type TicketPage = { items: Row[]; nextCursor: string | null };

/** The cursor is opaque to callers: the (created_at, id) of the last ticket of the page. */
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
 * The queue, newest first, in pages continued by keyset (created_at, id): tickets created while a
 * caller pages never shift or repeat the rows it has yet to see. The caller's tenants and data
 * partitions apply; a tenant filter outside them simply finds nothing.
 */
export async function listTickets(desk: DeskContext, query: TicketQuery): Promise<TicketPage> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const where: Row = {};
  if (query.state) where.status = query.state;
  if (query.assignee) where.assignee_id = query.assignee === 'me' ? desk.actor.contactId : query.assignee;
  if (query.tenantId !== undefined) where.tenant_id = query.tenantId;
  const rows = await listObjects(desk, 'ticket', {
    where,
    orderBy: 'created_at',
    descending: true,
    limit: limit + 1,
    ...(query.q ? { search: ticketSearch(desk, query.q) } : {}),
    ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
  });
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}

/**
 * Search over a ticket's number and subject and the bodies of its thread entries. Entries the caller
 * may not read never make a ticket match: a customer's search ignores internal notes (its role's
 * data partition on thread entries says so too).
 */
export function ticketSearch(desk: DeskContext, text: string): SearchOption {
  return { text, through: { type: 'threadEntry', column: 'ticket_id', ...(mayReadNotes(desk) ? {} : { except: { kind: 'note' } }) } };
}

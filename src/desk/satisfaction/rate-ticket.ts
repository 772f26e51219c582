import { mapDatabaseError } from '../../db/errors.ts';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { createObject, findObject, inTransaction, listObjects, type Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';

export type RatingInput = { rating: number; comment?: string | undefined };

/** Where a ticket stands for its requester's rating: the rating of its current resolution, if any. */
export type RatingState = { readonly canRate: boolean; readonly rating: number | null; readonly comment: string | null };

/** The rating of the ticket's current resolution; the ticket read under the caller's own scope. */
export async function ratingState(desk: DeskContext, ticketId: string): Promise<RatingState> {
  const ticket = await findObject(desk, 'ticket', ticketId);
  const rated = await currentRating(desk, ticket);
  return { canRate: mayRate(desk, ticket) && !rated, rating: (rated?.rating as number | undefined) ?? null, comment: (rated?.comment as string | null | undefined) ?? null };
}

/**
 * The requester rates the resolution of its ticket (decision 0123): once per resolution (a ticket
 * resolved again may be rated again), only while it is resolved or closed after a resolution.
 */
export async function rateTicket(desk: DeskContext, ticketId: string, input: RatingInput): Promise<Row> {
  // Reading the ticket first applies the caller's tenants and data partitions (a customer: its own).
  const ticket = await findObject(desk, 'ticket', ticketId);
  if (ticket.requester_id !== desk.actor.contactId) throw new AppError('FORBIDDEN', 'Only the person who asked rates how a ticket was handled.');
  if (!mayRate(desk, ticket)) throw new AppError('CONFLICT', 'This ticket is not resolved: it can be rated once it is.', 'ticket');
  const rated = new AppError('CONFLICT', 'You have rated this resolution already. Thank you!', 'rating');
  if (await currentRating(desk, ticket)) throw rated;
  return recordRating(desk, ticket, input, desk.actor.contactId, rated);
}

/**
 * Writes the one rating of the ticket's current resolution. Two ratings sent at once both pass the
 * check before it: the loser meets the unique key and gets `alreadyRated`, as if it came second.
 */
export async function recordRating(ctx: TenancyContext, ticket: Row, input: RatingInput, ratedBy: unknown, alreadyRated: AppError): Promise<Row> {
  const comment = input.comment?.trim() || null;
  try {
    return await inTransaction(ctx, (tx) =>
      createObject(tx, 'satisfactionRating', { ticket_id: ticket.id, resolved_at: ticket.resolved_at, rating: input.rating, comment, rated_by: ratedBy }),
    ticket.tenant_id as number | null);
  } catch (error) {
    if ((error instanceof AppError ? error : mapDatabaseError(error))?.code === 'CONFLICT') throw alreadyRated;
    throw error;
  }
}

function mayRate(desk: DeskContext, ticket: Row): boolean {
  return ticket.requester_id === desk.actor.contactId && ticket.resolved_at != null && (ticket.status === 'resolved' || ticket.status === 'closed');
}

async function currentRating(desk: DeskContext, ticket: Row): Promise<Row | undefined> {
  if (ticket.resolved_at == null) return undefined;
  const rows = await listObjects(desk, 'satisfactionRating', { where: { ticket_id: ticket.id, resolved_at: ticket.resolved_at }, limit: 1 });
  return rows[0];
}

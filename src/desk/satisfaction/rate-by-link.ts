import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { findObject, listObjects, type Row } from '../../tenancy/data-access.ts';
import { recordRating, type RatingInput } from './rate-ticket.ts';
import type { RatingClaims } from './rating-link.ts';

/** What the rating page shows: the ticket by its number and subject, and the rating if given. */
export type LinkState = { number: string | null; subject: string; rating: number | null };

/**
 * The ticket a rating link names, still at the resolution it was sent for. `ctx` reads and writes
 * the host's tenant only. A ticket reopened (or resolved again) since makes the link stale.
 */
async function linkedTicket(ctx: TenancyContext, claims: RatingClaims): Promise<{ ticket: Row; rated: Row | undefined }> {
  const ticket = await findObject(ctx, 'ticket', claims.ticketId);
  const resolvedAt = ticket.resolved_at instanceof Date ? ticket.resolved_at.getTime() : ticket.resolved_at ? new Date(ticket.resolved_at as string).getTime() : null;
  if (resolvedAt !== claims.resolvedAt.getTime() || !(ticket.status === 'resolved' || ticket.status === 'closed')) {
    throw new AppError('RATING_LINK_EXPIRED', 'This ticket has changed since this link was sent (it was reopened): this link no longer rates it.');
  }
  const [rated] = await listObjects(ctx, 'satisfactionRating', { where: { ticket_id: ticket.id, resolved_at: ticket.resolved_at }, limit: 1 });
  return { ticket, rated };
}

export async function linkState(ctx: TenancyContext, claims: RatingClaims): Promise<LinkState> {
  const { ticket, rated } = await linkedTicket(ctx, claims);
  return { number: ticket.number as string | null, subject: ticket.subject as string, rating: (rated?.rating as number | undefined) ?? null };
}

/** The requester's rating through the link: once per resolution, recorded as the requester's. */
export async function rateByLink(ctx: TenancyContext, claims: RatingClaims, input: RatingInput): Promise<Row> {
  const { ticket, rated } = await linkedTicket(ctx, claims);
  const used = new AppError('RATING_LINK_USED', 'This resolution has been rated already. Thank you!');
  if (rated) throw used;
  if (!ticket.requester_id) throw new AppError('NOT_FOUND', 'This rating link is not valid here.');
  return recordRating(ctx, ticket, input, ticket.requester_id, used);
}

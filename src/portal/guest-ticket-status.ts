import type { SignInThrottle } from '../config/config.ts';
import { AppError } from '../errors.ts';
import { tenantDatabases } from '../identity/tenant-databases.ts';
import { assertNotThrottled, recordSignInFailure } from '../identity/sign-in-throttle.ts';
import { listObjects } from '../tenancy/data-access.ts';
import type { TenancyContext } from '../tenancy/context.ts';

export type GuestStatusInput = { tenantId: number; number: string; email: string; ip: string; throttle: SignInThrottle };
export type GuestStatus = { number: string; subject: string; status: string; updatedAt: Date };

/** One answer for every miss: no such number, another requester, another tenant's ticket. */
const noMatch = () => new AppError('NOT_FOUND', 'No ticket matches this number and email address.');

/**
 * osTicket's "check ticket status" for someone without an account: a ticket's number and its
 * requester's email address give its subject and status, nothing more (no thread). A wrong pair is
 * NOT_FOUND whatever was wrong, and counts as a failed sign-in of the address and of the client's
 * IP (under a key of its own, so guessing cannot lock the customer's own sign-in).
 */
export async function guestTicketStatus(ctx: TenancyContext, input: GuestStatusInput): Promise<GuestStatus> {
  // Tenant boundary: the context reads the host's tenant alone, so another tenant's number is a miss.
  const readable = ctx.access.read;
  if (readable === 'all' || readable.length !== 1 || readable[0] !== input.tenantId) throw new Error('guestTicketStatus needs a context reading exactly the host tenant');
  const email = input.email.trim().toLowerCase();
  const throttleKey = `guest-status:${email}`;
  const { tenant } = await tenantDatabases(ctx.shards, ctx.catalog, input.tenantId);
  await assertNotThrottled(tenant, input.throttle, input.tenantId, throttleKey, input.ip);
  const [ticket] = await listObjects(ctx, 'ticket', { where: { number: input.number.trim().toUpperCase() }, limit: 1 });
  const [requester] = ticket?.requester_id ? await listObjects(ctx, 'contact', { where: { id: ticket.requester_id }, limit: 1 }) : [];
  if (!ticket || !requester || String(requester.email).toLowerCase() !== email) {
    await recordSignInFailure(tenant, input.tenantId, throttleKey, input.ip);
    throw noMatch();
  }
  return { number: String(ticket.number), subject: String(ticket.subject), status: String(ticket.status), updatedAt: ticket.updated_at as Date };
}

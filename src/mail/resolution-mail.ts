import { publicOriginOf, ratingPageUrl } from '../desk/satisfaction/rating-link.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects, type Row } from '../tenancy/data-access.ts';
import type { MailDeps } from './mail-context.ts';
import { mailboxOfTicket, queueMail } from './queue-mail.ts';
import type { MailValues } from './render-mail.ts';

/**
 * The resolution mail (decision 0135): when a ticket becomes resolved, its requester is told, with
 * the link that rates this resolution (decision 0126). Written in the status change's unit of work,
 * once per resolution (`resolved_at` is new), only to an active requester with an address, and only
 * in tenants with the email channel set up, like every ticket notification. The row carries the
 * resolution instead of a body: the send job renders the tenant's `resolved` template then, with
 * the link signed by MAIL_SECRET at the tenant's primary host (`ratingValues`).
 */
export async function notifyResolution(ctx: TenancyContext, before: Row, ticket: Row): Promise<boolean> {
  if (!isNewResolution(before, ticket) || !ticket.requester_id || ticket.tenant_id === null) return false;
  const mailbox = await mailboxOfTicket(ctx, ticket);
  if (!mailbox) return false;
  // Tenant boundary: the requester is a contact of the ticket's own tenant (a tenant-implying reference).
  const [requester] = await listObjects(ctx, 'contact', { where: { id: ticket.requester_id, tenant_id: ticket.tenant_id, status: 'active' }, limit: 1 });
  if (!requester?.email) return false;
  const resolvedAt = asDate(ticket.resolved_at)!;
  await queueMail(ctx, {
    tenantId: ticket.tenant_id as number,
    mailbox,
    ticket,
    to: requester.email as string,
    kind: 'resolved',
    // What the outbox list shows until the send renders the template.
    subject: `[${(ticket.number as string | null) ?? ''}] Resolved: ${ticket.subject as string}`,
    text: 'Rendered with the tenant’s resolved template when sent.',
    templateData: { resolvedAt: resolvedAt.toISOString(), recipientName: requester.name as string },
  });
  return true;
}

/** A resolution begins when the ticket is resolved with a `resolved_at` it did not have (reopening clears it). */
function isNewResolution(before: Row, ticket: Row): boolean {
  const at = asDate(ticket.resolved_at);
  return ticket.status === 'resolved' && at !== undefined && at.getTime() !== asDate(before.resolved_at)?.getTime();
}

const asDate = (value: unknown): Date | undefined => (value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined);

/** The rating link of a queued resolution mail, at the tenant's primary host. */
export function ratingValues(deps: Pick<MailDeps, 'box' | 'config'>, ctx: TenancyContext, row: Row, data: Record<string, unknown>): MailValues['rating'] {
  const tenantId = row.tenant_id as number;
  const host = ctx.catalog.primaryHosts.get(tenantId);
  if (!host || typeof data.resolvedAt !== 'string' || !row.ticket_id) return { link: '' };
  const origin = publicOriginOf(host, deps.config.publicOrigin);
  return { link: ratingPageUrl(deps.box, origin, { tenantId, ticketId: row.ticket_id as string, resolvedAt: new Date(data.resolvedAt) }) };
}

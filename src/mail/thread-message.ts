import type { ParsedMail } from 'mailparser';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects, type Row } from '../tenancy/data-access.ts';
import { readMessageToken } from './message-token.ts';
import { messageIdsIn, subjectTicketNumber } from './message-traits.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * The ticket of `tenantId` an incoming message replies to, if any, in this order: the signed token
 * of a Message-ID we sent (In-Reply-To, then References, nearest first); a Message-ID the tenant
 * has seen (received or sent); the `[ACME-000042]` number in the subject. Whatever names it, the
 * ticket is only joined when the sender takes part in it; otherwise the message opens a new ticket.
 * Tenant boundary: every lookup is limited to `tenantId`, the tenant of the address written to, and
 * a token naming another tenant is ignored, so no message can reach another tenant's ticket.
 * `asAgent`: the sender is an agent whose mail proved it (reply-authentication.ts).
 */
export async function findThread(box: SecretBox | undefined, ctx: TenancyContext, tenantId: number, parsed: ParsedMail, sender: Row, asAgent: boolean): Promise<Row | undefined> {
  const ids = [...messageIdsIn(parsed.inReplyTo), ...messageIdsIn(parsed.references).reverse()].slice(0, 30);
  for (const id of ids) {
    const token = readMessageToken(box, id);
    const ticketId = token ? (token.tenantId === tenantId ? token.ticketId : undefined) : await ticketOfMessage(ctx, tenantId, id);
    if (!ticketId) continue;
    const ticket = await ticketOf(ctx, tenantId, { id: ticketId });
    if (ticket && (await takesPart(ctx, ticket, sender, asAgent))) return ticket;
  }
  const number = subjectTicketNumber(parsed.subject ?? '');
  if (number) {
    const ticket = await ticketOf(ctx, tenantId, { number });
    if (ticket && (await takesPart(ctx, ticket, sender, asAgent))) return ticket;
  }
  return undefined;
}

async function ticketOfMessage(ctx: TenancyContext, tenantId: number, messageKey: string): Promise<string | undefined> {
  const rows = await listObjects(ctx, 'mailMessage', { where: { tenant_id: tenantId, message_key: messageKey }, orderBy: 'created_at', descending: true, limit: 5 });
  return rows.find((r) => r.ticket_id)?.ticket_id as string | undefined;
}

/** A ticket of the tenant; a merged one leads to the ticket it was merged into. */
export async function ticketOf(ctx: TenancyContext, tenantId: number, where: { id: string } | { number: string }): Promise<Row | undefined> {
  let [ticket] = await listObjects(ctx, 'ticket', { where: { ...where, tenant_id: tenantId }, limit: 1 });
  for (let hops = 0; ticket?.merged_into_id && hops < 5; hops++) {
    [ticket] = await listObjects(ctx, 'ticket', { where: { id: ticket.merged_into_id, tenant_id: tenantId }, limit: 1 });
  }
  return ticket;
}

/**
 * Whether the sender may write on the ticket by mail: its requester, a collaborator, or an agent of
 * the ticket's tenant whose mail proved it is the agent (`asAgent`; an agent's address alone is not enough).
 */
export async function takesPart(ctx: TenancyContext, ticket: Row, sender: Row, asAgent: boolean): Promise<boolean> {
  if (sender.tenant_id !== ticket.tenant_id) return false;
  if (ticket.requester_id === sender.id) return true;
  if (asAgent && (sender.kind === 'agent' || sender.kind === 'staff')) return true;
  const copied = await listObjects(ctx, 'ticketCollaborator', { where: { ticket_id: ticket.id, contact_id: sender.id }, limit: 1 });
  return copied.length > 0;
}

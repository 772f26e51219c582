import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineJob } from '../jobs/job-type.ts';
import { jobCompanion } from '../jobs/enqueue.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, listObjects, referenceableTenants, type Row } from '../tenancy/data-access.ts';
import { mailRenderer, ticketValues } from './mail-templates.ts';
import { isAgentTokenId } from './message-token.ts';
import { htmlToText } from './message-traits.ts';

/**
 * Sends one `mail_outbox` row (send-mail.ts handles it). Enqueued in the transaction that writes
 * the row, so a committed change always gets its mail and a rolled-back one never does. Retried
 * with back-off from 30 s up to an hour, about a day in all, before it is dead (listed for admins).
 */
export const sendMail = defineJob({
  name: 'mail.send',
  payload: z.object({ outboxId: z.string().uuid() }),
  maxAttempts: 12,
  leaseMs: 3 * 60_000,
  backoffMs: 30_000,
  maxBackoffMs: 3_600_000,
});

export type OutgoingMail = {
  readonly tenantId: number;
  readonly to: string;
  readonly subject: string;
  /** The body; none for a row whose `templateData` the send job renders with the tenant's template. */
  readonly html?: string;
  /** The text alternative (default: the HTML as text). */
  readonly text?: string;
  /** A template's values instead of a body (send-mail.ts renders the row when it sends it). */
  readonly templateData?: Record<string, unknown>;
  /** What it is, for the outbox list: `auto-reply`, `agent-reply`, ... */
  readonly kind: string;
  readonly mailbox?: Row | undefined;
  readonly ticket?: Row | undefined;
  readonly inReplyTo?: string | undefined;
  readonly references?: readonly string[];
  /** Written by no one (an acknowledgment): sent with `Auto-Submitted: auto-replied` (RFC 3834). */
  readonly autoSubmitted?: boolean;
};

/** Queues one mail in the caller's unit of work: the outbox row and, in its statement, the job that sends it. */
export async function queueMail(ctx: TenancyContext, mail: OutgoingMail): Promise<Row> {
  const id = randomUUID();
  const send = jobCompanion(sendMail, { tenantId: mail.tenantId, payload: { outboxId: id }, key: id });
  return createObject(ctx, 'mailOutbox', {
    id,
    tenant_id: mail.tenantId,
    mailbox_id: mail.mailbox?.id ?? null,
    ticket_id: mail.ticket?.id ?? null,
    kind: mail.kind,
    to_address: mail.to,
    subject: mail.subject.slice(0, 900),
    body_text: mail.text ?? htmlToText(mail.html ?? ''),
    body_html: mail.html ?? null,
    template_data: mail.templateData ? JSON.stringify(mail.templateData) : null,
    in_reply_to: mail.inReplyTo ?? null,
    references_ids: [...(mail.references ?? [])],
    auto_submitted: mail.autoSubmitted ?? false,
  }, { with: [send] });
}

/**
 * The Message-IDs of a ticket's mail so far, oldest first: the last is the reply's In-Reply-To,
 * and the first and latest ones its References (RFC 5322 suggests keeping the first). The ids of
 * mail we sent to agents are left out: their token lets whoever holds it write as that agent.
 */
export async function ticketMessageIds(ctx: TenancyContext, ticketId: string): Promise<string[]> {
  const rows = await listObjects(ctx, 'mailMessage', { where: { ticket_id: ticketId }, orderBy: 'created_at', descending: true, limit: 20 });
  const ids = rows.reverse().map((r) => r.message_key as string).filter((k) => !/^(sha256|imap):/.test(k) && !isAgentTokenId(k));
  return ids;
}

/** The mailbox a ticket's mail goes out from: the one its mail came in at, else the tenant's first. */
export async function mailboxOfTicket(ctx: TenancyContext, ticket: Row): Promise<Row | undefined> {
  const [incoming] = await listObjects(ctx, 'mailMessage', { where: { ticket_id: ticket.id, direction: 'in' }, orderBy: 'created_at', limit: 1 });
  if (incoming?.mailbox_id) {
    const [mailbox] = await listObjects(ctx, 'mailbox', { where: { id: incoming.mailbox_id, active: true }, limit: 1 });
    if (mailbox) return mailbox;
  }
  const [first] = await listObjects(ctx, 'mailbox', { where: { tenant_id: ticket.tenant_id, active: true }, orderBy: 'created_at', limit: 1 });
  return first;
}

/**
 * Mails an agent's public reply to the ticket's requester and collaborators, in the reply's unit
 * of work. Internal notes never leave: only `reply` entries by someone other than a customer are
 * mailed, and only in tenants with a mailbox (the email channel is set up).
 */
export async function notifyParticipants(ctx: TenancyContext, ticket: Row, entry: Row, author: { contactId: string; kind: string }): Promise<number> {
  if (entry.kind !== 'reply' || author.kind === 'customer') return 0;
  const mailbox = await mailboxOfTicket(ctx, ticket);
  if (!mailbox) return 0;
  const collaborators = await listObjects(ctx, 'ticketCollaborator', { where: { ticket_id: ticket.id }, limit: 200 });
  const ids = new Set([ticket.requester_id, ...collaborators.map((c) => c.contact_id)].filter((id): id is string => typeof id === 'string' && id !== author.contactId));
  const thread = await ticketMessageIds(ctx, ticket.id as string);
  const render = await mailRenderer(ctx, ticket.tenant_id as number, 'agent-reply');
  let queued = 0;
  for (const id of ids) {
    const [contact] = await listObjects(ctx, 'contact', { where: { id, status: 'active' }, limit: 1 });
    if (!contact) continue;
    await queueMail(ctx, {
      tenantId: ticket.tenant_id as number,
      mailbox,
      ticket,
      to: contact.email as string,
      ...render({ ticket: ticketValues(ticket), recipient: { name: contact.name as string, email: contact.email as string }, entry: { body: entry.body_html as string } }),
      kind: 'agent-reply',
      inReplyTo: thread.at(-1),
      references: thread.length > 10 ? [thread[0]!, ...thread.slice(-9)] : thread,
    });
    queued++;
  }
  return queued;
}

/**
 * Tells a ticket's new assignee, in the assignment's unit of work, when someone else assigned it
 * and the tenant has the email channel set up. The assignee may be a service-provider agent
 * (SP-eligible reference): it is read among the tenants the reference rules let the ticket name,
 * for its address and name only.
 */
export async function notifyAssignee(ctx: TenancyContext, ticket: Row, assignedBy: string | null): Promise<boolean> {
  const assigneeId = ticket.assignee_id as string | null;
  if (!assigneeId || assigneeId === assignedBy || ticket.tenant_id === null) return false;
  const mailbox = await mailboxOfTicket(ctx, ticket);
  if (!mailbox) return false;
  // Tenant boundary: exactly the tenants the assignee reference may point to (write rules 3 and 4).
  const read = referenceableTenants(ctx, ticket.tenant_id as number, { spEligible: true });
  const [assignee] = await listObjects({ ...ctx, access: { ...ctx.access, read } }, 'contact', { where: { id: assigneeId, status: 'active' }, limit: 1 });
  if (!assignee) return false;
  const render = await mailRenderer(ctx, ticket.tenant_id as number, 'assignment');
  await queueMail(ctx, {
    tenantId: ticket.tenant_id as number,
    mailbox,
    ticket,
    to: assignee.email as string,
    ...render({ ticket: ticketValues(ticket), recipient: { name: assignee.name as string, email: assignee.email as string } }),
    kind: 'assignment',
  });
  return true;
}

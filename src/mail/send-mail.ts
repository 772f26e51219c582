import { sql } from 'kysely';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { inScope } from '../db/scope.ts';
import { enqueue } from '../jobs/enqueue.ts';
import { defineJob, handleJob, type JobHandler } from '../jobs/job-type.ts';
import { guardedSmtpTransport } from '../net/smtp-transport.ts';
import { mailSent } from '../metrics/metrics.ts';
import { listObjects, updateObject, type Row } from '../tenancy/data-access.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import type { MailDeps } from './mail-context.ts';
import { scopedTx } from './mail-context.ts';
import { isTemplateKind, mailRenderer, overdueValues, ticketValues } from './mail-templates.ts';
import { signedMessageId, type MessageToken } from './message-token.ts';
import { sendMail } from './queue-mail.ts';
import { ratingValues } from './resolution-mail.ts';
import { domainOf, mailSender } from './sender-address.ts';

/**
 * Sends one outbox row over SMTP with nodemailer: the mailbox's relay (falling back to SMTP_URL),
 * the sender `mailSender` allows (the mailbox's address on a domain the tenant may send from, else
 * MAIL_FROM under the tenant's name with Reply-To its address), a Message-ID carrying the signed
 * ticket token, the threading headers. Every connection goes through the guarded connector: a
 * tenant's relay under OUTBOUND_ALLOW, the installation's SMTP_URL trusted by name as configured.
 * The row is marked sent in the job's transaction. A send whose commit then fails is sent again with
 * the same Message-ID (derived from the row's id), which mail clients show once.
 */
export function sendMailHandler(deps: MailDeps): JobHandler<{ outboxId: string }> {
  const transports = new Map<string, Promise<Transporter>>();
  // Trust comes from where the URL was read (SMTP_URL, or a tenant's mailbox), never from what it says.
  const transport = (url: string, installation: boolean) => {
    const key = `${installation ? 'installation' : 'tenant'} ${url}`;
    let t = transports.get(key);
    if (!t) transports.set(key, (t = guardedSmtpTransport(installation ? deps.outbound.trusting(new URL(url).hostname) : deps.outbound, url)));
    return t;
  };
  return handleJob(sendMail, async (ctx, { outboxId }) => {
    const [row] = await listObjects(ctx, 'mailOutbox', { where: { id: outboxId }, limit: 1 });
    if (!row || row.sent_at) return;
    const mailbox = await senderMailbox(ctx, row);
    const own = Boolean(mailbox?.smtp_url_enc);
    const relay = own ? deps.box?.decrypt(mailbox!.smtp_url_enc as string) : deps.config.relayUrl;
    if (!relay) throw new Error('No SMTP relay is configured: set SMTP_URL (or a relay on the tenant’s mailbox).');
    const tenantId = row.tenant_id as number;
    const sender = mailSender(ctx.catalog.byId.get(tenantId), mailbox, deps.config);
    const from = sender.from.address;
    const messageId = (row.message_id as string | null) ?? signedMessageId(deps.box, await messageToken(ctx, row), domainOf(from), (row.id as string).replace(/-/g, ''));
    const references = row.references_ids as string[];
    const content = await outboxContent(deps, ctx, row);
    try {
      await (await transport(relay, !own)).sendMail({
        from: sender.from,
        ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
        to: row.to_address as string,
        subject: content.subject,
        text: content.text,
        ...(content.html ? { html: content.html } : {}),
        messageId: `<${messageId}>`,
        ...(row.in_reply_to ? { inReplyTo: `<${row.in_reply_to as string}>` } : {}),
        ...(references.length ? { references: references.map((r) => `<${r}>`) } : {}),
        headers: row.auto_submitted ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } : {},
      });
    } catch (error) {
      // What failed, for the job's last error: never a stack, never the relay's credentials.
      throw new Error(`SMTP relay refused or unreachable: ${(error as Error).message}`, { cause: error });
    }
    mailSent.inc();
    const rendered = content.rendered ? { subject: content.subject, body_text: content.text, body_html: content.html } : {};
    await updateObject(ctx, 'mailOutbox', outboxId, { sent_at: new Date(), message_id: messageId, last_error: null, ...rendered });
    // Our own Message-ID, so a reply that quotes it threads even without the token (no MAIL_SECRET).
    await sql`insert into mail_messages (tenant_id, mailbox_id, direction, message_key, transport, sender, outcome, ticket_id)
      values (${tenantId}, ${mailbox?.id ?? null}, 'out', ${messageId}, 'outbox', ${from}, 'sent', ${row.ticket_id ?? null})
      on conflict (tenant_id, mailbox_id, direction, message_key) do nothing`.execute(await scopedTx(ctx));
  });
}

/**
 * What a row says. A row queued by a set-based statement (the overdue sweep), or one whose link is
 * signed when sent (the resolution mail), carries its template's values instead of a body: it is
 * rendered now, with its tenant's template (kept on the row once sent).
 */
async function outboxContent(deps: MailDeps, ctx: TenancyContext, row: Row): Promise<{ subject: string; text: string; html: string | undefined; rendered: boolean }> {
  const data = row.template_data as Record<string, unknown> | null;
  if (row.body_html || !data || !isTemplateKind(row.kind)) return { subject: row.subject as string, text: row.body_text as string, html: (row.body_html as string | null) ?? undefined, rendered: false };
  const [ticket] = row.ticket_id ? await listObjects(ctx, 'ticket', { where: { id: row.ticket_id }, limit: 1 }) : [];
  const render = await mailRenderer(ctx, row.tenant_id as number, row.kind);
  const mail = render({ ...(ticket ? { ticket: ticketValues(ticket) } : {}), recipient: { name: (data.recipientName as string | undefined) ?? '', email: row.to_address as string }, sla: overdueValues(data), ...(row.kind === 'resolved' ? { rating: ratingValues(deps, ctx, row, data) } : {}) });
  return { ...mail, rendered: true };
}

/**
 * What the Message-ID of a row about a ticket signs: the tenant and ticket, and, when it goes to
 * an agent of the ticket's tenant, that agent, dated by the row (so a retried send keeps its id):
 * the agent may answer it by mail (reply-authentication.ts).
 */
async function messageToken(ctx: TenancyContext, row: Row): Promise<MessageToken | undefined> {
  if (!row.ticket_id) return undefined;
  const token = { tenantId: row.tenant_id as number, ticketId: row.ticket_id as string };
  const [recipient] = await listObjects(ctx, 'contact', { where: { tenant_id: row.tenant_id, email: row.to_address, status: 'active' }, limit: 1 });
  if (recipient?.kind !== 'agent' && recipient?.kind !== 'staff') return token;
  return { ...token, agent: { contactId: recipient.id as string, issuedAt: Math.floor((row.created_at as Date).getTime() / 1000) } };
}

/** The mailbox a row is sent from: its own, else the tenant's first active one (password resets). */
async function senderMailbox(ctx: TenancyContext, row: Row): Promise<Row | undefined> {
  const where = row.mailbox_id ? { id: row.mailbox_id, active: true } : { tenant_id: row.tenant_id, active: true };
  const [mailbox] = await listObjects(ctx, 'mailbox', { where, orderBy: 'created_at', limit: 1 });
  return mailbox;
}

/**
 * An installation job: outbox rows written without a send job (password resets, rows from before
 * the email channel) get one, in every shard. A row whose job already exists is left alone (the
 * job's key is the row's id).
 */
export const sweepOutbox = defineJob({ name: 'mail.sweep-outbox', payload: z.object({}) });

export const sweepOutboxHandler = handleJob(sweepOutbox, async (ctx) => {
  const pending = async (db: typeof ctx.tx & object) => {
    const rows = await sql<{ id: string; tenant_id: number }>`select o.id, o.tenant_id from mail_outbox o
      where o.sent_at is null and o.tenant_id is not null and o.created_at < now() - interval '1 minute'
        and not exists (select 1 from jobs j where j.tenant_id = o.tenant_id and j.name = ${sendMail.name} and j.key = o.id::text)
      limit 1000`.execute(db);
    for (const row of rows.rows) await enqueue(db, sendMail, { tenantId: row.tenant_id, payload: { outboxId: row.id }, key: row.id });
  };
  await pending(await scopedTx(ctx));
  const silos = new Set([...ctx.catalog.byId.values()].map((t) => t.shard).filter((shard) => shard !== 'pool'));
  for (const name of silos) {
    await inScope(await ctx.shards.get(name), { read: 'all', write: 'all', writePublic: true }, (tx) => pending(tx));
  }
});

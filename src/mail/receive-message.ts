import { sql } from 'kysely';
import type { AddressObject, ParsedMail } from 'mailparser';
import type { ContactKind, MailOutcome, MailTransport, Role } from '../db/schema.ts';
import { orderedId } from '../db/ordered-id.ts';
import { rollbackToSavepoint } from '../db/scope.ts';
import { writingFiles } from '../desk/attachments/attachment-files.ts';
import { storeAttachment } from '../desk/attachments/add-attachment.ts';
import type { DeskContext } from '../desk/desk-context.ts';
import { sanitizeBody } from '../desk/sanitize.ts';
import { createTicket } from '../desk/tickets/create-ticket.ts';
import { reopenOnCustomerReply } from '../desk/tickets/ticket-lifecycle.ts';
import { AppError } from '../errors.ts';
import { auditCompanion } from '../identity/audit.ts';
import { createContact } from '../identity/create-contact.ts';
import { mailQuarantined, mailReceived } from '../metrics/metrics.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, inTransaction, listObjects, type Row } from '../tenancy/data-access.ts';
import { scopedTx, tenantMailContext, type MailDeps } from './mail-context.ts';
import { mailboxRoutes } from './mailbox-routes.ts';
import { mailRenderer, ticketValues } from './mail-templates.ts';
import { mailboxForAddress } from './mailboxes.ts';
import { tooManyPartsProblem } from './mime-parts.ts';
import { failsAuthentication, isAutomated, normalizeAddress, textToHtml } from './message-traits.ts';
import { quarantineMessage, sha256 } from './quarantine.ts';
import { notifyParticipants, queueMail } from './queue-mail.ts';
import { proveAgentMail, type AgentProof } from './reply-authentication.ts';
import { findThread, ticketOf } from './thread-message.ts';
import { hourlyMailCounts } from './tenant-mail-limit.ts';

/**
 * The one inbound pipeline. The SMTP listener, `tenantdesk mail pipe` and the IMAP fetch job all
 * hand their raw message here: it is read once, routed from its recipient address to a tenant's
 * mailbox, and, in one unit of work in that tenant, claimed by its key (so a second delivery is a
 * duplicate), then threaded into a ticket of that tenant or opened as a new one, or kept raw in
 * the tenant's quarantine. Nothing a message says can make it act in another tenant.
 */
export type IncomingMessage = {
  readonly raw: Buffer;
  readonly transport: MailTransport;
  /** Envelope recipients (SMTP RCPT TO, `mail pipe --to`); without them, the message's own headers. */
  readonly recipients?: readonly string[];
  /** Where an IMAP message sits: a message without a Message-ID is keyed by it. */
  readonly imap?: { readonly uidValidity: number; readonly uid: number };
  /**
   * True when the SMTP peer is no relay in MAIL_TRUSTED_RELAYS: whatever Authentication-Results the
   * message carries, its sender wrote them. The pipe (run by the local MTA) and IMAP (the mailbox
   * provider's MTA delivered it) leave it unset.
   */
  readonly untrustedPeer?: boolean;
};

export type DeliveryOutcome = MailOutcome | 'duplicate';

export type Delivery = {
  readonly tenantId: number;
  readonly mailboxId: string;
  readonly outcome: Exclude<DeliveryOutcome, 'sent'>;
  readonly ticketId?: string;
  readonly ticketNumber?: string;
  /** Why it was quarantined or rejected. */
  readonly reason?: string;
};

/** A message as read once, before any tenant is involved. */
export type ReadMessage = {
  readonly raw: Buffer;
  readonly parsed: ParsedMail | undefined;
  /** Why it cannot become a ticket entry (it is quarantined); undefined when it can. */
  readonly problem: string | undefined;
  readonly messageId: string | undefined;
  readonly from: { address: string; name: string } | undefined;
  readonly subject: string;
};

export const PARSE_OPTIONS = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, keepCidLinks: true } as const;

/**
 * What a message may do at the desk: open tickets (with `source: email`) and reply. Tenant access
 * comes from the mail context (the addressed tenant only), authorship from the sender's contact.
 */
const EMAIL_ROLE: Role = {
  id: '00000000-0000-0000-0000-000000000000',
  tenant_id: null,
  slug: 'email-channel',
  name: 'Email channel',
  read_access: 'own',
  read_tenant_id: null,
  read_group_id: null,
  write_access: 'own',
  write_tenant_id: null,
  write_group_id: null,
  may_write_public: false,
  permissions: ['ticket.create', 'ticket.edit', 'ticket.reply'],
  data_partitions: [],
  created_at: new Date(0),
};

/** Reads a raw message once: parsed (headers only when it is over the size limit), its key facts. */
export async function readMessage(deps: Pick<MailDeps, 'config'>, raw: Buffer): Promise<ReadMessage> {
  const max = deps.config.maxMessageBytes;
  const tooLarge = raw.length > max;
  const tooManyParts = tooLarge ? undefined : tooManyPartsProblem(raw);
  let parsed: ParsedMail | undefined;
  let problem: string | undefined;
  try {
    // An oversized message, or one of too many parts, is not parsed whole: its headers are enough to route and quarantine it.
    // mailparser is loaded with the first message, not with the server (bench/README.md, "Server memory").
    const { simpleParser } = await import('mailparser');
    parsed = await simpleParser(tooLarge || tooManyParts ? headerSection(raw) : raw, PARSE_OPTIONS);
  } catch (error) {
    problem = `Unparseable message: ${(error as Error).message}`;
  }
  if (tooLarge) problem = `The message is ${raw.length} bytes, over the limit of ${max} (MAIL_MAX_MESSAGE_BYTES).`;
  problem = tooManyParts ?? problem;
  const sender = parsed?.from?.value.find((a) => a.address);
  const from = sender?.address ? { address: normalizeAddress(sender.address), name: (sender.name ?? '').trim().slice(0, 200) } : undefined;
  if (!problem && !from) problem = 'The message has no sender address (From).';
  if (!problem && !raw.length) problem = 'The message is empty.';
  const messageId = parsed?.messageId?.replace(/^<|>$/g, '').trim() || undefined;
  return { raw, parsed, problem, messageId, from, subject: (parsed?.subject ?? '').replace(/\s+/g, ' ').trim() };
}

function headerSection(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const cut = end >= 0 ? end + 4 : lf >= 0 ? lf + 2 : Math.min(raw.length, 64 * 1024);
  return raw.subarray(0, Math.min(cut, 256 * 1024));
}

const addressesOf = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.flatMap((v) => (v.address ? [normalizeAddress(v.address)] : [])));

/** The addresses a message was delivered to, when no envelope says: Delivered-To and friends, To, Cc. */
function headerRecipients(parsed: ParsedMail | undefined): string[] {
  if (!parsed) return [];
  const delivered = parsed.headerLines
    .filter((h) => ['delivered-to', 'x-original-to', 'envelope-to'].includes(h.key))
    .map((h) => normalizeAddress(h.line.slice(h.line.indexOf(':') + 1).replace(/[<>]/g, '')));
  return [...delivered, ...addressesOf(parsed.to), ...addressesOf(parsed.cc)];
}

/**
 * The mailboxes a message goes to: one per tenant among its recipients (two addresses of one
 * tenant make one ticket, not two; addresses of two tenants make one in each).
 */
export async function routeMessage(deps: MailDeps, recipients: readonly string[]): Promise<Row[]> {
  const byTenant = new Map<number, Row>();
  for (const address of new Set(recipients.map(normalizeAddress))) {
    const mailbox = await mailboxForAddress(deps, address);
    if (mailbox && !byTenant.has(mailbox.tenant_id as number)) byTenant.set(mailbox.tenant_id as number, mailbox);
  }
  return [...byTenant.values()];
}

/**
 * Receives one raw message (SMTP listener, pipe): each addressed tenant's part commits on its own.
 * Throws NOT_FOUND when no recipient is a support address; any other throw is temporary (the
 * database, a tenant being moved): the transport must make the sender try again.
 */
export async function receiveMessage(deps: MailDeps, message: IncomingMessage): Promise<Delivery[]> {
  const read = await readMessage(deps, message.raw);
  const mailboxes = await routeMessage(deps, message.recipients ?? headerRecipients(read.parsed));
  if (!mailboxes.length) throw new AppError('NOT_FOUND', 'No recipient of this message is a support address of this help desk.', 'recipient');
  const deliveries: Delivery[] = [];
  for (const mailbox of mailboxes) deliveries.push(countDelivery(message.transport, await deliverAlone(deps, mailbox, message, read)));
  return deliveries;
}

/** Counts a delivery for /metrics once its unit of work committed (tenantdesk_mail_received_total). */
export function countDelivery(transport: MailTransport, delivery: Delivery): Delivery {
  mailReceived.inc({ transport, outcome: delivery.outcome });
  if (delivery.outcome === 'quarantined') mailQuarantined.inc({ transport });
  return delivery;
}

/** Why a claimed message is kept in quarantine instead of becoming a ticket entry. */
class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly outcome: 'quarantined' | 'rejected',
  ) {
    super(reason);
  }
}

/** A refusal that retrying cannot change (an AppError below 500), or undefined: the error stands. */
const refusalOf = (error: unknown): Refusal | undefined =>
  error instanceof AppError && error.status < 500 ? new Refusal(error.message, error.code === 'TICKET_REJECTED' ? 'rejected' : 'quarantined') : undefined;

/**
 * A message already recorded under its key for the mailbox (another delivery of it committed
 * first): what this delivery wrote is undone, and it is a duplicate.
 */
class AlreadyRecorded extends Error {}

/**
 * One message in a unit of work of its own (SMTP, pipe), without a savepoint: a refusal rolls the
 * whole unit of work back, and a second one records the message and keeps it in quarantine. Two
 * statements fewer for every message taken; a refused one costs a short second transaction, in
 * which another delivery of it may meanwhile have been recorded (then it is a duplicate).
 */
async function deliverAlone(deps: MailDeps, routed: Row, message: IncomingMessage, read: ReadMessage): Promise<Delivery> {
  const tenantId = routed.tenant_id as number;
  const deliver = (refused?: Refusal) =>
    inTransaction(tenantMailContext(deps, tenantId), async (ctx) => deliverToMailbox(deps, ctx, await currentMailbox(deps, ctx, routed), message, read, { alone: true, refused }), tenantId);
  const attempt = async () => {
    try {
      return await deliver();
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return deliver(error);
    }
  };
  try {
    return await attempt();
  } catch (error) {
    if (error instanceof AlreadyRecorded) return { tenantId, mailboxId: routed.id as string, outcome: 'duplicate' };
    throw error;
  }
}

/**
 * The routed mailbox as it is now, read in the delivery's unit of work: a route may be a few
 * seconds old (mailbox-routes.ts), its settings never are. One removed or deactivated meanwhile
 * makes the transport retry; the retry is routed afresh.
 */
async function currentMailbox(deps: MailDeps, ctx: TenancyContext, routed: Row): Promise<Row> {
  const [mailbox] = await listObjects(ctx, 'mailbox', { where: { id: routed.id, active: true }, limit: 1 });
  if (mailbox) return mailbox;
  mailboxRoutes(deps.shards).forget();
  throw new Error(`The support address ${routed.address as string} was removed or deactivated while its mail was routed; the message is offered again.`);
}

type DeliveryMode = {
  /** The message has the unit of work to itself: a refusal is thrown as a Refusal (deliverAlone). */
  alone?: boolean;
  /** The refusal of a first attempt: claim the message and keep it in quarantine. */
  refused?: Refusal | undefined;
};

/**
 * Delivers a read message to one mailbox inside the caller's unit of work (`ctx.tx`, scoped to the
 * mailbox's tenant). The message is recorded under its key last, with what became of it: a second
 * delivery of it waits on that key until the first commits, then finds it there and undoes its
 * own writes (a duplicate). A refusal that retrying cannot change (an AppError below 500) undoes
 * the message's own writes, back to a savepoint, and keeps it in quarantine instead (or, `alone`,
 * is thrown for the caller to do so afresh); anything else is thrown, so the whole unit of work
 * rolls back and the message is offered again later.
 */
export async function deliverToMailbox(deps: MailDeps, ctx: TenancyContext, mailbox: Row, message: IncomingMessage, read: ReadMessage, mode: DeliveryMode = {}): Promise<Delivery> {
  const tenantId = mailbox.tenant_id as number;
  const base = { tenantId, mailboxId: mailbox.id as string };
  // Before anything is written: over the tenant's hourly limit, the message is deferred, not quarantined.
  const { bySender } = await hourlyMailCounts(ctx, tenantId, { address: read.from?.address ?? '', limit: deps.config.ratePerSenderPerHour });
  const automated = read.parsed ? isAutomated(read.parsed.headerLines, read.parsed.headers.get('content-type')?.toString() ?? contentTypeOf(read.parsed), read.from?.address ?? '') : false;
  const flagged = read.parsed ? failsAuthentication(read.parsed.headerLines) : false;
  const record = (outcome: Outcome) => recordMessage(ctx, mailbox, message, read, { automated, flagged }, outcome);
  const keep = async (refusal: Refusal): Promise<Delivery> => {
    if (!(await record({ outcome: refusal.outcome }))) return { ...base, outcome: 'duplicate' };
    await quarantineMessage(ctx, { tenantId, mailboxId: mailbox.id as string, reason: refusal.reason, transport: message.transport, raw: read.raw, sender: read.from?.address ?? '', subject: read.subject });
    return { ...base, outcome: refusal.outcome, reason: refusal.reason };
  };
  if (read.problem) return keep(new Refusal(read.problem, 'quarantined'));
  if (mode.refused) return keep(mode.refused);
  const accept = () => writingFiles((write) => acceptMessage(deps, ctx, mailbox, message, read, { record, automated, flagged, bySender, write }));
  if (mode.alone) {
    try {
      return { ...base, ...(await accept()) };
    } catch (error) {
      throw refusalOf(error) ?? error;
    }
  }
  const tx = await scopedTx(ctx);
  await sql`savepoint mail_message`.execute(tx);
  const known = ctx.known && new Map(ctx.known);
  try {
    const done = await accept();
    await sql`release savepoint mail_message`.execute(tx);
    return { ...base, ...done };
  } catch (error) {
    const refusal = refusalOf(error);
    if (!refusal && !(error instanceof AlreadyRecorded)) throw error;
    await rollbackToSavepoint(tx, 'mail_message');
    // Rows written after the savepoint no longer exist: no later reference may skip its check on them.
    if (known) for (const key of ctx.known!.keys()) if (!known.has(key)) ctx.known!.delete(key);
    return refusal ? keep(refusal) : { ...base, outcome: 'duplicate' };
  }
}

const contentTypeOf = (parsed: ParsedMail): string => {
  const line = parsed.headerLines.find((h) => h.key === 'content-type')?.line ?? '';
  return line.slice(line.indexOf(':') + 1).trim();
};

/** The message's key: its Message-ID, else its IMAP position, else a digest of its bytes. */
function messageKey(message: IncomingMessage, read: ReadMessage): string {
  if (read.messageId) return read.messageId.slice(0, 1000);
  if (message.imap) return `imap:${message.imap.uidValidity}:${message.imap.uid}`;
  return `sha256:${sha256(read.raw)}`;
}

type Outcome = { outcome: MailOutcome; ticket_id?: unknown; thread_entry_id?: unknown };

/**
 * Records the message under its key for this mailbox, with what became of it; false when that key
 * is already there (another delivery of it). Concurrent deliveries of one message wait on the
 * unique index: the second sees the first's row once it commits. Written with a statement of its
 * own (the channel's bookkeeping, under the tenant's scope, which row-level security enforces);
 * the ticket and entry were just written or found in this tenant's unit of work, and the foreign
 * keys check them again.
 */
async function recordMessage(ctx: TenancyContext, mailbox: Row, message: IncomingMessage, read: ReadMessage, traits: { automated: boolean; flagged: boolean }, done: Outcome): Promise<boolean> {
  const result = await sql<{ id: string }>`insert into mail_messages
      (tenant_id, mailbox_id, direction, message_key, transport, imap_uid_validity, imap_uid, sender, outcome, ticket_id, thread_entry_id, automated, flagged)
    values (${mailbox.tenant_id}, ${mailbox.id}, 'in', ${messageKey(message, read)}, ${message.transport}, ${message.imap?.uidValidity ?? null},
      ${message.imap?.uid ?? null}, ${read.from?.address ?? ''}, ${done.outcome}, ${done.ticket_id ?? null}, ${done.thread_entry_id ?? null}, ${traits.automated}, ${traits.flagged})
    on conflict (tenant_id, mailbox_id, direction, message_key) do nothing
    returning id`.execute(await scopedTx(ctx));
  return result.rows.length > 0;
}

type Acceptance = { record: (outcome: Outcome) => Promise<boolean>; automated: boolean; flagged: boolean; bySender: number; write: (path: string, data: Buffer) => Promise<void> };

/** The message becomes a reply on a ticket of the tenant, or a new ticket; throws AppError to refuse it. */
async function acceptMessage(deps: MailDeps, ctx: TenancyContext, mailbox: Row, message: IncomingMessage, read: ReadMessage, a: Acceptance): Promise<Omit<Delivery, 'tenantId' | 'mailboxId'>> {
  const tenantId = mailbox.tenant_id as number;
  const parsed = read.parsed!;
  assertWithinRate(deps, read.from!.address, a.bySender);
  const contact = await senderContact(ctx, mailbox, read.from!);
  const proof = agentProof(deps, message, read, contact);
  const asAgent = proof !== undefined;
  const desk: DeskContext = { ...ctx, actor: { contactId: contact.id as string, kind: contact.kind as ContactKind, activeRole: EMAIL_ROLE } };
  const html = messageHtml(parsed);
  const oversized = parsed.attachments.filter((f) => f.size > deps.config.maxAttachmentBytes);
  const email = { messageId: read.messageId ?? null, from: read.from!.address, transport: message.transport, flagged: a.flagged, automated: a.automated, ...(oversized.length ? { attachmentsRefused: oversized.map((f) => ({ filename: f.filename ?? 'attachment', size: f.size })) } : {}) };
  const ticket = proof?.by === 'token' ? await tokenTicket(ctx, tenantId, proof.ticketId) : await findThread(deps.box, ctx, tenantId, parsed, contact, asAgent);
  let entry: Row;
  let opened: Row | undefined;
  let target: Row;
  let outcome: 'ticket' | 'reply';
  if (ticket) {
    target = ticket;
    outcome = 'reply';
    const entryId = orderedId();
    const added = auditCompanion({ tenantId, actorContactId: contact.id as string, action: 'ticket.reply_added', objectType: 'ticket', objectId: ticket.id as string, data: { entryId, via: 'email' } });
    entry = await createObject(ctx, 'threadEntry', { id: entryId, ticket_id: ticket.id, kind: 'reply', author_id: contact.id, body_html: html, data: JSON.stringify({ email }) }, { with: [added] });
    await reopenOnCustomerReply(desk, ticket);
  } else {
    outcome = 'ticket';
    target = await createTicket(desk, {
      tenantId,
      subject: read.subject.slice(0, 500) || '(no subject)',
      body: html,
      source: 'email',
      requesterId: contact.id as string,
      ...(mailbox.help_topic_id ? { helpTopicId: mailbox.help_topic_id as string } : {}),
      ...(mailbox.department_id ? { departmentId: mailbox.department_id as string } : {}),
      // Only a sender that passed authentication may bring others onto the ticket.
      collaboratorIds: a.flagged && !asAgent ? [] : await copiedContacts(deps, ctx, mailbox, parsed, contact),
      firstEntryData: { email },
      onFirstEntry: (first) => (opened = first),
    });
    entry = opened!;
  }
  for (const file of parsed.attachments.filter((f) => f.size <= deps.config.maxAttachmentBytes)) {
    await storeAttachment(desk, { dataDir: deps.dataDir, maxBytes: deps.config.maxAttachmentBytes }, a.write, entry, { filename: file.filename ?? 'attachment', contentType: file.contentType, data: file.content });
  }
  if (oversized.length) {
    // The ticket gets what fits; the whole message stays available to administrators.
    await quarantineMessage(ctx, { tenantId, mailboxId: mailbox.id as string, reason: `Attachment(s) over ${deps.config.maxAttachmentBytes} bytes left out of ${target.number as string}: ${oversized.map((f) => f.filename ?? 'attachment').join(', ')}`, transport: message.transport, raw: read.raw, sender: read.from!.address, subject: read.subject });
  }
  if (outcome === 'reply' && asAgent) {
    await notifyParticipants(ctx, target, entry, { contactId: contact.id as string, kind: contact.kind as string });
  }
  if (outcome === 'ticket' && mailbox.auto_reply && !a.automated && !a.flagged) await acknowledge(ctx, mailbox, target, read, contact, entry);
  if (!(await a.record({ outcome, ticket_id: target.id, thread_entry_id: entry.id }))) throw new AlreadyRecorded();
  return { outcome, ticketId: target.id as string, ticketNumber: target.number as string };
}

/**
 * For mail from an agent's (or staff's) address, how it proves the agent wrote it; undefined for a
 * customer. Unproven, it is refused (held in quarantine for review): never a public reply, never
 * mailed on, never a ticket opened in the agent's name.
 */
function agentProof(deps: MailDeps, message: IncomingMessage, read: ReadMessage, contact: Row): AgentProof | undefined {
  if (contact.kind !== 'agent' && contact.kind !== 'staff') return undefined;
  const proof = proveAgentMail(deps, { parsed: read.parsed!, tenantId: contact.tenant_id as number, agentId: contact.id as string, from: read.from!.address, resultsTrusted: !message.untrustedPeer, now: new Date() });
  if (proof) return proof;
  throw new AppError(
    'FORBIDDEN',
    `${read.from!.address} is an agent's address, but the message does not prove the agent wrote it (no Authentication-Results pass from a trusted receiving server, no valid reply token): held for review, not posted.`,
  );
}

/** The ticket an agent token names (a merged one leads on); gone, the message is held. */
async function tokenTicket(ctx: TenancyContext, tenantId: number, ticketId: string): Promise<Row> {
  const ticket = await ticketOf(ctx, tenantId, { id: ticketId });
  if (!ticket) throw new AppError('NOT_FOUND', 'The ticket this agent reply token names no longer exists: held for review.');
  return ticket;
}

/**
 * A sender writing more than MAIL_RATE_PER_SENDER_PER_HOUR messages an hour to one tenant is held
 * back; `sent` is its count before this message's claim (hourlyMailCounts).
 */
function assertWithinRate(deps: MailDeps, sender: string, sent: number): void {
  const limit = deps.config.ratePerSenderPerHour;
  if (sent >= limit) throw new AppError('RATE_LIMITED', `${sender} sent more than ${limit} messages in an hour (MAIL_RATE_PER_SENDER_PER_HOUR); this one is held in quarantine.`);
}

/** The sender's contact in the tenant (From decides, never Reply-To); a new customer when allowed. */
async function senderContact(ctx: TenancyContext, mailbox: Row, from: { address: string; name: string }): Promise<Row> {
  const tenantId = mailbox.tenant_id as number;
  const [known] = await listObjects(ctx, 'contact', { where: { tenant_id: tenantId, email: from.address }, limit: 1 });
  if (known) {
    if (known.status !== 'active') throw new AppError('FORBIDDEN', `${from.address} is a disabled contact of this help desk.`);
    return known;
  }
  if (!mailbox.accept_unknown_senders) throw new AppError('FORBIDDEN', `${from.address} is not a contact of this help desk, and ${mailbox.address as string} accepts mail from known contacts only.`);
  return createContact(ctx, { tenantId, kind: 'customer', email: from.address, name: from.name || from.address, roles: ['customer'] });
}

/**
 * The people copied on a new ticket (To and Cc besides the sender), as contacts of the tenant.
 * Support addresses, ours or another tenant's, are never made collaborators: replies would be
 * mailed to them.
 */
async function copiedContacts(deps: MailDeps, ctx: TenancyContext, mailbox: Row, parsed: ParsedMail, sender: Row): Promise<string[]> {
  const ids: string[] = [];
  const addresses = [...new Set([...addressesOf(parsed.to), ...addressesOf(parsed.cc)])].filter((a) => a !== sender.email && a !== mailbox.address);
  for (const address of addresses.slice(0, 10)) {
    if (await mailboxForAddress(deps, address, ctx)) continue;
    const [known] = await listObjects(ctx, 'contact', { where: { tenant_id: mailbox.tenant_id, email: address, status: 'active' }, limit: 1 });
    if (known) ids.push(known.id as string);
    else if (mailbox.accept_unknown_senders && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
      ids.push((await createContact(ctx, { tenantId: mailbox.tenant_id as number, kind: 'customer', email: address, name: address, roles: ['customer'] })).id as string);
    }
  }
  return ids;
}

/** The HTML part sanitised, else the text part as HTML. */
function messageHtml(parsed: ParsedMail): string {
  const html = typeof parsed.html === 'string' ? sanitizeBody(parsed.html) : '';
  return html || textToHtml(parsed.text ?? '') || '<p>(no text)</p>';
}

/** The new-ticket acknowledgment (the tenant's auto-reply template), threaded on the sender's message. */
async function acknowledge(ctx: TenancyContext, mailbox: Row, ticket: Row, read: ReadMessage, sender: Row, entry: Row): Promise<void> {
  const render = await mailRenderer(ctx, ticket.tenant_id as number, 'auto-reply');
  await queueMail(ctx, {
    tenantId: ticket.tenant_id as number,
    mailbox,
    ticket,
    to: read.from!.address,
    ...render({ ticket: ticketValues(ticket), recipient: { name: sender.name as string, email: read.from!.address }, entry: { body: entry.body_html as string } }),
    kind: 'auto-reply',
    inReplyTo: read.messageId,
    references: read.messageId ? [read.messageId] : [],
    autoSubmitted: true,
  });
}

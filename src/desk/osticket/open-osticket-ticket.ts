import { isIP } from 'node:net';
import type { TicketSource } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { createContact } from '../../identity/create-contact.ts';
import { inTransaction, listObjects, type Row } from '../../tenancy/data-access.ts';
import { assertWithinLimit, storeAttachment, type NewAttachment } from '../attachments/add-attachment.ts';
import { writingFiles, type AttachmentSettings } from '../attachments/attachment-files.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { createTicket } from '../tickets/create-ticket.ts';
import { parseDataUrl } from './data-url.ts';
import { textToHtml } from '../../mail/message-traits.ts';
import type { ParsedEmail } from './parse-email.ts';

/**
 * A ticket as osTicket's API receives it (`POST /api/tickets.json` or `.email`), reduced to one
 * shape. The requester is named by address: a contact of the tenant, or a new customer contact.
 */
export type OsTicketRequest = {
  name: string;
  email: string;
  subject: string;
  bodyHtml: string;
  source: TicketSource;
  topicId?: string | number | undefined;
  priority?: string | number | undefined;
  phone?: string | undefined;
  ip?: string | undefined;
  alert?: boolean | undefined;
  autorespond?: boolean | undefined;
  attachments: NewAttachment[];
};

/** The JSON body of osTicket's `POST /api/tickets.json` (its documented fields). */
export type OsTicketJson = {
  name: string;
  email: string;
  subject: string;
  message: string;
  topicId?: string | number;
  priorityId?: string | number;
  priority?: string | number;
  source?: string;
  phone?: string;
  phone_ext?: string;
  ip?: string;
  alert?: boolean;
  autorespond?: boolean;
  attachments?: Record<string, string>[];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SOURCES: Record<string, TicketSource> = { web: 'web', email: 'email', phone: 'phone', api: 'api' };

/** osTicket's JSON body as one request: the message is plain text, or HTML/text as a data URL. */
export function fromOsTicketJson(body: OsTicketJson): OsTicketRequest {
  let bodyHtml = textToHtml(body.message);
  if (body.message.startsWith('data:')) {
    const message = parseDataUrl(body.message, 'message');
    const text = message.data.toString('utf8');
    bodyHtml = message.contentType === 'text/html' ? text : textToHtml(text);
  }
  const attachments = (body.attachments ?? []).flatMap((entry, index) =>
    Object.entries(entry).map(([filename, url]) => {
      const file = parseDataUrl(url, `attachments[${index}]`);
      return { filename, contentType: file.contentType, data: file.data };
    }),
  );
  return {
    name: body.name,
    email: body.email,
    subject: body.subject,
    bodyHtml,
    source: SOURCES[(body.source ?? 'api').toLowerCase()] ?? 'api',
    topicId: body.topicId,
    priority: body.priorityId ?? body.priority,
    phone: body.phone_ext ? `${body.phone ?? ''}X${body.phone_ext}` : body.phone,
    ip: body.ip,
    alert: body.alert,
    autorespond: body.autorespond,
    attachments,
  };
}

/** A raw email posted to `/api/tickets.email` as one request; a message without a sender is refused. */
export function fromEmail(mail: ParsedEmail): OsTicketRequest {
  if (!mail.from) throw new AppError('VALIDATION_FAILED', 'The message has no From address.', 'from');
  return {
    name: mail.from.name || mail.from.address.split('@')[0]!,
    email: mail.from.address,
    subject: mail.subject || '(no subject)',
    bodyHtml: mail.html || '<p>(empty message)</p>',
    source: 'email',
    attachments: [...mail.attachments],
  };
}

/** osTicket's numeric priorities (1 low, 2 normal, 3 high, 4 emergency) are our priorities' ranks. */
async function priorityId(desk: DeskContext, value: string | number | undefined): Promise<string | undefined> {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && UUID.test(value)) return value;
  const rank = Number(value);
  const [priority] = Number.isInteger(rank) ? await listObjects(desk, 'priority', { where: { rank }, limit: 1 }) : [];
  if (!priority) throw new AppError('VALIDATION_FAILED', `Unknown priority "${value}".`, 'priorityId');
  return priority.id as string;
}

function topicId(value: string | number | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && UUID.test(value)) return value;
  throw new AppError('VALIDATION_FAILED', `Unknown topicId "${value}": help topics are named by their id (GET /api/v1/help-topics).`, 'topicId');
}

/** The tenant's contact with this address, or a new customer contact of the tenant. */
async function requester(desk: DeskContext, tenantId: number, name: string, email: string): Promise<{ contact: Row; created: boolean }> {
  const address = email.trim().toLowerCase();
  const [found] = await listObjects(desk, 'contact', { where: { tenant_id: tenantId, email: address }, limit: 1 });
  if (found) return { contact: found, created: false };
  const contact = await createContact(desk, { tenantId, kind: 'customer', email: address, name: name.trim().slice(0, 200) || address, roles: ['customer'], grantedBy: desk.actor.activeRole });
  return { contact, created: true };
}

/**
 * Opens a ticket for an osTicket integration in the tenant of the API key: the requester found or
 * created, the ticket, its attachments on the first message and an audit event of the request's
 * extra fields, all in one unit of work (a refused file leaves no ticket, contact or file).
 */
export async function openOsTicketTicket(desk: DeskContext, files: AttachmentSettings | undefined, tenantId: number, request: OsTicketRequest): Promise<Row> {
  requireDeskPermission(desk, 'ticket.create');
  // Opening tickets in other people's names is an agent's right.
  requireDeskPermission(desk, 'ticket.edit');
  if (request.attachments.length && !files) throw new AppError('SERVICE_UNAVAILABLE', 'This server keeps no files: it was started without a data directory.');
  for (const file of request.attachments) assertWithinLimit(files!, file.data.length);
  const priority = await priorityId(desk, request.priority);
  const helpTopicId = topicId(request.topicId);
  return writingFiles((write) =>
    inTransaction(desk, async (tx) => {
      const { contact, created } = await requester(tx, tenantId, request.name, request.email);
      const ticket = await createTicket(tx, {
        tenantId,
        subject: request.subject.slice(0, 500),
        body: request.bodyHtml,
        source: request.source,
        requesterId: contact.id as string,
        ...(priority ? { priorityId: priority } : {}),
        ...(helpTopicId ? { helpTopicId } : {}),
      });
      if (request.attachments.length) {
        const [entry] = await listObjects(tx, 'threadEntry', { where: { ticket_id: ticket.id, kind: 'reply' }, orderBy: 'created_at', limit: 1 });
        for (const file of request.attachments) await storeAttachment(tx, files!, write, entry!, file);
      }
      await recordAuditInScope(tx, {
        tenantId,
        actorContactId: desk.actor.contactId,
        action: 'ticket.received',
        objectType: 'ticket',
        objectId: ticket.id as string,
        data: {
          via: request.source === 'email' ? 'osticket-email' : 'osticket-api',
          requesterCreated: created,
          attachments: request.attachments.length,
          ...(request.phone ? { phone: request.phone.slice(0, 50) } : {}),
          ...(request.alert !== undefined ? { alert: request.alert } : {}),
          ...(request.autorespond !== undefined ? { autorespond: request.autorespond } : {}),
        },
        ...(request.ip && isIP(request.ip) ? { ip: request.ip } : {}),
      });
      return ticket;
    }, tenantId),
  );
}

import type { FastifyInstance } from 'fastify';
import type { AttachmentSettings } from '../../desk/attachments/attachment-files.ts';
import { fromEmail, fromOsTicketJson, openOsTicketTicket, type OsTicketJson } from '../../desk/osticket/open-osticket-ticket.ts';
import { parseEmail } from '../../desk/osticket/parse-email.ts';
import { AppError } from '../../errors.ts';
import { deskOf } from '../desk-request.ts';
import { toAppError } from '../error-reply.ts';

export type OsTicketRouteOptions = { attachments?: AttachmentSettings | undefined };

const idOrNumber = { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 64 }] } as const;

/** osTicket's documented fields (setup/doc/api/tickets.md); anything else is refused, as osTicket does. */
const osTicketJsonBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    email: { type: 'string', minLength: 3, maxLength: 254 },
    subject: { type: 'string', minLength: 1, maxLength: 1000 },
    message: { type: 'string', minLength: 1, maxLength: 400_000 },
    topicId: idOrNumber,
    priorityId: idOrNumber,
    priority: idOrNumber,
    source: { type: 'string', maxLength: 20 },
    phone: { type: 'string', maxLength: 50 },
    phone_ext: { type: 'string', maxLength: 20 },
    ip: { type: 'string', maxLength: 64 },
    alert: { type: 'boolean' },
    autorespond: { type: 'boolean' },
    attachments: { type: 'array', maxItems: 20, items: { type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: { type: 'string' } } },
  },
  required: ['name', 'email', 'subject', 'message'],
  additionalProperties: false,
} as const;

const created = { 201: { type: 'string', description: 'The number of the new ticket, as text' } } as const;
const tags = ['osTicket compatibility'];

/**
 * osTicket's ticket API, so that existing integrations work unchanged against a tenant's host:
 * `X-API-Key` (a TenantDesk API key, registered with the scope's authentication), 201 with the
 * ticket number as plain text, and errors as a status with a line of text.
 */
export async function osTicketRoutes(app: FastifyInstance, options: OsTicketRouteOptions): Promise<void> {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'osTicket API request failed');
    const text = appError.code === 'UNAUTHENTICATED' ? 'API key not authorized' : appError.status >= 500 ? 'Internal error, it has been logged' : appError.message;
    return reply.status(appError.status).type('text/plain; charset=utf-8').send(text);
  });
  // A request carries its attachments, each up to the attachment limit.
  const bodyLimit = 1024 * 1024 + 2 * (options.attachments?.maxBytes ?? 0);

  app.post<{ Body: OsTicketJson }>(
    '/api/tickets.json',
    { bodyLimit, schema: { tags, summary: "Open a ticket with osTicket's JSON (X-API-Key)", body: osTicketJsonBody, response: created } },
    async (request, reply) => {
      const ticket = await openOsTicketTicket(deskOf(request), options.attachments, request.tenant.id, fromOsTicketJson(request.body));
      return reply.status(201).type('text/plain; charset=utf-8').send(String(ticket.number));
    },
  );

  await app.register(async (raw) => {
    // The raw message is the body, whatever content type the piping script sends.
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    raw.post(
      '/api/tickets.email',
      { schema: { tags, summary: 'Open a ticket from a raw MIME message (X-API-Key)', consumes: ['message/rfc822'], response: created } },
      async (request, reply) => {
        const raw = request.body;
        if (!Buffer.isBuffer(raw) || !raw.length) throw new AppError('VALIDATION_FAILED', 'Send the raw email message as the request body.', 'body');
        const ticket = await openOsTicketTicket(deskOf(request), options.attachments, request.tenant.id, fromEmail(await parseEmail(raw)));
        return reply.status(201).type('text/plain; charset=utf-8').send(String(ticket.number));
      },
    );
  });
}

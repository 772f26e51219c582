import type { FastifyInstance } from 'fastify';
import { requirePermission } from '../../identity/permissions.ts';
import { createMailbox, listMailboxes, presentMailbox, removeMailbox, type CreateMailboxInput } from '../../mail/mailboxes.ts';
import { listQuarantine } from '../../mail/quarantine.ts';
import type { SecretBox } from '../../mail/secret-box.ts';
import { presentRow } from '../desk-request.ts';
import { tenantForRequest } from '../tenant-param.ts';
import { idParams } from './ticket-schemas.ts';

const mailboxShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    address: { type: 'string' },
    name: { type: 'string' },
    fromAddress: { type: ['string', 'null'] },
    helpTopicId: { type: ['string', 'null'] },
    departmentId: { type: ['string', 'null'] },
    acceptUnknownSenders: { type: 'boolean' },
    autoReply: { type: 'boolean' },
    imapHost: { type: ['string', 'null'] },
    imapPort: { type: ['integer', 'null'] },
    imapUser: { type: ['string', 'null'] },
    imapFolder: { type: 'string' },
    imapMoveTo: { type: ['string', 'null'] },
    smtpRelay: { type: 'string', enum: ['own', 'installation'] },
    active: { type: 'boolean' },
    createdAt: { type: 'string' },
  },
} as const;

const createBody = {
  type: 'object',
  properties: {
    tenant: { type: 'string', maxLength: 63 },
    address: { type: 'string', minLength: 3, maxLength: 320 },
    name: { type: 'string', maxLength: 200 },
    fromAddress: { type: 'string', minLength: 3, maxLength: 320 },
    helpTopicId: { type: 'string', format: 'uuid' },
    departmentId: { type: 'string', format: 'uuid' },
    acceptUnknownSenders: { type: 'boolean' },
    autoReply: { type: 'boolean' },
    imapUrl: { type: 'string', maxLength: 2000 },
    imapMoveTo: { type: 'string', maxLength: 200 },
    smtpUrl: { type: 'string', maxLength: 2000 },
  },
  required: ['address'],
  additionalProperties: false,
} as const;

type CreateBody = Omit<CreateMailboxInput, 'tenantId'> & { tenant?: string };

const quarantineShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    mailboxId: { type: ['string', 'null'] },
    reason: { type: 'string' },
    transport: { type: 'string' },
    sender: { type: 'string' },
    subject: { type: 'string' },
    size: { type: 'integer' },
    createdAt: { type: 'string' },
  },
} as const;

/** Support addresses and the mail quarantine, for administrators (`admin.tenant`) of the readable tenants. */
export async function mailRoutes(app: FastifyInstance, options: { box: SecretBox | undefined }): Promise<void> {
  app.get('/api/v1/mailboxes', { schema: { response: { 200: { type: 'object', properties: { mailboxes: { type: 'array', items: mailboxShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return { mailboxes: (await listMailboxes(request.ctx)).map((m) => presentRow(request, presentMailbox(m))) };
  });

  app.post<{ Body: CreateBody }>('/api/v1/mailboxes', { schema: { body: createBody, response: { 201: mailboxShape } } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    const { tenant, ...input } = request.body;
    const mailbox = await createMailbox(request.ctx, { box: options.box }, { ...input, tenantId: tenantForRequest(request.ctx, tenant) });
    return reply.status(201).send(presentRow(request, presentMailbox(mailbox)));
  });

  app.delete<{ Params: { id: string } }>('/api/v1/mailboxes/:id', { schema: { params: idParams } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    await removeMailbox(request.ctx, request.params.id);
    return reply.status(204).send();
  });

  app.get('/api/v1/mail/quarantine', { schema: { response: { 200: { type: 'object', properties: { messages: { type: 'array', items: quarantineShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return { messages: (await listQuarantine(request.ctx)).map((q) => presentRow(request, q)) };
  });
}

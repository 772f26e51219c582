import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePermission } from '../../identity/permissions.ts';
import { createMailbox, listMailboxes, presentMailbox, removeMailbox, type CreateMailboxInput, type MailboxDeps } from '../../mail/mailboxes.ts';
import { effectiveTemplate, KIND_PLACEHOLDERS, listTemplates, previewTemplate, resetTemplate, saveTemplate, TEMPLATE_KINDS, type TemplateKind } from '../../mail/mail-templates.ts';
import { listQuarantine } from '../../mail/quarantine.ts';
import type { Row } from '../../tenancy/data-access.ts';
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

const templateShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    kind: { type: 'string', enum: [...TEMPLATE_KINDS] },
    subject: { type: 'string' },
    body: { type: 'string' },
    /** True when the tenant has no template of its own: this is the public default. */
    isDefault: { type: 'boolean' },
    /** The public default's text (in the list): what a reset goes back to. */
    defaultSubject: { type: 'string' },
    defaultBody: { type: 'string' },
    placeholders: { type: 'array', items: { type: 'string' } },
    updatedAt: { type: 'string' },
  },
} as const;

const templateParams = { type: 'object', properties: { kind: { type: 'string', enum: [...TEMPLATE_KINDS] } }, required: ['kind'], additionalProperties: false } as const;
const tenantQuery = { type: 'object', properties: { tenant: { type: 'string', minLength: 1, maxLength: 63 } }, additionalProperties: false } as const;
const templateBody = {
  type: 'object',
  properties: {
    /** The tenant whose template this is (by slug); null: the public default (service provider only). */
    tenant: { type: ['string', 'null'], minLength: 1, maxLength: 63 },
    subject: { type: 'string', minLength: 1, maxLength: 300 },
    body: { type: 'string', minLength: 1, maxLength: 20_000 },
  },
  required: ['subject', 'body'],
  additionalProperties: false,
} as const;

const previewBody = { ...templateBody, properties: { subject: templateBody.properties.subject, body: templateBody.properties.body } } as const;
const previewShape = { type: 'object', properties: { subject: { type: 'string' }, html: { type: 'string' }, text: { type: 'string' } } } as const;

type KindParams = { Params: { kind: TemplateKind }; Querystring: { tenant?: string } };

const presentTemplate = (request: FastifyRequest, row: Row) => ({
  ...presentRow(request, row),
  isDefault: row.tenant_id === null,
  placeholders: KIND_PLACEHOLDERS[row.kind as TemplateKind].map((p) => `{{${p}}}`),
});

/** The mail templates of a tenant (`?tenant=` or the only one the role writes), for its administrators. */
async function mailTemplateRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { tenant?: string } }>('/api/v1/mail-templates', { schema: { querystring: tenantQuery, response: { 200: { type: 'object', properties: { templates: { type: 'array', items: templateShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    const tenantId = tenantForRequest(request.ctx, request.query.tenant);
    return { templates: (await listTemplates(request.ctx, tenantId)).map((t) => presentTemplate(request, t)) };
  });

  app.get<KindParams>('/api/v1/mail-templates/:kind', { schema: { params: templateParams, querystring: tenantQuery, response: { 200: templateShape } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    const tenantId = tenantForRequest(request.ctx, request.query.tenant);
    return presentTemplate(request, await effectiveTemplate(request.ctx, tenantId, request.params.kind));
  });

  app.put<{ Params: { kind: TemplateKind }; Body: { tenant?: string | null; subject: string; body: string } }>(
    '/api/v1/mail-templates/:kind',
    { schema: { params: templateParams, body: templateBody, response: { 200: templateShape } } },
    async (request) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      const { tenant, subject, body } = request.body;
      // null: the public default, which the data-access layer lets only roles writing public objects change.
      const tenantId = tenant === null ? null : tenantForRequest(request.ctx, tenant);
      return presentTemplate(request, await saveTemplate(request.ctx, tenantId, request.params.kind, { subject, body }));
    },
  );

  // A preview reads and writes nothing: the text as given, with sample values, in the tenant's layout.
  app.post<{ Params: { kind: TemplateKind }; Querystring: { tenant?: string }; Body: { subject: string; body: string } }>(
    '/api/v1/mail-templates/:kind/preview',
    { schema: { params: templateParams, querystring: tenantQuery, body: previewBody, response: { 200: previewShape } } },
    async (request) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      const tenantId = tenantForRequest(request.ctx, request.query.tenant);
      return previewTemplate(request.ctx, tenantId, request.params.kind, request.body);
    },
  );

  app.delete<KindParams>('/api/v1/mail-templates/:kind', { schema: { params: templateParams, querystring: tenantQuery } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    await resetTemplate(request.ctx, tenantForRequest(request.ctx, request.query.tenant), request.params.kind);
    return reply.status(204).send();
  });
}

/** Support addresses and the mail quarantine, for administrators (`admin.tenant`) of the readable tenants. */
export async function mailRoutes(app: FastifyInstance, options: MailboxDeps): Promise<void> {
  app.get('/api/v1/mailboxes', { schema: { response: { 200: { type: 'object', properties: { mailboxes: { type: 'array', items: mailboxShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return { mailboxes: (await listMailboxes(request.ctx)).map((m) => presentRow(request, presentMailbox(m))) };
  });

  app.post<{ Body: CreateBody }>('/api/v1/mailboxes', { schema: { body: createBody, response: { 201: mailboxShape } } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    const { tenant, ...input } = request.body;
    const mailbox = await createMailbox(request.ctx, options, { ...input, tenantId: tenantForRequest(request.ctx, tenant) });
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

  await mailTemplateRoutes(app);
}

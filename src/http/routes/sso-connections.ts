import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SecretBox } from '../../mail/secret-box.ts';
import { requirePermission } from '../../identity/permissions.ts';
import {
  createSsoConnection,
  deleteSsoConnection,
  getSsoConnection,
  JIT_MODES,
  listSsoConnections,
  presentSsoConnection,
  updateSsoConnection,
  type SsoConnectionInput,
  type SsoConnectionPatch,
} from '../../identity/sso/sso-connections.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { presentRow } from '../desk-request.ts';
import { tenantForRequest } from '../tenant-param.ts';
import { idParams } from './ticket-schemas.ts';

const slug = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9][a-z0-9_-]*$' } as const;
const claim = { type: 'string', minLength: 1, maxLength: 100 } as const;
const fields = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  issuer: { type: 'string', minLength: 8, maxLength: 2000 },
  clientId: { type: 'string', minLength: 1, maxLength: 500 },
  clientSecret: { type: 'string', maxLength: 2000 },
  scopes: { type: 'string', maxLength: 500 },
  emailClaim: claim,
  allowedDomains: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 253 } },
  localPasswords: { type: 'boolean' },
  jit: { type: 'string', enum: [...JIT_MODES] },
  jitRole: { anyOf: [slug, { type: 'null' }] },
  groupsClaim: claim,
  roleMapping: {
    type: 'array',
    maxItems: 100,
    items: { type: 'object', properties: { group: { type: 'string', minLength: 1, maxLength: 200 }, role: slug }, required: ['group', 'role'], additionalProperties: false },
  },
  active: { type: 'boolean' },
} as const;

const createBody = { type: 'object', properties: { tenant: { type: 'string', maxLength: 63 }, ...fields }, required: ['name', 'issuer', 'clientId'], additionalProperties: false } as const;
const patchBody = { type: 'object', properties: fields, minProperties: 1, additionalProperties: false } as const;

const connectionShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    name: { type: 'string' },
    issuer: { type: 'string' },
    clientId: { type: 'string' },
    clientSecretSet: { type: 'boolean' },
    scopes: { type: 'string' },
    emailClaim: { type: 'string' },
    allowedDomains: { type: 'array', items: { type: 'string' } },
    localPasswords: { type: 'boolean' },
    jit: { type: 'string', enum: [...JIT_MODES] },
    jitRole: { type: ['string', 'null'] },
    groupsClaim: { type: 'string' },
    roleMapping: { type: 'array', items: { type: 'object', properties: { group: { type: 'string' }, role: { type: 'string' } } } },
    active: { type: 'boolean' },
    createdAt: { type: 'string' },
  },
} as const;

/** The connection as the API shows it: never the secret, roles by slug. */
async function present(request: FastifyRequest, rows: Row[]) {
  const roles = await listObjects(request.ctx, 'role', { limit: 1000 });
  return rows.map((row) => presentRow(request, presentSsoConnection(row, roles)));
}

/** A tenant's OpenID Connect connections, for its administrators (`admin.tenant`); the SP's for any tenant it writes. */
export async function ssoConnectionRoutes(app: FastifyInstance, options: { box: SecretBox | undefined }): Promise<void> {
  const deps = (request: FastifyRequest) => ({ box: options.box, grantedBy: request.actor.activeRole });

  app.get('/api/v1/sso/connections', { schema: { response: { 200: { type: 'object', properties: { connections: { type: 'array', items: connectionShape } } } } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return { connections: await present(request, await listSsoConnections(request.ctx)) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/sso/connections/:id', { schema: { params: idParams, response: { 200: connectionShape } } }, async (request) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    return (await present(request, [await getSsoConnection(request.ctx, request.params.id)]))[0];
  });

  app.post<{ Body: Omit<SsoConnectionInput, 'tenantId'> & { tenant?: string } }>(
    '/api/v1/sso/connections',
    { schema: { body: createBody, response: { 201: connectionShape } } },
    async (request, reply) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      const { tenant, ...input } = request.body;
      const created = await createSsoConnection(request.ctx, deps(request), { ...input, tenantId: tenantForRequest(request.ctx, tenant) });
      return reply.status(201).send((await present(request, [created]))[0]);
    },
  );

  app.patch<{ Params: { id: string }; Body: SsoConnectionPatch }>(
    '/api/v1/sso/connections/:id',
    { schema: { params: idParams, body: patchBody, response: { 200: connectionShape } } },
    async (request) => {
      requirePermission(request.actor.activeRole, 'admin.tenant');
      return (await present(request, [await updateSsoConnection(request.ctx, deps(request), request.params.id, request.body)]))[0];
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/sso/connections/:id', { schema: { params: idParams } }, async (request, reply) => {
    requirePermission(request.actor.activeRole, 'admin.tenant');
    await deleteSsoConnection(request.ctx, request.params.id);
    return reply.status(204).send();
  });
}

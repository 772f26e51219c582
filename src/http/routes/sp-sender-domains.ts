import type { FastifyInstance } from 'fastify';
import { listSenderDomains, removeSenderDomain, verifySenderDomain, type SenderDomain } from '../../tenancy/catalog/sender-domains.ts';
import { auditInstallation, type SpAdminOptions } from './sp-admin.ts';

const slug = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' } as const;
const domain = { type: 'string', minLength: 1, maxLength: 253 } as const;
const slugParams = { type: 'object', properties: { slug }, required: ['slug'], additionalProperties: false } as const;
const domainParams = { type: 'object', properties: { slug, domain }, required: ['slug', 'domain'], additionalProperties: false } as const;
const domainShape = { type: 'object', properties: { domain: { type: 'string' }, verifiedBy: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } } } as const;

const present = (d: SenderDomain) => ({ ...d, createdAt: d.createdAt.toISOString() });

/**
 * A tenant's verified sender domains (src/tenancy/catalog/sender-domains.ts): the domains its mail may
 * be sent from. The service provider verifies a domain (it checked the tenant owns it) with PUT;
 * a domain is one tenant's at most, and the installation's own domains are no tenant's.
 */
export async function spSenderDomainRoutes(app: FastifyInstance, { catalog, mailSenderDomains = [] }: SpAdminOptions): Promise<void> {
  const tags = ['service-provider administration'];

  app.get<{ Params: { slug: string } }>(
    '/api/v1/sp/tenants/:slug/sender-domains',
    { schema: { tags, params: slugParams, response: { 200: { type: 'object', properties: { domains: { type: 'array', items: domainShape } } } } } },
    async (request) => ({ domains: (await listSenderDomains(catalog.database, request.params.slug)).map(present) }),
  );

  app.put<{ Params: { slug: string; domain: string } }>('/api/v1/sp/tenants/:slug/sender-domains/:domain', { schema: { tags, params: domainParams, response: { 200: domainShape } } }, async (request) => {
    const verifiedBy = `contact:${request.actor.contactId}`;
    const verified = await verifySenderDomain(catalog.database, { slug: request.params.slug, domain: request.params.domain, verifiedBy, installationDomains: mailSenderDomains });
    await catalog.refresh();
    await auditInstallation(request, 'tenant.sender_domain_verified', request.params.slug, { domain: verified.domain });
    return present(verified);
  });

  app.delete<{ Params: { slug: string; domain: string } }>('/api/v1/sp/tenants/:slug/sender-domains/:domain', { schema: { tags, params: domainParams } }, async (request, reply) => {
    await removeSenderDomain(catalog.database, request.params.slug, request.params.domain);
    await catalog.refresh();
    await auditInstallation(request, 'tenant.sender_domain_removed', request.params.slug, { domain: request.params.domain });
    return reply.status(204).send();
  });
}

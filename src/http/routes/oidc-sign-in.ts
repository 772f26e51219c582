import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { tenantDatabases } from '../../identity/tenant-databases.ts';
import type { OidcDeps } from '../../identity/sso/oidc-client.ts';
import { finishOidcSignIn, signInChoices, startOidcSignIn, type SsoSite } from '../../identity/sso/oidc-sign-in.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import { assertWritesOpen } from '../../tenancy/placement/route.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import { SESSION_COOKIE } from '../plugins/authenticate.ts';
import { requestHost, requestOrigin } from '../plugins/tenant-host.ts';

/** The state of the sign-in under way, held by the browser that started it (login CSRF: a callback from another browser fails). */
const STATE_COOKIE = 'td_sso_state';
const STATE_PATH = '/api/v1/auth/oidc';

export type OidcRouteOptions = OidcDeps & {
  shards: Shards;
  catalog: Catalog;
  settings: TenancySettings;
  trustProxy: boolean;
  sessionTtlMs: number;
  publicScheme: 'http' | 'https';
};

/**
 * The request's site: the host's tenant as a context that reads and writes that tenant alone.
 * Tenant boundary: everything a sign-in touches is of the tenant whose host the browser is at.
 */
export async function ssoSite(options: OidcRouteOptions, request: FastifyRequest, writes = true): Promise<SsoSite> {
  const catalog = options.catalog.snapshot();
  const tenantId = request.tenant.id;
  // Starting and finishing a sign-in write (its state, a session); offering the buttons only reads.
  if (writes) assertWritesOpen(catalog, tenantId);
  const ctx = {
    database: options.shards.pool,
    shards: options.shards,
    settings: options.settings,
    catalog,
    access: { read: [tenantId], write: [tenantId], writePublic: false },
    known: new Map<string, number | null>(),
  };
  return { ctx, dbs: await tenantDatabases(options.shards, catalog, tenantId), tenantId, host: requestHost(request, options.trustProxy)!, origin: requestOrigin(request, options.trustProxy, options.publicScheme) };
}

/** A failed sign-in goes back to the sign-in page, which shows the sentence (a browser followed a redirect here, no script reads JSON). */
function backToSignIn(reply: FastifyReply, error: AppError): FastifyReply {
  const query = new URLSearchParams({ ssoError: error.code, ssoMessage: error.message });
  return reply.redirect(`/login?${query.toString()}`, 303);
}

const choicesReply = {
  type: 'object',
  properties: {
    connections: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } },
    localPasswords: { type: 'boolean' },
  },
} as const;

/** Single sign-on at the tenant's own host: the choices, the start (to the provider) and the callback (a session on this host). */
export async function oidcSignInRoutes(app: FastifyInstance, options: OidcRouteOptions): Promise<void> {
  app.get('/api/v1/auth/oidc', { schema: { response: { 200: choicesReply } } }, async (request) => signInChoices(await ssoSite(options, request, false)));

  app.get<{ Querystring: Record<string, string> }>('/api/v1/auth/oidc/callback', { schema: { querystring: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 } } } }, async (request, reply) => {
    reply.clearCookie(STATE_COOKIE, { path: STATE_PATH });
    try {
      const site = await ssoSite(options, request);
      const { token } = await finishOidcSignIn(site, options, {
        currentUrl: new URL(request.url, site.origin),
        cookieState: request.cookies[STATE_COOKIE],
        ip: request.ip,
        ttlMs: options.sessionTtlMs,
      });
      reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', maxAge: Math.floor(options.sessionTtlMs / 1000) });
      return reply.redirect('/', 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      request.log.info({ code: error.code, reason: error.message }, 'single sign-on refused');
      return backToSignIn(reply, error);
    }
  });

  app.get<{ Params: { connectionId: string } }>(
    '/api/v1/auth/oidc/:connectionId',
    { schema: { params: { type: 'object', properties: { connectionId: { type: 'string', maxLength: 64 } }, required: ['connectionId'] } } },
    async (request, reply) => {
      try {
        const { url, state } = await startOidcSignIn(await ssoSite(options, request), options, request.params.connectionId);
        reply.setCookie(STATE_COOKIE, state, { path: STATE_PATH, httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', maxAge: 600 });
        return reply.redirect(url, 302);
      } catch (error) {
        if (!(error instanceof AppError) || error.code === 'NOT_FOUND') throw error;
        return backToSignIn(reply, error);
      }
    },
  );
}

import { assertWritesOpen } from '../../tenancy/placement/route.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SignInThrottle } from '../../config/config.ts';
import { tenantDatabases } from '../../identity/tenant-databases.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import { primaryHost } from '../../tenancy/catalog/tenant-hosts.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import { confirmPasswordReset, requestPasswordReset } from '../../identity/password-reset.ts';
import { revokeSession } from '../../identity/sessions.ts';
import { signIn } from '../../identity/sign-in.ts';
import type { OidcDeps } from '../../identity/sso/oidc-client.ts';
import { localPasswordsAllowed } from '../../identity/sso/oidc-sign-in.ts';
import { providerLogoutUrl } from '../../identity/sso/sso-logout.ts';
import { AppError } from '../../errors.ts';
import { ThrottledError } from '../../identity/sign-in-throttle.ts';
import { assertSameOrigin, SESSION_COOKIE } from '../plugins/authenticate.ts';
import { requestHost, requestOrigin } from '../plugins/tenant-host.ts';

const body = (properties: Record<string, object>) =>
  ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false }) as const;
const email = { type: 'string', minLength: 3, maxLength: 254 };
const okReply = { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, 202: { type: 'object', properties: { ok: { type: 'boolean' } } } };

export type AuthRouteOptions = {
  shards: Shards;
  catalog: Catalog;
  trustProxy: boolean;
  sessionTtlMs: number;
  throttle: SignInThrottle;
  publicScheme: 'http' | 'https';
};

/** The tenant's databases for an auth action, which always writes (a session, a failure, a reset). */
const databasesOf = (options: AuthRouteOptions, request: FastifyRequest) => {
  assertWritesOpen(options.catalog.snapshot(), request.tenant.id);
  return tenantDatabases(options.shards, options.catalog.snapshot(), request.tenant.id);
};

/** Sign-in on the tenant's own host; the session cookie is bound to that host. Password reset. */
export async function signInRoutes(app: FastifyInstance, options: AuthRouteOptions): Promise<void> {
  app.post<{ Body: { email: string; password: string } }>(
    '/api/v1/auth/login',
    { schema: { body: body({ email, password: { type: 'string', minLength: 1, maxLength: 1024 } }), response: okReply } },
    async (request, reply) => {
      const host = requestHost(request, options.trustProxy)!;
      // A login form posted from another site could sign the victim into the attacker's account.
      if (request.headers.origin || request.headers.referer) assertSameOrigin(request, options);
      const dbs = await databasesOf(options, request);
      // The tenant may have chosen single sign-on alone: its contacts' passwords then open nothing.
      if (!(await localPasswordsAllowed(dbs, request.tenant.id))) throw new AppError('FORBIDDEN', 'This help desk signs in through single sign-on only: use the sign-in button of your organisation.');
      try {
        const { token } = await signIn(dbs, {
          tenantId: request.tenant.id,
          host,
          email: request.body.email,
          password: request.body.password,
          ip: request.ip,
          ttlMs: options.sessionTtlMs,
          throttle: options.throttle,
        });
        reply.setCookie(SESSION_COOKIE, token, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: request.protocol === 'https',
          maxAge: Math.floor(options.sessionTtlMs / 1000),
        });
        return { ok: true };
      } catch (error) {
        if (error instanceof ThrottledError) reply.header('retry-after', String(error.retryAfterSeconds));
        throw error;
      }
    },
  );

  app.post<{ Body: { email: string } }>('/api/v1/auth/password-reset', { schema: { body: body({ email }), response: okReply } }, async (request, reply) => {
    const origin = await resetLinkOrigin(options, request);
    const { tenant } = await databasesOf(options, request);
    await requestPasswordReset(tenant, { tenantId: request.tenant.id, email: request.body.email, origin, ip: request.ip });
    // The same answer whether or not the address belongs to an account.
    return reply.status(202).send({ ok: true });
  });

  app.post<{ Body: { token: string; password: string } }>(
    '/api/v1/auth/password-reset/confirm',
    { schema: { body: body({ token: { type: 'string', minLength: 20, maxLength: 100 }, password: { type: 'string', minLength: 8, maxLength: 1024 } }), response: okReply } },
    async (request) => {
      await confirmPasswordReset((await databasesOf(options, request)).tenant, { tenantId: request.tenant.id, token: request.body.token, password: request.body.password, ip: request.ip });
      return { ok: true };
    },
  );
}

const logoutReply = { 200: { type: 'object', properties: { ok: { type: 'boolean' }, providerLogoutUrl: { type: 'string' } } } };

/** Logout: the session ends here; one opened through single sign-on also gets the provider's logout address, when it has one. */
export async function signOutRoutes(app: FastifyInstance, options: OidcDeps & { trustProxy: boolean; publicScheme: 'http' | 'https' }): Promise<void> {
  app.post('/api/v1/auth/logout', { schema: { response: logoutReply } }, async (request, reply) => {
    const sessionId = request.actor.sessionId;
    const returnTo = `${requestOrigin(request, options.trustProxy, options.publicScheme)}/`;
    const providerLogout = sessionId ? await providerLogoutUrl(request.tenantDbs, options, sessionId, returnTo) : undefined;
    if (sessionId) await revokeSession(request.tenantDbs.tenant, sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true, ...(providerLogout ? { providerLogoutUrl: providerLogout } : {}) };
  });
}

/**
 * Where the mailed reset link points: the tenant's primary host, never a name taken from the request
 * (a forged Host header must not send the token elsewhere). When the request came to that very host,
 * its port is kept, so the link works on a server that is not on 80/443 (the demo on 8080).
 */
async function resetLinkOrigin(options: AuthRouteOptions, request: FastifyRequest): Promise<string | undefined> {
  const primary = await primaryHost(options.shards.pool, request.tenant.id);
  if (!primary) return undefined;
  const origin = requestOrigin(request, options.trustProxy, options.publicScheme);
  return new URL(origin).hostname === primary ? origin : `${options.publicScheme}://${primary}`;
}

import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/database.ts';
import { signIn } from '../../identity/sign-in.ts';
import { revokeSession } from '../../identity/sessions.ts';
import { assertSameOrigin, SESSION_COOKIE } from '../plugins/authenticate.ts';
import { requestHost } from '../plugins/tenant-host.ts';

const loginBody = {
  type: 'object',
  properties: { email: { type: 'string', minLength: 3, maxLength: 254 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
  required: ['email', 'password'],
  additionalProperties: false,
} as const;

export type AuthRouteOptions = { database: Database; trustProxy: boolean; sessionTtlMs: number };

/** Sign-in on the tenant's own host; the session cookie is bound to that host. */
export async function signInRoutes(app: FastifyInstance, options: AuthRouteOptions): Promise<void> {
  app.post<{ Body: { email: string; password: string } }>(
    '/api/v1/auth/login',
    { schema: { body: loginBody, response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
    async (request, reply) => {
      const host = requestHost(request, options.trustProxy)!;
      // A login form posted from another site could sign the victim into the attacker's account.
      if (request.headers.origin || request.headers.referer) assertSameOrigin(request, host);
      const { token } = await signIn(options.database, {
        tenantId: request.tenant.id,
        host,
        email: request.body.email,
        password: request.body.password,
        ttlMs: options.sessionTtlMs,
      });
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        maxAge: Math.floor(options.sessionTtlMs / 1000),
      });
      return { ok: true };
    },
  );
}

export async function signOutRoutes(app: FastifyInstance, options: { database: Database }): Promise<void> {
  app.post('/api/v1/auth/logout', async (request, reply) => {
    await revokeSession(options.database, request.actor.sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });
}

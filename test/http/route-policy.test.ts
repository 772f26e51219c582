import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { routePolicies } from '../../src/http/plugins/route-policy.ts';

/** Deny by default at start-up: a route the policy table does not know keeps the app from starting. */
describe('the route policy table at start-up', () => {
  const appWith = async (register: (app: FastifyInstance) => void | Promise<void>) => {
    const app = Fastify({ logger: false });
    routePolicies(app);
    await app.register(async (scope) => register(scope));
    await app.ready();
    return app;
  };

  it('refuses to start with a route missing from the table', async () => {
    const app = appWith((scope) => {
      scope.get('/api/v1/forgotten', async () => ({ secret: true }));
    });
    await assert.rejects(app, /GET \/api\/v1\/forgotten has no entry in the route policy table/);
  });

  it('refuses a protected route registered where nobody signs in', async () => {
    const app = appWith((scope) => {
      scope.get('/api/v1/audit', async () => ({ items: [] }));
    });
    await assert.rejects(app, /GET \/api\/v1\/audit is declared for callers with a session \(cookie or Bearer key\) but registered where nobody signs in/);
  });

  it('refuses a public route registered inside an authenticating scope, and osTicket routes outside an X-API-Key one', async () => {
    const inside = appWith((scope) => {
      scope.decorate('authenticatesBy', 'session');
      scope.get('/api/v1/tenant', async () => ({}));
    });
    await assert.rejects(inside, /GET \/api\/v1\/tenant is declared public but registered where a session \(cookie or Bearer key\) is required/);
    const osTicket = appWith((scope) => {
      scope.decorate('authenticatesBy', 'session');
      scope.post('/api/tickets.json', async () => '');
    });
    await assert.rejects(osTicket, /declared for callers with an X-API-Key but registered where a session \(cookie or Bearer key\) is required/);
  });

  it('starts with a known route in the right scope, its entry attached', async () => {
    let seen: unknown;
    const app = await appWith((scope) => {
      scope.get('/healthz', async (request) => {
        seen = request.routeOptions.config.policy;
        return { status: 'ok' };
      });
    });
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    assert.deepEqual(seen && Object.keys(seen as object).sort(), ['sees', 'who']);
    await app.close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { ROUTE_POLICIES } from '../../src/http/route-policies.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { updateTenant } from '../../src/tenancy/catalog/update-tenant.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { createTenants } from '../support/tenants.ts';

/*
 * Each request's tenant comes from its Host header, through the catalog, and nothing a client
 * puts in that header reaches another tenant, the database or an error message.
 */

const UNKNOWN_HOST = { error: { code: 'UNKNOWN_HOST', message: 'This address is not the address of any help desk here.' } };
const SUSPENDED = { error: { code: 'TENANT_SUSPENDED', message: 'This help desk is not available at the moment.' } };

/** Host values a client might send to reach another tenant, or to break host resolution. */
const HOSTILE_HOSTS: readonly string[] = [
  "acme.localhost' or '1'='1",
  "acme.localhost'; drop table tenants; --",
  'acme.localhost" or "1"="1',
  'acme.localhost%27%20or%201=1',
  '\u0430cme.localhost', // Cyrillic а
  'acme.l\u043e\u0441alhost', // Cyrillic о and с
  '\uff41\uff43\uff4d\uff45.localhost', // full-width acme
  'acme.localhost\u200b', // zero-width space
  '\u212aelvin.localhost', // Kelvin sign, lower-cases to k
  'xn--cme-2na.localhost', // punycode of a look-alike
  'a'.repeat(10_000),
  `${'a.'.repeat(5_000)}acme.localhost`,
  `${'a'.repeat(64)}.localhost`,
  'acme.localhost@globex.localhost',
  'globex.localhost@acme.localhost',
  'user:password@acme.localhost',
  'acme.localhost..',
  'acme.localhost...',
  '.acme.localhost',
  'acme..localhost',
  'acme.localhost:99999',
  'acme.localhost:123456',
  'acme.localhost:-1',
  'acme.localhost:',
  'acme.localhost:80:80',
  'acme.localhost:80abc',
  'acme.localhost/evil',
  'acme.localhost\\evil',
  'acme.localhost?x=1',
  'acme.localhost#x',
  'acme.localhost,globex.localhost',
  'acme.localhost globex.localhost',
  '*.localhost',
  '%',
  '[::1]',
  '[::1]:80',
  'localhost',
  '127.0.0.1',
  'evil.acme.localhost',
  'acme.localhost.evil.example',
];

function json(response: LightMyRequestResponse): unknown {
  return JSON.parse(response.body) as unknown;
}

/** The error reply contract: `{"error": {"code", "message", "field"?}}`, JSON, no stack trace. */
function assertErrorShape(response: LightMyRequestResponse | { statusCode: number; body: string; contentType: string }, code: string): void {
  const contentType = 'headers' in response ? String(response.headers['content-type']) : response.contentType;
  assert.match(contentType, /^application\/json/);
  const body = JSON.parse(response.body) as { error?: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ['error']);
  const error = body.error!;
  assert.equal(error.code, code, response.body);
  assert.equal(typeof error.message, 'string');
  assert.ok((error.message as string).length > 0);
  for (const key of Object.keys(error)) assert.ok(['code', 'message', 'field'].includes(key), `unexpected key ${key}`);
  for (const marker of ['stack', '    at ', '.ts:', '.js:', 'node_modules', 'Error:']) {
    assert.ok(!response.body.includes(marker), `body shows ${JSON.stringify(marker)}: ${response.body}`);
  }
}

/** One raw HTTP exchange over a socket, for requests `inject` cannot send (no or empty Host). */
async function rawExchange(port: number, request: string): Promise<{ statusCode: number; body: string; contentType: string }> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(request);
  });
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const statusCode = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  const contentType = /\r\ncontent-type: ([^\r]+)/i.exec(head)?.[1] ?? '';
  return { statusCode, body: rest.join('\r\n\r\n'), contentType };
}

forEachDatabase('tenant host resolution', (db, kind) => {
  describe('over HTTP', () => {
    let direct: FastifyInstance;
    let proxied: FastifyInstance;
    let tenantCount = 0;

    before(async () => {
      await createTenants(db(), [
        { slug: 'sp', name: 'Service provider', hosts: ['sp.localhost'] },
        { slug: 'acme', name: 'Acme', hosts: ['acme.localhost', 'help.acme.example'] },
        { slug: 'globex', name: 'Globex', hosts: ['globex.localhost'] },
        { slug: 'umbrella', name: 'Umbrella', hosts: ['umbrella.localhost'] },
        { slug: 'oldco', name: 'Old Co', hosts: ['oldco.localhost'] },
      ]);
      await updateTenant(db(), DEFAULT_TENANCY, 'umbrella', { status: 'suspended' });
      await updateTenant(db(), DEFAULT_TENANCY, 'oldco', { status: 'archived' });
      tenantCount = (await db().owner.selectFrom('tenants').select('id').execute()).length;
      const catalog = await Catalog.load(db(), 50);
      // Routes that fail on purpose, to check what an unexpected error looks like from outside; declared like any route.
      const failing = { who: { anyone: true }, sees: 'An error, on purpose.' } as const;
      const policies = new Map([...ROUTE_POLICIES, ['GET /test/crash', failing], ['GET /test/unique-violation', failing]]);
      direct = await buildApp({ database: db(), catalog, settings: DEFAULT_TENANCY, trustProxy: false, policies });
      direct.get('/test/crash', async () => {
        throw new Error('secret internal detail at /srv/tenantdesk/src/secret.ts:12');
      });
      direct.get('/test/unique-violation', async () => {
        throw Object.assign(new Error('duplicate key value violates unique constraint "contacts_email"'), {
          code: '23505',
          constraint: 'contacts_email',
          detail: 'Key (tenant_id, email)=(3, bob.secret@globex.example) already exists.',
        });
      });
      proxied = await buildApp({ database: db(), catalog, settings: DEFAULT_TENANCY, trustProxy: true });
      await direct.ready();
      await proxied.ready();
    });

    after(async () => {
      await direct?.close();
      await proxied?.close();
    });

    const tenantAt = async (app: FastifyInstance, headers: Record<string, string>) => {
      const response = await app.inject({ method: 'GET', url: '/api/v1/tenant', headers });
      return { status: response.statusCode, body: json(response) };
    };

    it("answers each request for the tenant of its Host", async () => {
      assert.deepEqual(await tenantAt(direct, { host: 'acme.localhost' }), { status: 200, body: { slug: 'acme', name: 'Acme', serviceProvider: false, branding: {} } });
      assert.deepEqual(await tenantAt(direct, { host: 'help.acme.example' }), { status: 200, body: { slug: 'acme', name: 'Acme', serviceProvider: false, branding: {} } });
      assert.deepEqual(await tenantAt(direct, { host: 'globex.localhost' }), { status: 200, body: { slug: 'globex', name: 'Globex', serviceProvider: false, branding: {} } });
      assert.deepEqual(await tenantAt(direct, { host: 'sp.localhost' }), { status: 200, body: { slug: 'sp', name: 'Service provider', serviceProvider: true, branding: {} } });
    });

    it('lower-cases the Host and strips its port', async () => {
      for (const host of ['ACME.LOCALHOST', 'Acme.Localhost:3000', 'acme.localhost:80', 'acme.localhost:65535', 'HELP.acme.EXAMPLE:8443']) {
        const { status, body } = await tenantAt(direct, { host });
        assert.equal(status, 200, host);
        assert.equal((body as { slug: string }).slug, 'acme', host);
      }
    });

    it('keeps concurrent requests to different hosts apart', async () => {
      const hosts = ['acme.localhost', 'globex.localhost', 'sp.localhost', 'nobody.localhost'];
      const expected: Record<string, string> = { 'acme.localhost': 'acme', 'globex.localhost': 'globex', 'sp.localhost': 'sp' };
      const requests = Array.from({ length: 80 }, (_, i) => hosts[i % hosts.length]!);
      const answers = await Promise.all(requests.map((host) => tenantAt(direct, { host })));
      answers.forEach((answer, i) => {
        const host = requests[i]!;
        if (expected[host]) assert.equal((answer.body as { slug: string }).slug, expected[host], host);
        else assert.deepEqual(answer, { status: 404, body: UNKNOWN_HOST });
      });
    });

    it('answers an unknown host with 404 UNKNOWN_HOST, never another tenant', async () => {
      for (const host of ['nobody.localhost', 'acme.example', 'acme', 'acme-localhost', 'globex.localhost.acme.localhost']) {
        assert.deepEqual(await tenantAt(direct, { host }), { status: 404, body: UNKNOWN_HOST }, host);
      }
    });

    it('answers a suspended or archived tenant with 403 TENANT_SUSPENDED', async () => {
      assert.deepEqual(await tenantAt(direct, { host: 'umbrella.localhost' }), { status: 403, body: SUSPENDED });
      assert.deepEqual(await tenantAt(direct, { host: 'oldco.localhost' }), { status: 403, body: SUSPENDED });
      // Before any route work: a sign-in attempt at a suspended tenant is refused the same way.
      const login = await direct.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host: 'umbrella.localhost' }, payload: { email: 'a@b.c', password: 'x' } });
      assert.deepEqual({ status: login.statusCode, body: json(login) }, { status: 403, body: SUSPENDED });
    });

    it('treats hostile Host values as unknown hosts, harmlessly', async () => {
      for (const host of HOSTILE_HOSTS) {
        for (const url of ['/api/v1/tenant', '/api/v1/me']) {
          const response = await direct.inject({ method: 'GET', url, headers: { host } });
          assert.equal(response.statusCode, 404, `${url} at ${JSON.stringify(host.slice(0, 60))}`);
          assert.deepEqual(json(response), UNKNOWN_HOST, JSON.stringify(host.slice(0, 60)));
        }
        const login = await direct.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host }, payload: { email: 'a@b.c', password: 'x' } });
        assert.deepEqual(json(login), UNKNOWN_HOST);
      }
      // Nothing happened to the catalog, and the real hosts still answer.
      assert.equal((await db().owner.selectFrom('tenants').select('id').execute()).length, tenantCount);
      assert.equal((await tenantAt(direct, { host: 'acme.localhost' })).status, 200);
    });

    it('treats one trailing dot (a fully qualified name) as the same host, never another tenant', async () => {
      assert.equal(((await tenantAt(direct, { host: 'acme.localhost.' })).body as { slug: string }).slug, 'acme');
      assert.equal(((await tenantAt(direct, { host: 'globex.localhost.:8080' })).body as { slug: string }).slug, 'globex');
    });

    it('answers a request with an empty or missing Host with UNKNOWN_HOST', async () => {
      await direct.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = direct.server.address() as AddressInfo;
        const empty = await rawExchange(port, 'GET /api/v1/tenant HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n');
        assert.equal(empty.statusCode, 404);
        assertErrorShape(empty, 'UNKNOWN_HOST');
        const missing = await rawExchange(port, 'GET /api/v1/tenant HTTP/1.0\r\n\r\n');
        assert.equal(missing.statusCode, 404);
        assertErrorShape(missing, 'UNKNOWN_HOST');
        const ok = await rawExchange(port, 'GET /api/v1/tenant HTTP/1.1\r\nHost: acme.localhost\r\nConnection: close\r\n\r\n');
        assert.equal(ok.statusCode, 200);
      } finally {
        await direct.server.close();
      }
    });

    it('ignores X-Forwarded-Host unless trustProxy is true', async () => {
      const fromHost = await tenantAt(direct, { host: 'acme.localhost', 'x-forwarded-host': 'globex.localhost' });
      assert.equal((fromHost.body as { slug: string }).slug, 'acme');
      assert.deepEqual(await tenantAt(direct, { host: 'nobody.localhost', 'x-forwarded-host': 'acme.localhost' }), { status: 404, body: UNKNOWN_HOST });
      assert.deepEqual(await tenantAt(direct, { host: 'umbrella.localhost', 'x-forwarded-host': 'acme.localhost' }), { status: 403, body: SUSPENDED });
    });

    it('honours X-Forwarded-Host when trustProxy is true', async () => {
      const forwarded = await tenantAt(proxied, { host: 'acme.localhost', 'x-forwarded-host': 'globex.localhost' });
      assert.equal((forwarded.body as { slug: string }).slug, 'globex');
      const normalised = await tenantAt(proxied, { host: '10.0.0.7:8080', 'x-forwarded-host': 'ACME.localhost:8443' });
      assert.equal((normalised.body as { slug: string }).slug, 'acme');
      assert.deepEqual(await tenantAt(proxied, { host: 'acme.localhost', 'x-forwarded-host': 'umbrella.localhost' }), { status: 403, body: SUSPENDED });
      // Without the header, the Host counts.
      assert.equal(((await tenantAt(proxied, { host: 'acme.localhost' })).body as { slug: string }).slug, 'acme');
    });

    it('never falls back to Host when a trusted X-Forwarded-Host is unknown or hostile', async () => {
      // (A comma-separated value is a list of hops, read by its first entry: not a fallback.)
      for (const forwarded of ['nobody.localhost', ...HOSTILE_HOSTS.filter((h) => !h.includes(','))]) {
        const answer = await tenantAt(proxied, { host: 'acme.localhost', 'x-forwarded-host': forwarded });
        assert.deepEqual(answer, { status: 404, body: UNKNOWN_HOST }, JSON.stringify(forwarded.slice(0, 60)));
      }
    });

    it('answers /healthz and /readyz on any host', async () => {
      const hosts = ['acme.localhost', 'nobody.localhost', 'umbrella.localhost', '10.0.0.7:8080', "x' or '1'='1", 'a'.repeat(10_000), 'acme.localhost:99999'];
      for (const app of [direct, proxied]) {
        for (const host of hosts) {
          const headers = { host, 'x-forwarded-host': "evil' --" };
          const health = await app.inject({ method: 'GET', url: '/healthz', headers });
          assert.equal(health.statusCode, 200, host.slice(0, 60));
          assert.deepEqual(json(health), { status: 'ok' });
          const ready = await app.inject({ method: 'GET', url: '/readyz', headers });
          assert.equal(ready.statusCode, 200, host.slice(0, 60));
          assert.deepEqual(json(ready), { status: 'ready', database: kind, pendingMigrations: [], mailQuarantine: 0 });
        }
      }
    });

    it('answers every error with {"error":{"code","message"}} and never a stack trace', async () => {
      const cases: { name: string; status: number; code: string; request: InjectOptions }[] = [
        { name: 'unknown host', status: 404, code: 'UNKNOWN_HOST', request: { url: '/api/v1/tenant', headers: { host: 'nobody.localhost' } } },
        { name: 'hostile host', status: 404, code: 'UNKNOWN_HOST', request: { url: '/api/v1/tenant', headers: { host: "acme.localhost' or '1'='1" } } },
        { name: 'suspended tenant', status: 403, code: 'TENANT_SUSPENDED', request: { url: '/api/v1/tenant', headers: { host: 'umbrella.localhost' } } },
        { name: 'unknown route', status: 404, code: 'NOT_FOUND', request: { url: '/api/v1/nothing-here', headers: { host: 'acme.localhost' } } },
        { name: 'not signed in', status: 401, code: 'UNAUTHENTICATED', request: { url: '/api/v1/me', headers: { host: 'acme.localhost' } } },
        {
          name: 'malformed JSON',
          status: 400,
          code: 'VALIDATION_FAILED',
          request: { method: 'POST', url: '/api/v1/auth/login', headers: { host: 'acme.localhost', 'content-type': 'application/json' }, payload: '{"email": ' },
        },
        {
          name: 'body too large',
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
          request: { method: 'POST', url: '/api/v1/auth/login', headers: { host: 'acme.localhost', 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'x'.repeat(2 * 1024 * 1024) }) },
        },
        { name: 'unexpected error', status: 500, code: 'INTERNAL', request: { url: '/test/crash', headers: { host: 'acme.localhost' } } },
        { name: 'database conflict', status: 409, code: 'CONFLICT', request: { url: '/test/unique-violation', headers: { host: 'acme.localhost' } } },
      ];
      for (const c of cases) {
        const response = await direct.inject(c.request);
        assert.equal(response.statusCode, c.status, `${c.name}: ${response.body}`);
        assertErrorShape(response, c.code);
        for (const secret of ['secret internal detail', '/srv/tenantdesk', 'bob.secret@globex.example', 'duplicate key']) {
          assert.ok(!response.body.includes(secret), `${c.name} leaks ${secret}`);
        }
      }
    });
  });
});

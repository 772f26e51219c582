import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { DEMO_PASSWORD, seedDemo } from '../../src/demo/seed-demo.ts';
import { buildApp } from '../../src/http/app.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/http/plugins/web-app.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { forEachDatabase } from '../support/databases.ts';

/*
 * What the web front end needs from the server: the built app served at every tenant's host with
 * its CSP (API routes first), the active role's permissions and tenants, and the guest status check.
 */

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1.js"></script></head><body><div id="root"></div></body></html>';

type Call = { method?: 'GET' | 'POST'; url: string; host: string; cookie?: string; body?: object };

forEachDatabase('the web front end and its API', (db) => {
  let app: FastifyInstance;
  let unbuilt: FastifyInstance;
  let demo: FastifyInstance;
  let webRoot: string;
  const cookies = new Map<string, string>();

  const call = (c: Call, on = app): Promise<LightMyRequestResponse> =>
    on.inject({
      method: c.method ?? 'GET',
      url: c.url,
      headers: { host: c.host, ...(c.cookie ? { cookie: c.cookie } : {}), ...(c.method === 'POST' ? { origin: `http://${c.host}` } : {}) },
      ...(c.body ? { payload: c.body } : {}),
    });

  const as = async (email: string, host: string) => {
    if (!cookies.has(email)) {
      const res = await call({ method: 'POST', url: '/api/v1/auth/login', host, body: { email, password: DEMO_PASSWORD } });
      assert.equal(res.statusCode, 200, res.body);
      cookies.set(email, `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}`);
    }
    return (c: Omit<Call, 'host' | 'cookie'>) => call({ ...c, host, cookie: cookies.get(email)! });
  };
  const guest = (host: string, body: object) => call({ method: 'POST', url: '/api/v1/guest/ticket-status', host, body });

  before(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'tenantdesk-web-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), INDEX);
    writeFileSync(join(webRoot, 'assets', 'app-1.js'), 'console.log(1)');
    const shards = new Shards(db());
    await seedDemo(shards, DEFAULT_TENANCY);
    const catalog = await Catalog.load(db(), 0);
    const options = { database: db(), catalog, settings: DEFAULT_TENANCY, trustProxy: false, shards };
    app = await buildApp({ ...options, webRoot, identity: { throttle: { maxPerAccountClient: 3, maxPerIp: 100, windowMs: 60_000 } } });
    unbuilt = await buildApp({ ...options, webRoot: join(webRoot, 'missing') });
    demo = await buildApp({ ...options, webRoot, demo: true });
  });
  after(async () => {
    await app?.close();
    await unbuilt?.close();
    await demo?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('serves the app for any page address, with a CSP that forbids inline script', async () => {
    for (const url of ['/', '/tickets/123', '/queue?status=open', '/admin/departments']) {
      const res = await call({ url, host: 'acme.localhost' });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, INDEX);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.match(CONTENT_SECURITY_POLICY, /script-src 'self';/);
      assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|https?:/);
    }
    const asset = await call({ url: '/assets/app-1.js', host: 'globex.localhost' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.body, 'console.log(1)');
    assert.match(String(asset.headers['cache-control']), /immutable/);
  });

  it('keeps API routes, /healthz and /readyz ahead of the app, and unknown API paths JSON 404s', async () => {
    assert.deepEqual((await call({ url: '/healthz', host: 'acme.localhost' })).json(), { status: 'ok' });
    assert.equal((await call({ url: '/readyz', host: 'acme.localhost' })).json().status, 'ready');
    assert.equal((await call({ url: '/api/v1/tenant', host: 'acme.localhost' })).json().slug, 'acme');
    for (const url of ['/api/v1/nothing-here', '/api', '/api/']) {
      const res = await call({ url, host: 'acme.localhost' });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    }
    const post = await call({ method: 'POST', url: '/tickets', host: 'acme.localhost', body: {} });
    assert.equal(post.statusCode, 404);
    assert.equal(post.json().error.code, 'NOT_FOUND');
  });

  it("shows the demo's desks, logins and password at an address that is no desk's, such as localhost", async () => {
    const res = await call({ url: '/', host: 'localhost:8080' }, demo);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    for (const url of ['http://desk.localhost:8080/', 'http://acme.localhost:8080/', 'http://acme-eu.localhost:8080/', 'http://globex.localhost:8080/']) assert.ok(res.body.includes(`href="${url}"`), url);
    for (const login of ['admin@northwind.test', 'agent@acme.test', 'customer@globex.test', DEMO_PASSWORD]) assert.ok(res.body.includes(login), login);
    // A desk's own address still gets the app, and the API its JSON answer.
    assert.equal((await call({ url: '/', host: 'acme.localhost' }, demo)).body, INDEX);
    assert.equal((await call({ url: '/api/v1/tenant', host: 'localhost' }, demo)).json().error.code, 'UNKNOWN_HOST');
  });

  it("answers an address that is no desk's with a 404 page saying what to check, outside the demo", async () => {
    const res = await call({ url: '/tickets/1', host: 'help.example.org' });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /help\.example\.org<\/code> is not the address of any help desk/);
    assert.match(res.body, /TRUST_PROXY/);
    assert.doesNotMatch(res.body, /tenantdesk-demo|acme|northwind/);
    const api = await call({ url: '/api/v1/tenant', host: 'help.example.org' });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'UNKNOWN_HOST');
    // The host is shown as text, never as markup.
    const hostile = await call({ url: '/', host: 'a<b>.example' });
    assert.doesNotMatch(hostile.body, /<b>/);
  });

  it('says the front end is not built, rather than a blank page, when web/dist is missing', async () => {
    const res = await call({ url: '/', host: 'acme.localhost' }, unbuilt);
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build:web/);
    assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  });

  it("tells the front end the active role's permissions", async () => {
    const me = (await (await as('customer@acme.test', 'acme.localhost'))({ url: '/api/v1/me' })).json();
    assert.deepEqual([...me.activeRole.permissions].sort(), [
      'ticket.create',
      'ticket.reply',
      'ticket.status.closed.open',
      'ticket.status.open.closed',
      'ticket.status.pending.closed',
      'ticket.status.resolved.closed',
      'ticket.status.resolved.open',
    ]);
  });

  it('lists the tenants the active role reads, no others, and which it may write', async () => {
    assert.equal((await call({ url: '/api/v1/me/tenants', host: 'acme.localhost' })).statusCode, 401);
    const acme = (await (await as('agent@acme.test', 'acme.localhost'))({ url: '/api/v1/me/tenants' })).json();
    assert.deepEqual(
      acme.tenants.map((t: { slug: string; writable: boolean }) => [t.slug, t.writable]),
      [['acme', true]],
    );
    const sp = (await (await as('agent@northwind.test', 'desk.localhost'))({ url: '/api/v1/me/tenants' })).json();
    assert.deepEqual(sp.tenants.map((t: { slug: string }) => t.slug).sort(), ['acme', 'acme-eu', 'globex', 'northwind']);
    assert.ok(sp.tenants.every((t: { writable: boolean; id: number }) => t.writable && Number.isInteger(t.id)));
  });

  it("answers a guest's status check for the right number and email only, the same 404 for every miss", async () => {
    const agent = await as('agent@acme.test', 'acme.localhost');
    const [ticket] = (await agent({ url: '/api/v1/tickets?q=printer' })).json().items as { number: string; subject: string; status: string }[];
    assert.ok(ticket);
    const ok = await guest('acme.localhost', { number: ticket.number.toLowerCase(), email: ' Customer@Acme.test ' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(Object.keys(ok.json()).sort(), ['number', 'status', 'subject', 'updatedAt']);
    assert.equal(ok.json().number, ticket.number);
    assert.equal(ok.json().subject, ticket.subject);

    const globexNumber = (await (await as('agent@globex.test', 'globex.localhost'))({ url: '/api/v1/tickets?q=printer' })).json().items[0].number as string;
    const misses = [
      { number: ticket.number, email: 'agent@acme.test' }, // a real contact, not the requester
      { number: 'ACME-999999', email: 'customer@acme.test' }, // no such ticket
      { number: globexNumber, email: 'customer@globex.test' }, // another tenant's pair, asked at acme's host
    ];
    const bodies = new Set<string>();
    for (const body of misses) {
      const res = await guest('acme.localhost', body);
      assert.equal(res.statusCode, 404, JSON.stringify(body));
      bodies.add(res.body);
    }
    assert.equal(bodies.size, 1, 'every miss answers the same');
    assert.ok(![...bodies][0]!.includes('globex'));
    assert.equal((await guest('acme.localhost', { number: ticket.number, email: 'customer@acme.test', thread: true })).statusCode, 400);
  });

  it('slows down the status check of an address after repeated misses from a client', async () => {
    const host = 'acme-eu.localhost';
    for (let i = 0; i < 3; i++) assert.equal((await guest(host, { number: `ACME-EU-00009${i}`, email: 'customer@acme-eu.test' })).statusCode, 404);
    // The misses put 30 s ahead: the next try is surely inside the client's delay, however slow the machine.
    await sql`update sign_in_failures set failed_at = now() + interval '30 seconds'
      where throttle_key like 'account-client:%:guest-status:customer@acme-eu.test:%'`.execute(db().owner);
    const locked = await guest(host, { number: 'ACME-EU-000001', email: 'customer@acme-eu.test' });
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().error.code, 'RATE_LIMITED');
    // The customer's own sign-in is counted apart and still works.
    assert.equal((await call({ method: 'POST', url: '/api/v1/auth/login', host, body: { email: 'customer@acme-eu.test', password: DEMO_PASSWORD } })).statusCode, 200);
  });
});

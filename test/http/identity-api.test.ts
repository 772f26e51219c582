import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD, seedDemo } from '../../src/demo/seed-demo.ts';
import { buildApp } from '../../src/http/app.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createObject } from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';

type Call = { method?: 'GET' | 'POST' | 'PUT'; url: string; host: string; cookie?: string; body?: object; origin?: string | null };

forEachDatabase('the identity API', (db) => {
  let app: FastifyInstance;
  let catalog: Catalog;

  const call = (c: Call): Promise<LightMyRequestResponse> =>
    app.inject({
      method: c.method ?? 'GET',
      url: c.url,
      headers: {
        host: c.host,
        ...(c.cookie ? { cookie: c.cookie } : {}),
        ...(c.origin !== null && c.method && c.method !== 'GET' ? { origin: c.origin ?? `http://${c.host}` } : {}),
      },
      ...(c.body ? { payload: c.body } : {}),
    });

  const signIn = async (host: string, email: string, password = DEMO_PASSWORD): Promise<string> => {
    const res = await call({ method: 'POST', url: '/api/v1/auth/login', host, body: { email, password } });
    assert.equal(res.statusCode, 200, res.body);
    const cookie = res.cookies.find((c) => c.name === 'td_session');
    assert.ok(cookie?.httpOnly && cookie.sameSite === 'Lax', 'the session cookie is HttpOnly and SameSite=Lax');
    return `td_session=${cookie.value}`;
  };

  before(async () => {
    const shards = new Shards(db());
    await seedDemo(shards, DEFAULT_TENANCY);
    catalog = await Catalog.load(db(), 0);
    const ctx = systemContext(shards, DEFAULT_TENANCY, catalog.snapshot());
    const id = (slug: string) => catalog.snapshot().bySlug.get(slug)!.id;
    await createContact(ctx, { tenantId: id('acme'), kind: 'agent', email: 'lead@acme.test', name: 'Acme lead', password: DEMO_PASSWORD, roles: ['agent', 'tenant-admin'] });
    await createObject(ctx, 'category', { tenant_id: null, name: 'Hardware' });
    await createObject(ctx, 'category', { tenant_id: id('acme'), name: 'Acme printers' });
    await createObject(ctx, 'category', { tenant_id: id('acme-eu'), name: 'EU printers' });
    await createObject(ctx, 'category', { tenant_id: id('globex'), name: 'Globex lab' });
    app = await buildApp({ database: db(), catalog, settings: DEFAULT_TENANCY, trustProxy: false });
  });
  after(async () => app?.close());

  it('answers 401 UNAUTHENTICATED without a session', async () => {
    for (const url of ['/api/v1/me', '/api/v1/contacts', '/api/v1/lookups/ticket/category_id']) {
      const res = await call({ url, host: 'acme.localhost' });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    }
  });

  it('gives the same answer for a wrong password, an unknown email and another tenant’s contact', async () => {
    const answers = await Promise.all(
      [
        { email: 'customer@acme.test', password: 'wrong password' },
        { email: 'nobody@acme.test', password: DEMO_PASSWORD },
        { email: 'customer@globex.test', password: DEMO_PASSWORD },
      ].map((body) => call({ method: 'POST', url: '/api/v1/auth/login', host: 'acme.localhost', body })),
    );
    for (const res of answers) {
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), answers[0]!.json());
    }
  });

  it('returns the contact, its roles and its effective access from /me', async () => {
    const cookie = await signIn('acme.localhost', 'customer@acme.test');
    const me = (await call({ url: '/api/v1/me', host: 'acme.localhost', cookie })).json();
    assert.equal(me.contact.email, 'customer@acme.test');
    assert.equal(me.tenant.slug, 'acme');
    assert.equal(me.activeRole.slug, 'customer');
    assert.deepEqual(me.access, { read: ['acme'], write: ['acme'], writePublic: false });
  });

  it('refuses a session cookie on another tenant’s host', async () => {
    const cookie = await signIn('acme.localhost', 'customer@acme.test');
    for (const host of ['globex.localhost', 'acme-eu.localhost', 'desk.localhost']) {
      const res = await call({ url: '/api/v1/me', host, cookie });
      assert.equal(res.statusCode, 401, host);
    }
  });

  it('switches the active role and the very next request has its access', async () => {
    const cookie = await signIn('acme.localhost', 'lead@acme.test');
    const body = { kind: 'customer', email: 'new1@acme.test', name: 'New one' };
    const denied = await call({ method: 'POST', url: '/api/v1/contacts', host: 'acme.localhost', cookie, body });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().error.code, 'FORBIDDEN');
    const switched = await call({ method: 'PUT', url: '/api/v1/me/active-role', host: 'acme.localhost', cookie, body: { role: 'tenant-admin' } });
    assert.equal(switched.json().activeRole.slug, 'tenant-admin');
    const created = await call({ method: 'POST', url: '/api/v1/contacts', host: 'acme.localhost', cookie, body });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().tenant, 'acme', 'a role writing one tenant gets that tenant without naming it');
    const unknownRole = await call({ method: 'PUT', url: '/api/v1/me/active-role', host: 'acme.localhost', cookie, body: { role: 'sp-admin' } });
    assert.equal(unknownRole.statusCode, 404);
  });

  it('refuses a tenant administrator writing another tenant or granting a wider role', async () => {
    const cookie = await signIn('acme.localhost', 'lead@acme.test');
    await call({ method: 'PUT', url: '/api/v1/me/active-role', host: 'acme.localhost', cookie, body: { role: 'tenant-admin' } });
    const other = await call({ method: 'POST', url: '/api/v1/contacts', host: 'acme.localhost', cookie, body: { tenant: 'globex', kind: 'customer', email: 'x@globex.test', name: 'X' } });
    assert.equal(other.json().error.code, 'TENANT_ACCESS_DENIED');
    const wider = await call({ method: 'POST', url: '/api/v1/contacts', host: 'acme.localhost', cookie, body: { kind: 'agent', email: 'boss@acme.test', name: 'Boss', roles: ['sp-admin'] } });
    assert.equal(wider.json().error.code, 'FORBIDDEN');
    const list = (await call({ url: '/api/v1/contacts', host: 'acme.localhost', cookie })).json();
    assert.ok(!list.contacts.some((c: { email: string }) => c.email === 'boss@acme.test'), 'the refused contact was not half-written');
    const lead = list.contacts.find((c: { email: string }) => c.email === 'lead@acme.test');
    assert.deepEqual(lead.roles, [{ slug: 'agent', name: 'Agent' }, { slug: 'tenant-admin', name: 'Tenant administrator' }], 'the list says which roles each contact holds, default first');
  });

  it('makes a service-provider administrator name the tenant of what it creates', async () => {
    const cookie = await signIn('desk.localhost', 'admin@northwind.test');
    const body = { kind: 'customer', email: 'sp-made@globex.test', name: 'SP made' };
    const ambiguous = await call({ method: 'POST', url: '/api/v1/contacts', host: 'desk.localhost', cookie, body });
    assert.equal(ambiguous.json().error.code, 'TENANT_REQUIRED');
    const named = await call({ method: 'POST', url: '/api/v1/contacts', host: 'desk.localhost', cookie, body: { ...body, tenant: 'globex' } });
    assert.equal(named.statusCode, 201);
    assert.equal(named.json().tenant, 'globex');
  });

  it("answers 404 for another tenant's contact", async () => {
    const sp = await signIn('desk.localhost', 'admin@northwind.test');
    const globexContacts = (await call({ url: '/api/v1/contacts', host: 'desk.localhost', cookie: sp })).json().contacts as { id: string; tenant: string }[];
    const foreign = globexContacts.find((c) => c.tenant === 'globex')!;
    const cookie = await signIn('acme.localhost', 'agent@acme.test');
    const res = await call({ url: `/api/v1/contacts/${foreign.id}`, host: 'acme.localhost', cookie });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
    const own = (await call({ url: '/api/v1/contacts', host: 'acme.localhost', cookie })).json().contacts as { tenant: string }[];
    assert.ok(own.length > 0 && own.every((c) => c.tenant === 'acme'));
  });

  it('offers lookup choices the reference rules allow and the caller reads', async () => {
    const cookie = await signIn('acme-eu.localhost', 'agent@acme-eu.test');
    const res = await call({ url: '/api/v1/lookups/ticket/category_id', host: 'acme-eu.localhost', cookie });
    // The parent's categories are allowed targets, but this role reads acme-eu alone (decision 0010).
    assert.deepEqual(res.json().choices.map((c: { label: string }) => c.label).sort(), ['EU printers', 'Hardware']);
    const sp = await signIn('desk.localhost', 'admin@northwind.test');
    const ambiguous = await call({ url: '/api/v1/lookups/ticket/category_id', host: 'desk.localhost', cookie: sp });
    assert.equal(ambiguous.json().error.code, 'TENANT_REQUIRED');
    const forAcme = await call({ url: '/api/v1/lookups/ticket/category_id?tenant=acme', host: 'desk.localhost', cookie: sp });
    assert.deepEqual(forAcme.json().choices.map((c: { label: string }) => c.label).sort(), ['Acme printers', 'Hardware']);
    const otherTenant = await call({ url: '/api/v1/lookups/ticket/category_id?tenant=globex', host: 'acme-eu.localhost', cookie });
    assert.equal(otherTenant.json().error.code, 'TENANT_ACCESS_DENIED');
    const badType = await call({ url: '/api/v1/lookups/nope/category_id', host: 'acme-eu.localhost', cookie });
    assert.equal(badType.statusCode, 404);
  });

  it('refuses a cookie-authenticated write without a same-origin Origin', async () => {
    const cookie = await signIn('acme.localhost', 'lead@acme.test');
    for (const origin of [null, 'http://evil.example', 'http://globex.localhost']) {
      const res = await call({ method: 'PUT', url: '/api/v1/me/active-role', host: 'acme.localhost', cookie, origin, body: { role: 'agent' } });
      assert.equal(res.statusCode, 403, String(origin));
      assert.equal(res.json().error.code, 'FORBIDDEN');
    }
  });

  it('ends the session at logout', async () => {
    const cookie = await signIn('globex.localhost', 'agent@globex.test');
    assert.equal((await call({ method: 'POST', url: '/api/v1/auth/logout', host: 'globex.localhost', cookie })).statusCode, 200);
    assert.equal((await call({ url: '/api/v1/me', host: 'globex.localhost', cookie })).statusCode, 401);
  });

  it('rejects malformed bodies with VALIDATION_FAILED and a field', async () => {
    const res = await call({ method: 'POST', url: '/api/v1/auth/login', host: 'acme.localhost', body: { email: 'a@b.c' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    assert.equal(res.json().error.field, 'password');
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/** What a customer may and may not do beyond their own tickets. */
forEachDatabase('a customer’s limits', (db) => {
  let app: FastifyInstance;
  let customer: Caller;
  let agent: Caller;

  before(async () => {
    const desk = await demoDeskApp(db());
    app = desk.app;
    customer = await desk.as('customer@acme.test');
    agent = await desk.as('agent@acme.test');
  });
  after(async () => app?.close());

  it('does not list the contacts of their tenant, nor read another contact; an agent does', async () => {
    const listed = await customer({ url: '/api/v1/contacts' });
    assert.equal(listed.statusCode, 403);
    assert.equal(listed.json().error.code, 'FORBIDDEN');
    const contacts = (await agent({ url: '/api/v1/contacts' })).json().contacts as { id: string; email: string }[];
    assert.ok(contacts.length >= 2);
    const other = contacts.find((c) => c.email === 'agent@acme.test')!;
    assert.equal((await customer({ url: `/api/v1/contacts/${other.id}` })).statusCode, 403);
    const self = contacts.find((c) => c.email === 'customer@acme.test')!;
    assert.equal((await customer({ url: `/api/v1/contacts/${self.id}` })).json().email, 'customer@acme.test', 'their own record they may read');
  });

  it('sees the branding of the tenant at its host before signing in', async () => {
    const res = await app.inject({ url: '/api/v1/tenant', headers: { host: 'acme.localhost' } });
    assert.deepEqual(res.json(), { slug: 'acme', name: 'Acme Corporation', serviceProvider: false, branding: { primaryColor: '#b3261e' } });
  });

  it('closes their own ticket', async () => {
    const opened = await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Printer', body: 'jammed' } });
    assert.equal(opened.statusCode, 201, opened.body);
    const ticket = opened.json() as { id: string; version: number };
    const closed = await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/close`, body: { version: ticket.version } });
    assert.equal(closed.statusCode, 200, closed.body);
    assert.equal(closed.json().status, 'closed');
  });
});

forEachDatabase('security headers', (db) => {
  let app: FastifyInstance;
  before(async () => {
    app = (await demoDeskApp(db())).app;
  });
  after(async () => app?.close());

  it('every API answer carries them, errors and 404s included; the docs keep their own policy', async () => {
    for (const url of ['/api/v1/tenant', '/api/v1/tickets', '/api/v1/nothing-here', '/api/openapi.json']) {
      const res = await app.inject({ url, headers: { host: 'acme.localhost' } });
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['x-frame-options'], 'DENY', url);
      assert.equal(res.headers['referrer-policy'], 'same-origin', url);
      assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", url);
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/, `${url}: HSTS, the public scheme being https by default`);
    }
    const docs = await app.inject({ url: '/api/docs/', headers: { host: 'acme.localhost' } });
    assert.notEqual(docs.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", 'the docs page would not run under the API policy');
  });
});

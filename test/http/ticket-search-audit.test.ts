import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

type Listed = { id: string; number: string; tenant: string };

forEachDatabase('ticket search and the audit log', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let call: Awaited<ReturnType<typeof demoDeskApp>>['call'];
  let tenantId: (slug: string) => number;

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, as, call } = desk);
    tenantId = (slug) => desk.catalog.snapshot().bySlug.get(slug)!.id;
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, desk.catalog.snapshot());
    await createContact(ctx, { tenantId: tenantId('acme'), kind: 'agent', email: 'lead@acme.test', name: 'Acme lead', password: DEMO_PASSWORD, roles: ['tenant-admin'] });
  });
  after(async () => app?.close());

  const search = async (caller: Caller, q: string) => {
    const res = await caller({ url: `/api/v1/tickets?q=${encodeURIComponent(q)}` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().items as Listed[];
  };

  it('finds tickets by words of the subject, the number and the thread, within the readable tenants', async () => {
    const customer = await as('customer@acme.test');
    const ticket = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Quarterly invoice mismatch', body: '<p>The amount differs on line <b>seventeen</b>.</p>' } })).json() as Listed;
    const agent = await as('agent@acme.test');
    await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'Forwarded to accounting department' } });
    for (const q of ['quarterly', 'INVOICE mismatch', 'seventeen', 'accounting', ticket.number, '"invoice mismatch"']) {
      assert.deepEqual((await search(agent, q)).map((t) => t.id), [ticket.id], q);
    }
    assert.deepEqual(await search(agent, 'quarterly -invoice'), []);
    assert.deepEqual(await search(await as('agent@globex.test'), 'quarterly'), [], 'never across tenants');
    assert.deepEqual(await search(await as('customer@acme.test'), 'seventeen').then((r) => r.map((t) => t.id)), [ticket.id]);
    const sp = await search(await as('agent@northwind.test'), 'seventeen');
    assert.deepEqual(sp.map((t) => t.tenant), ['acme'], 'the service provider finds it across the tenants it reads');
  });

  it("never finds a ticket for a customer through an internal note's words", async () => {
    const customer = await as('customer@acme.test');
    const ticket = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Badge reader', body: 'blinks red' } })).json() as Listed;
    const agent = await as('agent@acme.test');
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/notes`, body: { body: 'suspect zebrafish firmware' } })).statusCode, 201);
    assert.deepEqual((await search(agent, 'zebrafish')).map((t) => t.id), [ticket.id]);
    assert.deepEqual(await search(customer, 'zebrafish'), []);
    assert.deepEqual(await search(customer, 'badge zebrafish'), []);
    assert.deepEqual(await search(await as('customer@acme-eu.test'), 'badge'), [], "another customer's ticket stays hidden");
  });

  it('answers any search text without an error', async () => {
    const agent = await as('agent@acme.test');
    for (const q of ['"unbalanced', '& | ! ( ) :*', "'; drop table tickets; --", '-', '\\']) await search(agent, q);
  });

  it('shows the audit log to tenant administrators (their tenant) and the service provider, by cursor', async () => {
    const lead = await as('lead@acme.test');
    const first = await lead({ url: '/api/v1/audit?limit=2' });
    assert.equal(first.statusCode, 200, first.body);
    const page = first.json() as { items: { id: string; tenant: string; action: string }[]; nextCursor: string };
    assert.equal(page.items.length, 2);
    assert.ok(page.nextCursor);
    const second = (await lead({ url: `/api/v1/audit?limit=2&cursor=${page.nextCursor}` })).json() as typeof page;
    assert.ok(second.items.length > 0);
    assert.equal(new Set([...page.items, ...second.items].map((e) => e.id)).size, page.items.length + second.items.length, 'pages do not overlap');
    assert.ok([...page.items, ...second.items].every((e) => e.tenant === 'acme'));
    const foreign = (await lead({ url: `/api/v1/audit?tenantId=${tenantId('globex')}` })).json() as typeof page;
    assert.deepEqual(foreign.items, [], "a tenant filter outside the role's tenants finds nothing");
    const sp = (await (await as('admin@northwind.test'))({ url: `/api/v1/audit?tenantId=${tenantId('globex')}&limit=200` })).json() as typeof page;
    assert.ok(sp.items.length > 0 && sp.items.every((e) => e.tenant === 'globex'));
    for (const email of ['agent@acme.test', 'customer@acme.test']) assert.equal((await (await as(email))({ url: '/api/v1/audit' })).statusCode, 403, email);
    assert.equal((await call({ url: '/api/v1/audit', host: 'acme.localhost' })).statusCode, 401);
    assert.equal((await lead({ url: '/api/v1/audit?cursor=bogus' })).statusCode, 400);
  });
});

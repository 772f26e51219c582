import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

type Requester = { id: string; name: string; email: string; kind: string; tenant: string };
type Ticket = { id: string; version: number; tenant: string; requesterId: string | null; assigneeId: string | null };

/*
 * Issue 21, points 1 and 7: a ticket's requester picked (or added) by an agent within the ticket's
 * tenant, no reply without one, and assignees limited to contacts whose roles work that tenant.
 */
forEachDatabase('ticket requesters and assignees', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  const errorOf = (res: LightMyRequestResponse) => res.json().error as { code: string; field?: string; message: string };
  const ok = (res: LightMyRequestResponse, status = 200) => {
    assert.equal(res.statusCode, status, res.body);
    return res.json();
  };
  const contactIdOf = async (email: string): Promise<string> => ok(await (await as(email))({ url: '/api/v1/me' })).contact.id;

  before(async () => {
    ({ app, as } = await demoDeskApp(db()));
  });
  after(async () => app?.close());

  it("finds requesters among the contacts of the ticket's tenant only", async () => {
    const agent = await as('agent@acme.test');
    const found = ok(await agent({ url: '/api/v1/requesters?q=CUSTOMER@acme' })).requesters as Requester[];
    assert.deepEqual(found.map((r) => [r.email, r.tenant]), [['customer@acme.test', 'acme']]);
    const all = ok(await agent({ url: '/api/v1/requesters' })).requesters as Requester[];
    assert.ok(all.length >= 2 && all.every((r) => r.tenant === 'acme'), 'an acme agent sees acme contacts only');
    const other = await agent({ url: '/api/v1/requesters?tenant=globex' });
    assert.equal(other.statusCode, 403);
    assert.equal(errorOf(other).code, 'TENANT_ACCESS_DENIED');
    assert.equal(ok(await agent({ url: '/api/v1/requesters?q=%25' })).requesters.length, 0, 'a % is searched for literally');

    const sp = await as('agent@northwind.test');
    assert.equal(errorOf(await sp({ url: '/api/v1/requesters?q=customer' })).code, 'TENANT_REQUIRED', 'the SP names the ticket’s tenant');
    const globex = ok(await sp({ url: '/api/v1/requesters?tenant=globex&q=customer' })).requesters as Requester[];
    assert.deepEqual(globex.map((r) => r.email), ['customer@globex.test']);

    const customer = await as('customer@acme.test');
    assert.equal((await customer({ url: '/api/v1/requesters?q=a' })).statusCode, 403);
  });

  it('adds a new customer by email address once, and picks the existing contact after', async () => {
    const agent = await as('agent@acme.test');
    const created = ok(await agent({ method: 'POST', url: '/api/v1/requesters', body: { email: ' Nina@Example.test ', name: 'Nina New' } }), 201) as Requester;
    assert.deepEqual([created.email, created.name, created.kind, created.tenant], ['nina@example.test', 'Nina New', 'customer', 'acme']);
    const again = ok(await agent({ method: 'POST', url: '/api/v1/requesters', body: { email: 'nina@example.test' } })) as Requester;
    assert.equal(again.id, created.id);
    const bad = await agent({ method: 'POST', url: '/api/v1/requesters', body: { email: 'not an address' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).field, 'email');
    const sp = await as('agent@northwind.test');
    const named = ok(await sp({ method: 'POST', url: '/api/v1/requesters', body: { tenant: 'globex', email: 'walter@globex.test' } }), 201) as Requester;
    assert.deepEqual([named.tenant, named.name, named.kind], ['globex', 'walter', 'customer']);
  });

  it("shows the service provider's ticket for a tenant to that tenant's customer, its requester", async () => {
    const sp = await as('agent@northwind.test');
    const [requester] = ok(await sp({ url: '/api/v1/requesters?tenant=globex&q=customer@globex.test' })).requesters as Requester[];
    const ticket = ok(await sp({ method: 'POST', url: '/api/v1/tickets', body: { tenantId: undefined, subject: 'Scheduled maintenance', body: 'Tonight', requesterId: requester!.id } }), 201) as Ticket;
    assert.equal(ticket.tenant, 'globex', 'the requester implies the tenant');
    const seen = ok(await (await as('customer@globex.test'))({ url: '/api/v1/tickets' })).items as { id: string }[];
    assert.ok(seen.some((t) => t.id === ticket.id), "globex's customer sees the ticket opened for them");
    const others = ok(await (await as('customer@acme.test'))({ url: '/api/v1/tickets' })).items as { id: string }[];
    assert.ok(!others.some((t) => t.id === ticket.id));
  });

  it('refuses a reply on a ticket without a requester, and takes it once one is set', async () => {
    const agent = await as('agent@acme.test');
    const ticket = ok(await agent({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Server room check', body: 'monthly' } }), 201) as Ticket;
    assert.equal(ticket.requesterId, null);
    const refused = await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'Hello?' } });
    assert.equal(refused.statusCode, 422);
    assert.equal(errorOf(refused).code, 'REQUESTER_REQUIRED');
    const thread = ok(await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).entries as unknown[];
    assert.equal(thread.length, 1, 'nothing was written');
    ok(await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/notes`, body: { body: 'A note is fine' } }), 201);
    const customer = await contactIdOf('customer@acme.test');
    const updated = ok(await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { version: ticket.version, requesterId: customer } })) as Ticket;
    assert.equal(updated.requesterId, customer);
    ok(await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'Done' } }), 201);
    const mine = ok(await agent({ url: `/api/v1/tickets?requesterId=${customer}` })).items as { id: string; requesterId: string }[];
    assert.ok(mine.some((t) => t.id === ticket.id) && mine.every((t) => t.requesterId === customer), "the requester's tickets, for the requester panel");
  });

  it('offers and accepts as assignees only contacts whose roles work the tenant, on create and update', async () => {
    const agent = await as('agent@acme.test');
    const [customer, globexAgent, spAgent, acmeAgent] = await Promise.all(['customer@acme.test', 'agent@globex.test', 'agent@northwind.test', 'agent@acme.test'].map(contactIdOf));
    const choices = ok(await agent({ url: '/api/v1/lookups/ticket/assignee_id' })).choices as { id: string }[];
    const offered = new Set(choices.map((c) => c.id));
    assert.ok(offered.has(acmeAgent!) && offered.has(spAgent!), 'acme’s agent and the SP’s agent (who reaches acme) are offered');
    assert.ok(!offered.has(customer!) && !offered.has(globexAgent!), 'a customer and another tenant’s agent are not');

    const before = ok(await agent({ url: '/api/v1/tickets?limit=200' })).items.length as number;
    for (const assigneeId of [customer, globexAgent]) {
      const refused = await agent({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Assign me wrong', body: 'x', assigneeId } });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.deepEqual([errorOf(refused).code, errorOf(refused).field], ['ASSIGNEE_NOT_ELIGIBLE', 'assigneeId']);
    }
    assert.equal(ok(await agent({ url: '/api/v1/tickets?limit=200' })).items.length, before, 'no ticket was written');

    const ticket = ok(await agent({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Assign me right', body: 'x', assigneeId: spAgent } }), 201) as Ticket;
    assert.equal(ticket.assigneeId, spAgent);
    const answers = [];
    for (const assigneeId of [customer, globexAgent, '00000000-0000-4000-8000-000000000000']) {
      const refused = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { version: ticket.version, assigneeId } });
      assert.equal(refused.statusCode, 422, refused.body);
      answers.push(errorOf(refused));
    }
    assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, 'a customer, another tenant’s agent and no one get the very same answer');
    const assigned = ok(await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { version: ticket.version, assigneeId: acmeAgent } })) as Ticket;
    assert.equal(assigned.assigneeId, acmeAgent);
  });
});

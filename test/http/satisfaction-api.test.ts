import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/*
 * Customer satisfaction (decision 0123): the requester rates a resolved ticket once per resolution;
 * the ratings add up in the reports, per tenant for a tenant's agents and across tenants for the
 * service provider, as JSON and CSV.
 */

type Ticket = { id: string; version: number };

forEachDatabase('customer satisfaction', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;

  const resolvedTicket = async (customer: string, agent: string): Promise<Ticket> => {
    const opened = await (await as(customer))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Rate me', body: 'x' } });
    assert.equal(opened.statusCode, 201, opened.body);
    const ticket = opened.json() as Ticket;
    const resolved = await (await as(agent))({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { status: 'resolved', version: ticket.version } });
    assert.equal(resolved.statusCode, 200, resolved.body);
    return resolved.json();
  };
  const rate = async (email: string, ticket: Ticket, body: Record<string, unknown>) => (await as(email))({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/satisfaction`, body });
  const state = async (email: string, ticket: Ticket) => (await as(email))({ url: `/api/v1/tickets/${ticket.id}/satisfaction` });

  before(async () => {
    ({ app, as } = await demoDeskApp(db()));
  });
  after(async () => app?.close());

  it('lets the requester rate a resolution once, and nobody else', async () => {
    const opened = (await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Not yet', body: 'x' } })).json() as Ticket;
    assert.equal((await rate('customer@acme.test', opened, { rating: 5 })).json().error.code, 'CONFLICT', 'an open ticket is not rated');
    const ticket = await resolvedTicket('customer@acme.test', 'agent@acme.test');
    assert.deepEqual((await state('customer@acme.test', ticket)).json(), { canRate: true, rating: null, comment: null });
    const rated = await rate('customer@acme.test', ticket, { rating: 5, comment: 'Quick and kind.' });
    assert.equal(rated.statusCode, 201, rated.body);
    assert.deepEqual((await state('customer@acme.test', ticket)).json(), { canRate: false, rating: 5, comment: 'Quick and kind.' });
    assert.equal((await rate('customer@acme.test', ticket, { rating: 1 })).statusCode, 409, 'once per resolution');
    assert.equal((await rate('agent@acme.test', ticket, { rating: 5 })).statusCode, 403, 'an agent does not rate');
    assert.equal((await rate('customer@globex.test', ticket, { rating: 1 })).statusCode, 404, 'another tenant’s customer');
    assert.equal((await state('agent@globex.test', ticket)).statusCode, 404);
    assert.equal((await rate('customer@acme.test', ticket, { rating: 6 })).statusCode, 400);
  });

  it('adds the ratings up per tenant for its agents and across tenants for the service provider, in JSON and CSV', async () => {
    const bad = await resolvedTicket('customer@acme.test', 'agent@acme.test');
    assert.equal((await rate('customer@acme.test', bad, { rating: 1 })).statusCode, 201);
    const globex = await resolvedTicket('customer@globex.test', 'agent@globex.test');
    assert.equal((await rate('customer@globex.test', globex, { rating: 4 })).statusCode, 201);

    const acme = (await (await as('agent@acme.test'))({ url: '/api/v1/reports/satisfaction' })).json();
    assert.deepEqual({ ...acme, tenants: acme.tenants.map((t: { tenant: string }) => t.tenant) }, { ratings: 2, average: 3, good: 1, bad: 1, tenants: ['acme'] });
    const sp = (await (await as('agent@northwind.test'))({ url: '/api/v1/reports/satisfaction' })).json();
    assert.deepEqual([sp.ratings, sp.good, sp.bad], [3, 2, 1]);
    assert.deepEqual(sp.tenants.map((t: { tenant: string; ratings: number; average: number }) => [t.tenant, t.ratings, t.average]), [
      ['acme', 2, 3],
      ['globex', 1, 4],
    ], 'in tenant order');
    const csv = await (await as('agent@northwind.test'))({ url: '/api/v1/reports/satisfaction?format=csv' });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const lines = csv.body.trim().split(/\r?\n/);
    assert.equal(lines[0], 'tenant,ratings,average,good,bad');
    assert.ok(lines.includes('globex,1,4,1,0'), csv.body);
    assert.ok(lines.includes('(all),3,3.33,2,1'), csv.body);
    assert.equal((await (await as('customer@acme.test'))({ url: '/api/v1/reports/satisfaction' })).statusCode, 403);
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/* A ticket's collaborators (CC) over HTTP: agents list, add and remove them, within the tenant rules. */

type Collaborator = { id: string; ticketId: string; contactId: string; name: string | null; email: string | null };

forEachDatabase('ticket collaborators', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let ticket: { id: string; version: number; requesterId: string };
  let follower: string;

  const errorOf = (res: LightMyRequestResponse) => res.json().error as { code: string; field?: string };
  const url = () => `/api/v1/tickets/${ticket.id}/collaborators`;

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, as } = desk);
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, desk.catalog.snapshot());
    const acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    follower = (await createContact(ctx, { tenantId: acme, kind: 'customer', email: 'cc@acme.test', name: 'Carla Copy', password: DEMO_PASSWORD, roles: ['customer'] })).id as string;
    const res = await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Shared printer', body: 'x' } });
    assert.equal(res.statusCode, 201, res.body);
    ticket = res.json();
  });
  after(async () => app?.close());

  it('adds a collaborator, who then sees the ticket in the portal, and lists it with its name', async () => {
    const agent = await as('agent@acme.test');
    const before = await (await as('cc@acme.test'))({ url: `/api/v1/tickets/${ticket.id}` });
    assert.equal(before.statusCode, 404, 'not a collaborator yet: not visible');
    const added = await agent({ method: 'POST', url: url(), body: { contactId: follower } });
    assert.equal(added.statusCode, 201, added.body);
    const { id, ...rest } = added.json() as Collaborator;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(rest, { ticketId: ticket.id, contactId: follower, name: 'Carla Copy', email: 'cc@acme.test' });
    const list = (await agent({ url: url() })).json().items as Collaborator[];
    assert.deepEqual(list.map((c) => [c.contactId, c.name]), [[follower, 'Carla Copy']]);
    const seen = await (await as('cc@acme.test'))({ url: `/api/v1/tickets/${ticket.id}` });
    assert.equal(seen.statusCode, 200, 'a collaborator reads the ticket');
    const thread = (await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { kind: string; data: { event?: string; contactId?: string } }[];
    assert.ok(thread.some((e) => e.kind === 'event' && e.data.event === 'collaborator-added' && e.data.contactId === follower));
  });

  it('refuses the same contact twice, the requester, and a contact of another tenant', async () => {
    const agent = await as('agent@acme.test');
    const twice = await agent({ method: 'POST', url: url(), body: { contactId: follower } });
    assert.equal(twice.statusCode, 409);
    const requester = await agent({ method: 'POST', url: url(), body: { contactId: ticket.requesterId } });
    assert.equal(errorOf(requester).code, 'CONFLICT');
    const sp = await as('admin@northwind.test');
    const globexCustomer = ((await sp({ url: '/api/v1/contacts' })).json().contacts as { id: string; email: string }[]).find((c) => c.email === 'customer@globex.test')!;
    const foreign = await sp({ method: 'POST', url: url(), body: { contactId: globexCustomer.id } });
    assert.ok(foreign.statusCode >= 400 && foreign.statusCode < 500, foreign.body);
    assert.equal(errorOf(foreign).field, 'contact_id');
    assert.equal((await agent({ url: url() })).json().items.length, 1, 'nothing was added');
  });

  it('hides collaborators from customers and another tenant’s agents', async () => {
    const customer = await (await as('customer@acme.test'))({ url: url() });
    assert.equal(customer.statusCode, 403);
    const globex = await as('agent@globex.test');
    for (const res of [await globex({ url: url() }), await globex({ method: 'POST', url: url(), body: { contactId: follower } }), await globex({ method: 'DELETE', url: `${url()}/${follower}` })]) {
      assert.equal(res.statusCode, 404, res.body);
    }
  });

  it('removes a collaborator once', async () => {
    const agent = await as('agent@acme.test');
    const removed = await agent({ method: 'DELETE', url: `${url()}/${follower}` });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.deepEqual((await agent({ url: url() })).json().items, []);
    const again = await agent({ method: 'DELETE', url: `${url()}/${follower}` });
    assert.equal(again.statusCode, 404);
    assert.equal(errorOf(again).field, 'contactId');
    const gone = await (await as('cc@acme.test'))({ url: `/api/v1/tickets/${ticket.id}` });
    assert.equal(gone.statusCode, 404, 'no longer visible to the former collaborator');
  });
});

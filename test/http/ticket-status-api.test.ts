import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';
import { addTenantAdmins } from '../mail/mail-fixtures.ts';

type Ticket = { id: string; status: string; version: number; slaPausedAt: string | null; subject: string };

/** A customer may close or reopen its own ticket through the API, nothing else; agents keep every move. */
forEachDatabase('ticket status changes over the API', (db) => {
  let desk: Awaited<ReturnType<typeof demoDeskApp>>;
  let customer: Caller;
  let agent: Caller;
  const read = async (caller: Caller, id: string): Promise<Ticket> => (await caller({ url: `/api/v1/tickets/${id}` })).json() as Ticket;
  const patch = (caller: Caller, ticket: Ticket, body: object) => caller({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { ...body, version: ticket.version } });
  const mine = async (): Promise<Ticket> => {
    const res = await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Mine', body: '<p>x</p>' } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Ticket;
  };

  before(async () => {
    desk = await demoDeskApp(db());
    await addTenantAdmins(desk);
    customer = await desk.as('customer@acme.test');
    agent = await desk.as('agent@acme.test');
  });
  after(async () => desk?.app.close());

  it('refuses a customer putting its own ticket on hold (403 naming the transition and status), changing nothing', async () => {
    const ticket = await mine();
    for (const status of ['pending', 'resolved']) {
      const res = await patch(customer, ticket, { status });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.code, 'FORBIDDEN');
      assert.equal(res.json().error.field, 'status');
      assert.match(res.json().error.message, new RegExp(`from open to ${status}`));
    }
    const after = await read(agent, ticket.id);
    assert.deepEqual([after.status, after.version, after.slaPausedAt], ['open', ticket.version, ticket.slaPausedAt]);
    const thread = (await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { kind: string }[];
    assert.ok(!thread.some((e) => e.kind === 'event'), 'no status event was written');
  });

  it('lets a customer close and reopen its own ticket, by the named moves and by PATCH', async () => {
    const ticket = await mine();
    const closed = await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/close`, body: { version: ticket.version } });
    assert.equal(closed.statusCode, 200, closed.body);
    const reopened = await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/reopen`, body: { version: closed.json().version } });
    assert.equal(reopened.json().status, 'open', reopened.body);
    const patchedClosed = await patch(customer, reopened.json() as Ticket, { status: 'closed' });
    assert.equal(patchedClosed.json().status, 'closed', patchedClosed.body);
    const patchedOpen = await patch(customer, patchedClosed.json() as Ticket, { status: 'open' });
    assert.equal(patchedOpen.json().status, 'open', patchedOpen.body);
  });

  it("lets agents make every change of state, and a customer's reply reopens a ticket waiting on it", async () => {
    let ticket = await mine();
    for (const status of ['pending', 'resolved', 'closed', 'open', 'pending']) {
      const res = await patch(agent, ticket, { status });
      assert.equal(res.statusCode, 200, `${status}: ${res.body}`);
      ticket = res.json() as Ticket;
    }
    assert.equal((await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: '<p>Here it is</p>' } })).statusCode, 201);
    assert.equal((await read(agent, ticket.id)).status, 'open');
  });

  it('tells role administrators the status permissions, and refuses the retired ticket.close', async () => {
    const admin = await desk.as('admin@acme.test');
    const retired = await admin({ method: 'POST', url: '/api/v1/roles', body: { slug: 'closer', name: 'Closer', read: 'own', write: 'own', permissions: ['ticket.close'] } });
    assert.equal(retired.statusCode, 400, retired.body);
    assert.equal(retired.json().error.field, 'permissions');
    assert.match(retired.json().error.message, /ticket\.status\./);
    const typo = await admin({ method: 'POST', url: '/api/v1/roles', body: { slug: 'typo', name: 'Typo', read: 'own', write: 'own', permissions: ['ticket.status.open.done'] } });
    assert.equal(typo.statusCode, 400, typo.body);
    const ok = await admin({ method: 'POST', url: '/api/v1/roles', body: { slug: 'closer', name: 'Closer', read: 'own', write: 'own', permissions: ['ticket.reply', 'ticket.status.open.closed', 'ticket.status.closed.open'] } });
    assert.equal(ok.statusCode, 201, ok.body);
    const changed = await admin({ method: 'PATCH', url: `/api/v1/roles/${ok.json().id}`, body: { permissions: ['ticket.close'] } });
    assert.equal(changed.statusCode, 400, changed.body);
  });
});

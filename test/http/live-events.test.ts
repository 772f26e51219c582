import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, hostOf, type Caller } from '../support/desk-app.ts';
import { EventStreamClient, type ReceivedEvent } from '../support/event-stream.ts';

/*
 * GET /api/v1/events (decision 0120): server-sent events of the tickets a caller may read, heard
 * from the database's notifications and re-read with the subscriber's own scope. Real streams over
 * a real socket; the changes are made through the API by other callers.
 */

type Ticket = { id: string; version: number };

forEachDatabase('live events', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let port: number;
  const open: EventStreamClient[] = [];

  /** A fresh session of a demo login (its own, so that signing it out ends only its streams). */
  const sessionOf = async (email: string): Promise<string> => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host: hostOf(email), origin: `http://${hostOf(email)}` }, payload: { email, password: DEMO_PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    return `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}`;
  };
  /** A stream of `email`, once it says it hears changes. */
  const streamOf = async (email: string, cookie?: string): Promise<EventStreamClient> => {
    const stream = await EventStreamClient.open(port, { host: hostOf(email), cookie: cookie ?? (await sessionOf(email)) });
    open.push(stream);
    assert.equal(stream.status, 200, stream.body);
    await stream.next((e) => e.event === 'ready', 'ready');
    return stream;
  };
  const newTicket = async (email: string, subject: string): Promise<Ticket> => {
    const res = await (await as(email))({ method: 'POST', url: '/api/v1/tickets', body: { subject, body: 'It does not work.' } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const entryOn = async (email: string, ticket: Ticket, kind: 'replies' | 'notes', body: string): Promise<string> => {
    const res = await (await as(email))({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/${kind}`, body: { body } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const created = (ticket: Ticket) => (e: ReceivedEvent) => e.event === 'ticket' && e.data.ticketId === ticket.id && e.data.created === true;
  const entry = (id: string) => (e: ReceivedEvent) => e.event === 'entry' && e.data.entryId === id;

  before(async () => {
    ({ app, as } = await demoDeskApp(db(), { live: { heartbeatMs: 300 } }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    for (const stream of open) stream.close();
    await app?.close();
  });

  it('tells an agent of a new ticket and its reply at once, and the customer of the reply to its own ticket', async () => {
    const agent = await streamOf('agent@acme.test');
    const customer = await streamOf('customer@acme.test');
    const ticket = await newTicket('customer@acme.test', 'Printer on fire');
    await agent.next(created(ticket), "the agent's new-ticket event");
    await customer.next(created(ticket), "the customer's own new ticket");
    const reply = await entryOn('agent@acme.test', ticket, 'replies', 'We are on our way.');
    await agent.next(entry(reply), 'the reply, for the agent');
    const heard = await customer.next(entry(reply), 'the reply, for the customer');
    assert.deepEqual(heard.data, { kind: 'entry', ticketId: ticket.id, entryId: reply }, 'ids only, no content');
  });

  it('never tells a customer of tenant B and an agent of tenant A of each other’s tickets', async () => {
    const acmeAgent = await streamOf('agent@acme.test');
    const globexCustomer = await streamOf('customer@globex.test');
    const globexTicket = await newTicket('customer@globex.test', 'Globex VPN down');
    const globexReply = await entryOn('agent@globex.test', globexTicket, 'replies', 'Looking into it.');
    const acmeTicket = await newTicket('customer@acme.test', 'Acme mail down');
    const acmeReply = await entryOn('agent@acme.test', acmeTicket, 'replies', 'Restarting it.');
    // Each hears its own tenant's last change; everything before it has been delivered by then.
    await acmeAgent.next(entry(acmeReply), "acme's reply, for acme's agent");
    await globexCustomer.next(entry(globexReply), "globex's reply, for globex's customer");
    const marker = await newTicket('customer@globex.test', 'Globex marker');
    await globexCustomer.next(created(marker), 'the marker');
    assert.deepEqual(acmeAgent.about(globexTicket.id), [], "acme's agent heard nothing of globex");
    assert.deepEqual(acmeAgent.about(marker.id), [], "acme's agent heard nothing of globex's marker");
    assert.deepEqual(globexCustomer.about(acmeTicket.id), [], "globex's customer heard nothing of acme");
  });

  it('tells a customer neither of notes nor of assignments, nor of another customer’s ticket', async () => {
    const customer = await streamOf('customer@acme.test');
    const agent = await streamOf('agent@acme.test');
    const ticket = await newTicket('customer@acme.test', 'Screen flickers');
    await customer.next(created(ticket), 'its new ticket');
    const note = await entryOn('agent@acme.test', ticket, 'notes', 'Probably the cable.');
    const me = (await (await as('agent@acme.test'))({ url: '/api/v1/me' })).json().contact.id as string;
    const assigned = await (await as('agent@acme.test'))({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { assigneeId: me, version: ticket.version } });
    assert.equal(assigned.statusCode, 200, assigned.body);
    const reply = await entryOn('agent@acme.test', ticket, 'replies', 'A new cable is coming.');
    await customer.next(entry(reply), 'the reply');
    await agent.next(entry(note), 'the note, for the agent');
    await agent.next((e) => e.event === 'ticket' && e.data.ticketId === ticket.id && e.data.version === ticket.version + 1, 'the assignment, for the agent');
    const told = customer.about(ticket.id);
    assert.deepEqual(told.filter((e) => e.event === 'ticket').map((e) => e.data.created), [true], 'only its opening, no bare row change');
    assert.ok(!told.some((e) => e.data.entryId === note), 'no note');
    // Exactly the entries its own thread shows: the first message and the reply, not the assignment event.
    const thread = (await (await as('customer@acme.test'))({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { id: string }[];
    assert.equal(thread.length, 2);
    assert.deepEqual(told.filter((e) => e.event === 'entry').map((e) => e.data.entryId), thread.map((e) => e.id));
  });

  it('refuses a caller without a session, a plain API call, and a session over its stream limit', async () => {
    const plain = await (await as('agent@acme.test'))({ url: '/api/v1/events' });
    assert.equal(plain.statusCode, 400, 'answered at once, not left waiting');
    assert.equal(plain.json().error.field, 'accept');
    const anonymous = await EventStreamClient.open(port, { host: 'acme.localhost' });
    open.push(anonymous);
    assert.equal(anonymous.status, 401);
    const cookie = await sessionOf('agent@globex.test');
    for (let i = 0; i < 8; i += 1) await streamOf('agent@globex.test', cookie);
    const ninth = await EventStreamClient.open(port, { host: 'globex.localhost', cookie });
    open.push(ninth);
    await ninth.end('the refusal');
    assert.equal(ninth.status, 429);
    assert.equal(JSON.parse(ninth.body).error.code, 'RATE_LIMITED');
  });

  it('ends the stream when its session signs out, and every stream when the server stops', async () => {
    const cookie = await sessionOf('agent@acme.test');
    const leaving = await streamOf('agent@acme.test', cookie);
    const staying = await streamOf('customer@acme.test');
    const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { host: 'acme.localhost', cookie, origin: 'http://acme.localhost' } });
    assert.equal(out.statusCode < 300, true, out.body);
    await leaving.next((e) => e.event === 'ended', 'the end of the signed-out stream', 5000);
    await leaving.end('the close');
    assert.equal(staying.ended, false);
    app.live.closeAll();
    await staying.end('the close at shutdown');
    assert.equal(app.live.streams, 0);
  });
});

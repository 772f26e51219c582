import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/*
 * Collisions on a ticket (decision 0121): who else is viewing or replying (marks that expire,
 * kept in the database so every process sees them), and a reply refused with 409 TICKET_CHANGED
 * when others wrote since the writer began, sent anyway on request.
 */

type Present = { contactId: string; name: string; activity: string };

forEachDatabase('ticket collisions', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let ticket: { id: string };

  const mark = async (email: string, activity: string, id = ticket.id) => (await as(email))({ method: 'PUT', url: `/api/v1/tickets/${id}/presence`, body: { activity } });
  const presentFor = async (email: string) => (await mark(email, 'viewing')).json().present as Present[];
  const threadOf = async (email: string) => (await (await as(email))({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { id: string }[];
  const reply = async (email: string, body: Record<string, unknown>) => (await as(email))({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body });

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, as } = desk);
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, desk.catalog.snapshot());
    const acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    await createContact(ctx, { tenantId: acme, kind: 'agent', email: 'marie@acme.test', name: 'Marie Curie', password: DEMO_PASSWORD, roles: ['agent'] });
    const res = await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Laptop will not boot', body: 'Black screen.' } });
    assert.equal(res.statusCode, 201, res.body);
    ticket = res.json();
  });
  after(async () => app?.close());

  it('tells an agent that Marie is viewing, then replying, and forgets her when she leaves', async () => {
    assert.deepEqual(await presentFor('agent@acme.test'), [], 'nobody else yet');
    assert.equal((await mark('marie@acme.test', 'viewing')).statusCode, 200);
    assert.deepEqual((await presentFor('agent@acme.test')).map((p) => [p.name, p.activity]), [['Marie Curie', 'viewing']]);
    const marie = (await mark('marie@acme.test', 'replying')).json().present as Present[];
    assert.deepEqual(marie.map((p) => p.activity), ['viewing'], 'Marie sees the other agent, never herself');
    assert.deepEqual((await presentFor('agent@acme.test')).map((p) => [p.name, p.activity]), [['Marie Curie', 'replying']]);
    const left = await (await as('marie@acme.test'))({ method: 'DELETE', url: `/api/v1/tickets/${ticket.id}/presence` });
    assert.equal(left.statusCode, 204, left.body);
    assert.deepEqual(await presentFor('agent@acme.test'), []);
  });

  it('refuses presence to customers and on another tenant’s ticket', async () => {
    assert.equal((await mark('customer@acme.test', 'viewing')).statusCode, 403);
    assert.equal((await mark('agent@globex.test', 'viewing')).statusCode, 404);
    assert.equal((await mark('agent@acme.test', 'typing')).statusCode, 400);
  });

  it('refuses a reply when someone else wrote since the writer began, and sends it anyway on request', async () => {
    const seen = (await threadOf('agent@acme.test')).at(-1)!.id;
    const marie = await reply('marie@acme.test', { body: 'Try holding the power button for 10 s.', seenEntryId: seen });
    assert.equal(marie.statusCode, 201, 'nothing new since Marie began');
    const stale = await reply('agent@acme.test', { body: 'Please send it to us.', seenEntryId: seen });
    assert.equal(stale.statusCode, 409, stale.body);
    assert.equal(stale.json().error.code, 'TICKET_CHANGED');
    assert.equal(stale.json().error.field, 'seenEntryId');
    assert.equal((await threadOf('agent@acme.test')).filter((e) => e.id !== marie.json().id).at(-1)!.id, seen, 'nothing was written');
    const anyway = await reply('agent@acme.test', { body: 'Please send it to us.' });
    assert.equal(anyway.statusCode, 201, anyway.body);
    const own = await reply('agent@acme.test', { body: 'We will call you.', seenEntryId: marie.json().id });
    assert.equal(own.statusCode, 201, 'its own reply since does not count');
  });
});

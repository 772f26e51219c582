import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { createRole } from '../../src/identity/create-role.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/*
 * Macros (decision 0122): managed by tenant administrators (public ones by the service provider),
 * read by agents only; applied in one click, reply and changes in one transaction, each by the
 * right it needs by hand: a refused part leaves the ticket as it was.
 */

type Ticket = { id: string; version: number; status: string; priorityId: string | null; assigneeId: string | null };

forEachDatabase('macros', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let acme: number;
  let high: string;

  const newTicket = async (subject: string): Promise<Ticket> => {
    const res = await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject, body: 'Help.' } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const createMacro = async (email: string, body: Record<string, unknown>) => {
    const res = await (await as(email))({ method: 'POST', url: '/api/v1/macros', body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const apply = async (email: string, ticket: Ticket, macroId: string) =>
    (await as(email))({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/macros/${macroId}`, body: { version: ticket.version } });
  const thread = async (ticket: Ticket) => (await (await as('agent@acme.test'))({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { kind: string; bodyHtml: string }[];

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, as } = desk);
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, desk.catalog.snapshot());
    acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    await createContact(ctx, { tenantId: acme, kind: 'agent', email: 'boss@acme.test', name: 'Acme Admin', password: DEMO_PASSWORD, roles: ['tenant-admin'] });
    await createRole(ctx, { slug: 'replier', name: 'Replies only', tenantId: acme, read: 'own', write: 'own', permissions: ['ticket.reply', 'ticket.note', 'ticket.edit', 'ticket.status.*'] });
    await createContact(ctx, { tenantId: acme, kind: 'agent', email: 'junior@acme.test', name: 'Junior', password: DEMO_PASSWORD, roles: ['replier'] });
    const priorities = (await (await as('agent@acme.test'))({ url: '/api/v1/lookups/ticket/priority_id' })).json();
    high = (priorities.items ?? priorities.choices).find((p: { label: string }) => p.label === 'High').id;
  });
  after(async () => app?.close());

  it('applies a reply, status, priority and assignment in one click', async () => {
    const macro = await createMacro('boss@acme.test', { name: 'Escalate to me', bodyHtml: '<p>I am taking this over.</p>', setStatus: 'pending', setPriorityId: high, assignToMe: true });
    const ticket = await newTicket('Server room too hot');
    const res = await apply('agent@acme.test', ticket, macro);
    assert.equal(res.statusCode, 200, res.body);
    const after = res.json() as Ticket;
    const me = (await (await as('agent@acme.test'))({ url: '/api/v1/me' })).json().contact.id;
    assert.deepEqual([after.status, after.priorityId, after.assigneeId], ['pending', high, me]);
    const entries = await thread(ticket);
    assert.ok(entries.some((e) => e.kind === 'reply' && e.bodyHtml.includes('I am taking this over.')));
  });

  it('undoes everything when one part needs a right the agent lacks (assigning)', async () => {
    const macro = await createMacro('boss@acme.test', { name: 'Reply and assign', bodyHtml: '<p>On it.</p>', setStatus: 'pending', assignToMe: true });
    const ticket = await newTicket('Projector broken');
    const res = await apply('junior@acme.test', ticket, macro);
    assert.equal(res.statusCode, 403, res.body);
    const now = (await (await as('agent@acme.test'))({ url: `/api/v1/tickets/${ticket.id}` })).json() as Ticket;
    assert.deepEqual([now.version, now.status, now.assigneeId], [ticket.version, ticket.status, null], 'no change');
    assert.ok(!(await thread(ticket)).some((e) => e.bodyHtml.includes('On it.')), 'no reply either');
  });

  it('merges public macros of the service provider with the tenant’s own, and hides them from customers and other tenants', async () => {
    const own = await createMacro('boss@acme.test', { name: 'Acme only', bodyHtml: '<p>Acme says hi.</p>' });
    const pub = await createMacro('admin@northwind.test', { tenantId: null, name: 'Public: resolved', setStatus: 'resolved', bodyHtml: '<p>Resolved, reopen if needed.</p>' });
    const names = ((await (await as('agent@acme.test'))({ url: '/api/v1/macros' })).json().items as { id: string }[]).map((m) => m.id);
    assert.ok(names.includes(own) && names.includes(pub));
    const globex = ((await (await as('agent@globex.test'))({ url: '/api/v1/macros' })).json().items as { id: string }[]).map((m) => m.id);
    assert.ok(globex.includes(pub) && !globex.includes(own), 'globex sees the public one, never acme’s');
    assert.equal((await (await as('customer@acme.test'))({ url: '/api/v1/macros' })).statusCode, 404);
    assert.equal((await (await as('agent@acme.test'))({ method: 'POST', url: '/api/v1/macros', body: { name: 'Mine' } })).statusCode, 403, 'agents do not manage them');
    const ticket = await newTicket('Printer fixed?');
    const applied = await apply('agent@acme.test', ticket, pub);
    assert.equal(applied.statusCode, 200, applied.body);
    assert.equal(applied.json().status, 'resolved');
    const globexTicket = (await (await as('customer@globex.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Globex', body: 'x' } })).json() as Ticket;
    assert.equal((await apply('agent@globex.test', globexTicket, own)).statusCode, 404, 'acme’s macro does not exist for globex');
    assert.equal((await apply('customer@acme.test', ticket, pub)).statusCode, 403);
  });
});

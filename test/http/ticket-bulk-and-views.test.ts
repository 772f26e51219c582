import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { createObject, listObjects } from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

type Ticket = { id: string; version: number; status: string; assigneeId: string | null; mergedIntoId: string | null };
type Result = { id: string; ok: boolean; ticket?: Ticket; error?: { code: string; field?: string } };

/*
 * Issue 21, "saved views and bulk actions": an agent's own saved views of the queue, and one action
 * on a selection where each ticket is changed entirely or not at all, each with its outcome.
 */
forEachDatabase('bulk actions and saved views', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let call: Awaited<ReturnType<typeof demoDeskApp>>['call'];
  const ok = (res: LightMyRequestResponse, status = 200) => {
    assert.equal(res.statusCode, status, res.body);
    return res.json();
  };
  const open = async (agent: Caller, subject: string): Promise<Ticket> => ok(await agent({ method: 'POST', url: '/api/v1/tickets', body: { subject, body: 'x' } }), 201);
  const bulk = async (agent: Caller, tickets: Ticket[], action: object): Promise<Result[]> =>
    ok(await agent({ method: 'POST', url: '/api/v1/tickets/bulk', body: { tickets: tickets.map((t) => ({ id: t.id, version: t.version })), ...action } })).results;

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, as, call } = desk);
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, desk.catalog.snapshot());
    const acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    // An agent who moves open tickets on, but nothing out of "pending".
    const agentRole = (await listObjects(ctx, 'role', { where: { slug: 'agent', tenant_id: null } }))[0]!;
    const permissions = [...(agentRole.permissions as string[]).filter((p) => !p.startsWith('ticket.status.')), 'ticket.status.open.*'];
    await createObject(ctx, 'role', { tenant_id: acme, slug: 'junior', name: 'Junior agent', read_access: 'own', write_access: 'own', permissions, data_partitions: '[]' });
    await createContact(ctx, { tenantId: acme, kind: 'agent', email: 'junior@acme.test', name: 'Junior', password: DEMO_PASSWORD, roles: ['junior'] });
  });
  after(async () => app?.close());

  it('assigns a selection, reporting per ticket, and refuses an ineligible assignee on each without writing', async () => {
    const agent = await as('agent@acme.test');
    const me = ok(await agent({ url: '/api/v1/me' })).contact.id as string;
    const customer = ok(await (await as('customer@acme.test'))({ url: '/api/v1/me' })).contact.id as string;
    const [a, b] = [await open(agent, 'Bulk A'), await open(agent, 'Bulk B')];
    const refused = await bulk(agent, [a!, b!], { action: 'assign', assigneeId: customer });
    assert.deepEqual(refused.map((r) => [r.ok, r.error?.code]), [[false, 'ASSIGNEE_NOT_ELIGIBLE'], [false, 'ASSIGNEE_NOT_ELIGIBLE']]);
    const assigned = await bulk(agent, [a!, b!], { action: 'assign', assigneeId: me });
    assert.deepEqual(assigned.map((r) => [r.ok, r.ticket?.assigneeId, r.ticket?.version]), [[true, me, 2], [true, me, 2]]);
  });

  it('closes what it may and reports a stale or foreign ticket, leaving those untouched', async () => {
    const agent = await as('agent@acme.test');
    const [a, b] = [await open(agent, 'Close A'), await open(agent, 'Close B')];
    const globex = await open(await as('agent@globex.test'), 'Not yours');
    const stale = { ...b!, version: b!.version + 5 };
    const results = await bulk(agent, [a!, stale, globex], { action: 'close' });
    assert.deepEqual(results.map((r) => [r.ok, r.ticket?.status ?? r.error?.code]), [[true, 'closed'], [false, 'CONFLICT'], [false, 'NOT_FOUND']]);
    const untouched = ok(await agent({ url: `/api/v1/tickets/${b!.id}` })) as Ticket;
    assert.deepEqual([untouched.status, untouched.version], ['open', b!.version]);
  });

  it('changes status only along the transitions the role grants, ticket by ticket', async () => {
    const agent = await as('agent@acme.test');
    const [a, b] = [await open(agent, 'Status A'), await open(agent, 'Status B')];
    const pending = (await bulk(agent, [b!], { action: 'status', status: 'pending' }))[0]!.ticket!;
    const junior = await as('junior@acme.test');
    // Junior may move open tickets on, but nothing out of "pending" (ticket.status.open.* only).
    const results = await bulk(junior, [a!, pending], { action: 'status', status: 'resolved' });
    assert.deepEqual(results.map((r) => [r.ok, r.ticket?.status ?? r.error?.code]), [[true, 'resolved'], [false, 'FORBIDDEN']]);
    assert.equal((ok(await agent({ url: `/api/v1/tickets/${b!.id}` })) as Ticket).status, 'pending', 'the refused ticket is as it was');
  });

  it('answers a customer 403 before any ticket is touched', async () => {
    const customer = await as('customer@acme.test');
    const res = await customer({ method: 'POST', url: '/api/v1/tickets/bulk', body: { tickets: [{ id: '00000000-0000-4000-8000-000000000000', version: 1 }], action: 'close' } });
    assert.equal(res.statusCode, 403);
  });

  it('merges a selection into one of its tickets', async () => {
    const agent = await as('agent@acme.test');
    const [target, a, b] = [await open(agent, 'Merge target'), await open(agent, 'Merge A'), await open(agent, 'Merge B')];
    const results = await bulk(agent, [a!, b!, target!], { action: 'merge', targetId: target!.id });
    assert.deepEqual(results.map((r) => [r.ok, r.ticket?.mergedIntoId ?? r.error?.code]), [[true, target!.id], [true, target!.id], [false, 'VALIDATION_FAILED']]);
    const pending = await bulk(agent, [target!], { action: 'status', status: 'pending' });
    assert.deepEqual(pending.map((r) => [r.ok, r.ticket?.status]), [[true, 'pending']]);
    const missing = await agent({ method: 'POST', url: '/api/v1/tickets/bulk', body: { tickets: [{ id: a!.id, version: 1 }], action: 'merge' } });
    assert.equal(missing.statusCode, 400, 'a merge names its target');
  });

  it("keeps each agent's saved views to itself", async () => {
    const agent = await as('agent@acme.test');
    const view = ok(await agent({ method: 'POST', url: '/api/v1/saved-views', body: { name: 'My open ones', filters: { view: 'mine', status: 'open' } } }), 201);
    assert.deepEqual(view.filters, { view: 'mine', status: 'open' });
    const again = await agent({ method: 'POST', url: '/api/v1/saved-views', body: { name: 'My open ones', filters: {} } });
    assert.deepEqual([again.statusCode, again.json().error.field], [409, 'name']);
    const bad = await agent({ method: 'POST', url: '/api/v1/saved-views', body: { name: 'x', filters: { evil: '1' } } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual((ok(await agent({ url: '/api/v1/saved-views' })).views as { name: string }[]).map((v) => v.name), ['My open ones']);

    const colleague = await as('junior@acme.test');
    assert.deepEqual(ok(await colleague({ url: '/api/v1/saved-views' })).views, [], "a colleague does not see another agent's views");
    assert.equal((await colleague({ method: 'DELETE', url: `/api/v1/saved-views/${view.id}` })).statusCode, 404);
    const sp = await as('agent@northwind.test');
    assert.deepEqual(ok(await sp({ url: '/api/v1/saved-views' })).views, []);
    assert.equal((await (await as('customer@acme.test'))({ url: '/api/v1/saved-views' })).statusCode, 403);

    assert.equal((await agent({ method: 'DELETE', url: `/api/v1/saved-views/${view.id}` })).statusCode, 204);
    assert.deepEqual(ok(await agent({ url: '/api/v1/saved-views' })).views, []);
  });

  it('renames its own view, keeping its filters, and nobody else can', async () => {
    const agent = await as('agent@acme.test');
    const view = ok(await agent({ method: 'POST', url: '/api/v1/saved-views', body: { name: 'Printers', filters: { q: 'printer', status: 'open' } } }), 201);
    ok(await agent({ method: 'POST', url: '/api/v1/saved-views', body: { name: 'Laptops', filters: {} } }), 201);
    const rename = (caller: Caller, name: unknown, extra = {}) => caller({ method: 'PATCH', url: `/api/v1/saved-views/${view.id}`, body: { name, ...extra } });

    const renamed = ok(await rename(agent, '  Printer jams '));
    assert.deepEqual([renamed.name, renamed.filters], ['Printer jams', { q: 'printer', status: 'open' }]);
    const taken = await rename(agent, 'Laptops');
    assert.deepEqual([taken.statusCode, taken.json().error.code, taken.json().error.field], [409, 'CONFLICT', 'name']);
    for (const bad of [await rename(agent, '   '), await rename(agent, ''), await rename(agent, 'x', { filters: {} })]) assert.equal(bad.statusCode, 400, bad.body);

    assert.equal((await rename(await as('junior@acme.test'), 'Mine now')).statusCode, 404, "a colleague's view is not found");
    assert.equal((await rename(await as('agent@globex.test'), 'Mine now')).statusCode, 404, "another tenant's view is not found");
    assert.equal((await rename(await as('customer@acme.test'), 'Mine now')).statusCode, 403);
    const anonymous = await call({ method: 'PATCH', url: `/api/v1/saved-views/${view.id}`, host: 'acme.localhost', body: { name: 'Mine now' } });
    assert.equal(anonymous.statusCode, 401);
    assert.deepEqual((ok(await agent({ url: '/api/v1/saved-views' })).views as { name: string }[]).map((v) => v.name), ['Laptops', 'Printer jams'], 'nothing else changed');
  });
});

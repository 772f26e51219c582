import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { registry, type ObjectTypeName } from '../../src/db/registry.ts';
import { LOOKUPS } from '../../src/desk/lookups/list-lookup-choices.ts';
import { DEMO_PASSWORD, demoLogins } from '../../src/demo/seed-demo.ts';
import { actorContext } from '../../src/http/plugins/authenticate.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { createRole } from '../../src/identity/create-role.ts';
import { hasPermission } from '../../src/identity/permissions.ts';
import { resolveSession } from '../../src/identity/sessions.ts';
import { tenantDatabases } from '../../src/identity/tenant-databases.ts';
import { AppError } from '../../src/errors.ts';
import { createObject, findObject } from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, hostOf, type Caller } from '../support/desk-app.ts';

type Choice = { id: string; label: string; tenant: string | null };

/**
 * GET /api/v1/lookups/:type/:field offers a choice only when the caller could read that row and
 * the reference rules allow it as a target, and only for the fields of the caller's own forms.
 */
forEachDatabase('lookup choices', (db) => {
  let desk: Awaited<ReturnType<typeof demoDeskApp>>;
  const extraLogins = ['other@acme.test', 'hardware@acme.test', 'viewer@acme.test'];
  const logins = [...demoLogins(0).map((l) => l.email), ...extraLogins];
  const choices = async (caller: Caller, url: string): Promise<Choice[]> => {
    const res = await caller({ url });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return res.json().choices as Choice[];
  };
  const labels = async (caller: Caller, url: string) => (await choices(caller, url)).map((c) => c.label).sort();

  before(async () => {
    desk = await demoDeskApp(db());
    const snapshot = desk.catalog.snapshot();
    const id = (slug: string) => snapshot.bySlug.get(slug)!.id;
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, snapshot);
    await createObject(ctx, 'category', { tenant_id: null, name: 'Hardware' });
    await createObject(ctx, 'category', { tenant_id: id('acme'), name: 'Acme printers' });
    await createObject(ctx, 'category', { tenant_id: id('acme-eu'), name: 'EU printers' });
    await createObject(ctx, 'category', { tenant_id: id('globex'), name: 'Globex lab' });
    await createObject(ctx, 'location', { tenant_id: id('acme'), name: 'Acme HQ' });
    // Another acme customer, with a ticket no other customer may learn of.
    await createContact(ctx, { tenantId: id('acme'), kind: 'customer', email: 'other@acme.test', name: 'Other customer', password: DEMO_PASSWORD, roles: ['customer'] });
    const other = await desk.as('other@acme.test');
    assert.equal((await other({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Confidential: salary dispute', body: '<p>Private.</p>' } })).statusCode, 201);
    // An agent whose data partition keeps it to one ticket, and one who edits but may not assign.
    await createRole(ctx, {
      slug: 'acme-hardware', name: 'Hardware desk', tenantId: id('acme'), read: 'own', write: 'own', permissions: ['ticket.edit', 'ticket.assign'],
      partitions: [{ type: 'ticket', field: 'subject', op: '=', value: 'The printer on floor 2 jams' }],
    });
    await createRole(ctx, { slug: 'acme-viewer', name: 'Editor, no assigning', tenantId: id('acme'), read: 'own', write: 'own', permissions: ['ticket.edit'] });
    await createContact(ctx, { tenantId: id('acme'), kind: 'agent', email: 'hardware@acme.test', name: 'Hardware agent', password: DEMO_PASSWORD, roles: ['acme-hardware'] });
    await createContact(ctx, { tenantId: id('acme'), kind: 'agent', email: 'viewer@acme.test', name: 'Viewer agent', password: DEMO_PASSWORD, roles: ['acme-viewer'] });
  });
  after(async () => desk?.app.close());

  it("does not list another customer's tickets to a customer (merged_into_id is not a customer's field)", async () => {
    const customer = await desk.as('customer@acme.test');
    const own = (await customer({ url: '/api/v1/tickets' })).json().items as { subject: string }[];
    assert.equal(own.length, 2);
    const res = await customer({ url: '/api/v1/lookups/ticket/merged_into_id' });
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().error.code, 'FORBIDDEN');
    assert.equal(res.json().error.field, 'merged_into_id');
    assert.match(res.json().error.message, /merged_into_id/);
    assert.doesNotMatch(res.body, /Confidential/);
    // An agent of acme reads every acme ticket, so it is offered them all.
    assert.ok((await labels(await desk.as('agent@acme.test'), '/api/v1/lookups/ticket/merged_into_id')).includes('Confidential: salary dispute'));
  });

  it("does not list the parent tenant's contacts to a customer of a subtenant", async () => {
    const res = await (await desk.as('customer@acme-eu.test'))({ url: '/api/v1/lookups/ticket/requester_id' });
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().error.field, 'requester_id');
    assert.doesNotMatch(res.body, /Acme Corporation|Other customer/);
  });

  it("offers the service provider's staff as assignees to roles that may assign, never to customers", async () => {
    for (const email of ['customer@acme.test', 'customer@acme-eu.test', 'customer@globex.test']) {
      const res = await (await desk.as(email))({ url: '/api/v1/lookups/ticket/assignee_id' });
      assert.equal(res.statusCode, 403, `${email}: ${res.body}`);
      assert.doesNotMatch(res.body, /Northwind/);
    }
    // ticket.edit without ticket.assign: no assignee list either.
    assert.equal((await (await desk.as('viewer@acme.test'))({ url: '/api/v1/lookups/ticket/assignee_id' })).statusCode, 403);
    const offered = await choices(await desk.as('agent@acme.test'), '/api/v1/lookups/ticket/assignee_id');
    const names = offered.map((c) => c.label);
    assert.ok(names.includes('Northwind Services agent') && names.includes('Acme Corporation agent'), names.join(', '));
    assert.ok(!names.some((n) => /customer/i.test(n)), `assignees are never customers: ${names.join(', ')}`);
    assert.deepEqual([...new Set(offered.map((c) => c.tenant))].sort(), ['acme', 'northwind']);
  });

  it('offers thread entries (internal notes included) to nobody', async () => {
    for (const email of logins) {
      for (const field of ['entry_id', 'ticket_id', 'uploaded_by']) {
        const caller = await desk.as(email);
        const url = `/api/v1/lookups/attachment/${field}${email.endsWith('@northwind.test') ? '?tenant=acme' : ''}`;
        const res = await caller({ url });
        assert.equal(res.statusCode, 403, `${email} ${field}: ${res.body}`);
      }
    }
  });

  it("offers only rows the caller reads: not the parent tenant's categories to a subtenant's agent", async () => {
    assert.deepEqual(await labels(await desk.as('agent@acme-eu.test'), '/api/v1/lookups/ticket/category_id'), ['EU printers', 'Hardware']);
    assert.deepEqual(await labels(await desk.as('agent@acme.test'), '/api/v1/lookups/ticket/category_id'), ['Acme printers', 'Hardware']);
    // The service provider reads every tenant: the rules alone decide.
    assert.deepEqual(await labels(await desk.as('admin@northwind.test'), '/api/v1/lookups/ticket/category_id?tenant=acme-eu'), ['Acme printers', 'EU printers', 'Hardware']);
  });

  it("applies the caller's data partitions to the choices", async () => {
    assert.deepEqual(await labels(await desk.as('hardware@acme.test'), '/api/v1/lookups/ticket/merged_into_id'), ['The printer on floor 2 jams']);
  });

  it("gives a customer the fields of its own forms, from its own tenant and public rows", async () => {
    const customer = await desk.as('customer@acme-eu.test');
    assert.deepEqual(await labels(customer, '/api/v1/lookups/ticket/category_id'), ['EU printers', 'Hardware']);
    const topics = await choices(customer, '/api/v1/lookups/ticket/help_topic_id');
    assert.ok(topics.length > 0 && topics.every((c) => c.tenant === 'acme-eu' || c.tenant === null), JSON.stringify(topics));
    assert.deepEqual(await labels(await desk.as('customer@acme.test'), '/api/v1/lookups/ticket/location_id'), ['Acme HQ']);
    assert.ok((await choices(customer, '/api/v1/lookups/ticket/priority_id')).length > 0);
    for (const field of ['sla_plan_id', 'status_id', 'team_id']) {
      assert.equal((await customer({ url: `/api/v1/lookups/ticket/${field}` })).statusCode, 403, field);
    }
  });

  it('answers 404 for an unknown type or field, and 403 for a field no form uses', async () => {
    const agent = await desk.as('agent@acme.test');
    for (const url of ['/api/v1/lookups/nope/category_id', '/api/v1/lookups/ticket/nope', '/api/v1/lookups/ticket/subject', '/api/v1/lookups/__proto__/x']) {
      const res = await agent({ url });
      assert.equal(res.statusCode, 404, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    }
    const res = await agent({ url: '/api/v1/lookups/session/contact_id' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.field, 'contact_id');
  });

  it('still gives each role what its web forms ask for', async () => {
    const customer = await desk.as('customer@acme.test');
    assert.equal((await customer({ url: '/api/v1/lookups/ticket/help_topic_id' })).statusCode, 200);
    const agent = await desk.as('agent@acme.test');
    for (const field of ['priority_id', 'assignee_id', 'department_id', 'help_topic_id']) assert.equal((await agent({ url: `/api/v1/lookups/ticket/${field}` })).statusCode, 200, field);
    assert.equal((await agent({ url: '/api/v1/lookups/ticketCollaborator/contact_id' })).statusCode, 200);
    const sp = await desk.as('agent@northwind.test');
    for (const field of ['priority_id', 'assignee_id', 'department_id', 'help_topic_id']) assert.equal((await sp({ url: `/api/v1/lookups/ticket/${field}?tenant=globex` })).statusCode, 200, field);
    // The SP queue's call without a tenant stays as it was (issue 21).
    assert.equal((await sp({ url: '/api/v1/lookups/ticket/priority_id' })).json().error.code, 'TENANT_REQUIRED');
    const admin = await desk.as('admin@northwind.test');
    assert.equal((await admin({ url: '/api/v1/lookups/category/parent_id?tenant=acme' })).statusCode, 200);
  });

  it('offers, for every reference field and every login, only choices the caller reads (or SP staff it may assign)', async () => {
    const snapshot = desk.catalog.snapshot();
    const sp = snapshot.serviceProvider!.slug;
    let offered = 0;
    for (const email of logins) {
      const caller = await desk.as(email);
      const host = hostOf(email);
      const tenantId = snapshot.byHost.get(host)!.id;
      const dbs = await tenantDatabases(desk.shards, snapshot, tenantId);
      const cookie = (await desk.call({ method: 'POST', url: '/api/v1/auth/login', host, body: { email, password: DEMO_PASSWORD } })).cookies.find((c) => c.name === 'td_session')!.value;
      const actor = (await resolveSession(dbs, cookie, host))!;
      const ctx = await actorContext({ database: db(), shards: desk.shards, catalog: desk.catalog, settings: DEFAULT_TENANCY }, dbs, actor);
      const tenants = email.endsWith('@northwind.test') ? ['?tenant=acme-eu', '?tenant=northwind'] : [''];
      for (const [name, type] of Object.entries(registry)) {
        for (const ref of type.references) {
          for (const tenant of tenants) {
            const res = await caller({ url: `/api/v1/lookups/${name}/${ref.column}${tenant}` });
            if (res.statusCode !== 200) {
              assert.ok([403, 400].includes(res.statusCode), `${email} ${name}.${ref.column}: ${res.body}`);
              continue;
            }
            const policy = LOOKUPS[name as ObjectTypeName]?.[ref.column];
            assert.ok(policy?.permissions.some((p) => hasPermission(actor.activeRole, p)), `${email} got ${name}.${ref.column} without its permission`);
            for (const choice of res.json().choices as Choice[]) {
              offered++;
              const readable = await findObject(ctx, ref.target as ObjectTypeName, choice.id).then(
                () => true,
                (error: unknown) => (error instanceof AppError && error.code === 'NOT_FOUND' ? false : Promise.reject(error)),
              );
              const spStaff = ref.spEligible === true && choice.tenant === sp;
              assert.ok(readable || spStaff, `${email} was offered ${name}.${ref.column} = ${choice.label} (${choice.tenant}), which it cannot read`);
            }
          }
        }
      }
    }
    assert.ok(offered > 50, `the walk offered ${offered} choices in all`);
  });
});

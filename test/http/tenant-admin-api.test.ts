import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { createObject, type Row } from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';

/*
 * The tenant administrator's API: categories, locations, contacts and their roles, roles with
 * tenant access and data partitions, mailboxes and branding. Public rows are shown and stay
 * read-only; another tenant's objects answer 404.
 */

forEachDatabase('the tenant administration API', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<import('fastify').LightMyRequestResponse>;
  let admin: Caller;
  let agent: Caller;
  let sp: Caller;
  let publicCategory: Row;
  let globexCategory: Row;
  let globexAgentId: string;

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, call } = desk);
    const snapshot = desk.catalog.snapshot();
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, snapshot);
    const id = (slug: string) => snapshot.bySlug.get(slug)!.id;
    await createContact(ctx, { tenantId: id('acme'), kind: 'agent', email: 'lead@acme.test', name: 'Acme lead', password: DEMO_PASSWORD, roles: ['tenant-admin', 'agent'] });
    publicCategory = await createObject(ctx, 'category', { tenant_id: null, name: 'Hardware' });
    globexCategory = await createObject(ctx, 'category', { tenant_id: id('globex'), name: 'Globex lab' });
    const globexAgent = await createContact(ctx, { tenantId: id('globex'), kind: 'agent', email: 'second@globex.test', name: 'Globex second', roles: ['agent'] });
    globexAgentId = String(globexAgent.id);
    [admin, agent, sp] = await Promise.all([desk.as('lead@acme.test'), desk.as('agent@acme.test'), desk.as('admin@northwind.test')]);
  });
  after(async () => app?.close());

  it('lists categories with the public ones marked, adds and renames its own, and never touches public or foreign ones', async () => {
    const created = await admin({ method: 'POST', url: '/api/v1/categories', body: { name: 'Printers', parentId: publicCategory.id } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().tenant, 'acme');
    const items = (await admin({ url: '/api/v1/categories' })).json().items as { name: string; tenant: string | null }[];
    assert.deepEqual(items.map((c) => `${c.tenant ?? 'public'}:${c.name}`).sort(), ['acme:Printers', 'public:Hardware']);

    const renamed = await admin({ method: 'PATCH', url: `/api/v1/categories/${created.json().id}`, body: { name: 'Printers and copiers' } });
    assert.equal(renamed.json().name, 'Printers and copiers');
    const publicEdit = await admin({ method: 'PATCH', url: `/api/v1/categories/${publicCategory.id}`, body: { name: 'Mine now' } });
    assert.equal(publicEdit.statusCode, 403);
    assert.equal(publicEdit.json().error.code, 'PUBLIC_WRITE_DENIED');
    assert.equal((await admin({ method: 'PATCH', url: `/api/v1/categories/${globexCategory.id}`, body: { name: 'x' } })).statusCode, 404);
    const foreignParent = await admin({ method: 'POST', url: '/api/v1/categories', body: { name: 'Sneaky', parentId: globexCategory.id } });
    assert.equal(foreignParent.json().error.code, 'TENANT_REFERENCE_INVALID');
    assert.equal(foreignParent.json().error.field, 'parentId');
    // Others may reference a category: it is kept, not deleted.
    assert.equal((await admin({ method: 'DELETE', url: `/api/v1/categories/${created.json().id}` })).statusCode, 404);
    assert.equal((await agent({ method: 'POST', url: '/api/v1/categories', body: { name: 'No' } })).json().error.code, 'FORBIDDEN');
  });

  it('adds and renames locations of its own tenant', async () => {
    const created = await admin({ method: 'POST', url: '/api/v1/locations', body: { name: 'Lyon office' } });
    assert.equal(created.statusCode, 201, created.body);
    const renamed = await admin({ method: 'PATCH', url: `/api/v1/locations/${created.json().id}`, body: { name: 'Lyon HQ' } });
    assert.equal(renamed.json().name, 'Lyon HQ');
    const globexView = (await sp({ url: '/api/v1/locations' })).json().items as { tenant: string }[];
    assert.ok(globexView.some((l) => l.tenant === 'acme'), 'the service provider reads it, marked acme');
  });

  it('creates, edits and disables contacts of its tenant, and grants and revokes their roles', async () => {
    const created = await admin({ method: 'POST', url: '/api/v1/contacts', body: { kind: 'customer', email: 'new@acme.test', name: 'New person', password: 'a long password', roles: ['customer'] } });
    assert.equal(created.statusCode, 201, created.body);
    const contactId = created.json().id as string;
    const edited = await admin({ method: 'PATCH', url: `/api/v1/contacts/${contactId}`, body: { name: 'Renamed person', kind: 'agent' } });
    assert.deepEqual([edited.json().name, edited.json().kind], ['Renamed person', 'agent']);

    const granted = await admin({ method: 'POST', url: `/api/v1/contacts/${contactId}/roles`, body: { role: 'agent' } });
    assert.equal(granted.statusCode, 201, granted.body);
    const roles = granted.json().roles as { id: string; slug: string; tenant: string | null; default: boolean }[];
    assert.deepEqual(roles.map((r) => `${r.slug}:${r.default}`), ['customer:true', 'agent:false']);
    assert.ok(roles.every((r) => r.tenant === null), 'the shipped roles are public');
    const tooStrong = await admin({ method: 'POST', url: `/api/v1/contacts/${contactId}/roles`, body: { role: 'sp-admin' } });
    assert.equal(tooStrong.statusCode, 403);

    const customerRole = roles.find((r) => r.slug === 'customer')!;
    assert.equal((await admin({ method: 'DELETE', url: `/api/v1/contacts/${contactId}/roles/${customerRole.id}` })).statusCode, 204);
    const left = (await admin({ url: `/api/v1/contacts/${contactId}/roles` })).json().roles as { slug: string; default: boolean }[];
    assert.deepEqual(left.map((r) => `${r.slug}:${r.default}`), ['agent:true'], 'the default passes to the role left');
    const last = await admin({ method: 'DELETE', url: `/api/v1/contacts/${contactId}/roles/${(await admin({ url: `/api/v1/contacts/${contactId}/roles` })).json().roles[0].id}` });
    assert.equal(last.json().error.code, 'VALIDATION_FAILED');

    const signIn = () => call({ method: 'POST', url: '/api/v1/auth/login', host: 'acme.localhost', body: { email: 'new@acme.test', password: 'a long password' } });
    assert.equal((await signIn()).statusCode, 200);
    assert.equal((await admin({ method: 'PATCH', url: `/api/v1/contacts/${contactId}`, body: { status: 'disabled' } })).json().status, 'disabled');
    assert.equal((await signIn()).statusCode, 401, 'a disabled contact cannot sign in');
  });

  it('answers 404 for another tenant’s contact and refuses to disable oneself', async () => {
    for (const c of [
      { method: 'PATCH' as const, url: `/api/v1/contacts/${globexAgentId}`, body: { name: 'Taken over' } },
      { url: `/api/v1/contacts/${globexAgentId}/roles` },
      { method: 'POST' as const, url: `/api/v1/contacts/${globexAgentId}/roles`, body: { role: 'agent' } },
    ]) {
      const res = await admin(c);
      assert.equal(res.statusCode, 404, `${c.url}: ${res.body}`);
    }
    const me = (await admin({ url: '/api/v1/me' })).json().contact.id as string;
    assert.equal((await admin({ method: 'PATCH', url: `/api/v1/contacts/${me}`, body: { status: 'disabled' } })).json().error.field, 'status');
  });

  it('lists roles with their access, public ones marked, and defines only roles no stronger than its own', async () => {
    const roles = (await admin({ url: '/api/v1/roles' })).json().roles as { slug: string; tenant: string | null; read: string; write: string }[];
    const spAdmin = roles.find((r) => r.slug === 'sp-admin')!;
    assert.deepEqual([spAdmin.tenant, spAdmin.read, spAdmin.write], [null, 'all', 'all']);

    const partitions = [{ type: 'ticket', field: 'requester_id', op: '=', value: '@me' }];
    const created = await admin({ method: 'POST', url: '/api/v1/roles', body: { slug: 'night-shift', name: 'Night shift', read: 'own', write: 'own', permissions: ['ticket.reply', 'ticket.note'], partitions } });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual([created.json().tenant, created.json().read, created.json().partitions], ['acme', 'own', partitions]);

    const wider = await admin({ method: 'POST', url: '/api/v1/roles', body: { slug: 'peek', name: 'Peek', read: 'tenant:globex', write: 'own' } });
    assert.deepEqual([wider.statusCode, wider.json().error.field], [403, 'read']);
    assert.doesNotMatch(wider.body, /globex/, 'refused before the tenant is looked up');
    const stronger = await admin({ method: 'POST', url: '/api/v1/roles', body: { slug: 'boss', name: 'Boss', read: 'own', write: 'own', permissions: ['admin.*'] } });
    assert.deepEqual([stronger.statusCode, stronger.json().error.field], [403, 'permissions']);
    const badPartition = await admin({ method: 'POST', url: '/api/v1/roles', body: { slug: 'odd', name: 'Odd', read: 'own', write: 'own', partitions: [{ type: 'ticket', field: 'no_such_column', op: '=', value: 1 }] } });
    assert.deepEqual([badPartition.statusCode, badPartition.json().error.code, badPartition.json().error.field], [400, 'PARTITION_FIELD_UNKNOWN', 'partitions.0']);

    const edited = await admin({ method: 'PATCH', url: `/api/v1/roles/${created.json().id}`, body: { name: 'Night team', partitions: [] } });
    assert.deepEqual([edited.json().name, edited.json().partitions], ['Night team', []]);
    assert.equal((await admin({ method: 'PATCH', url: `/api/v1/roles/${created.json().id}`, body: { write: 'all' } })).statusCode, 403);
    const publicAgent = roles.find((r) => r.slug === 'agent') as unknown as { id: string };
    assert.equal((await admin({ method: 'PATCH', url: `/api/v1/roles/${publicAgent.id}`, body: { name: 'Mine' } })).json().error.code, 'PUBLIC_WRITE_DENIED');

    const globexRole = await sp({ method: 'POST', url: '/api/v1/roles', body: { tenantId: (await sp({ url: '/api/v1/me/tenants' })).json().tenants.find((t: { slug: string }) => t.slug === 'globex').id, slug: 'lab', name: 'Lab', read: 'own', write: 'own' } });
    assert.equal(globexRole.statusCode, 201, globexRole.body);
    assert.equal((await admin({ method: 'PATCH', url: `/api/v1/roles/${globexRole.json().id}`, body: { name: 'x' } })).statusCode, 404);
    assert.ok(!((await admin({ url: '/api/v1/roles' })).json().roles as { slug: string }[]).some((r) => r.slug === 'lab'));
  });

  it('adds, lists and removes its mailboxes; another tenant’s mailbox is 404', async () => {
    const created = await admin({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'help@acme.test', name: 'Acme help' } });
    assert.equal(created.statusCode, 201, created.body);
    const globex = await sp({ method: 'POST', url: '/api/v1/mailboxes', body: { tenant: 'globex', address: 'help@globex.test' } });
    assert.equal(globex.statusCode, 201, globex.body);
    const listed = (await admin({ url: '/api/v1/mailboxes' })).json().mailboxes as { address: string }[];
    assert.deepEqual(listed.map((m) => m.address), ['help@acme.test']);
    assert.equal((await admin({ method: 'DELETE', url: `/api/v1/mailboxes/${globex.json().id}` })).statusCode, 404);
    assert.equal((await admin({ method: 'DELETE', url: `/api/v1/mailboxes/${created.json().id}` })).statusCode, 204);
    assert.equal((await admin({ url: '/api/v1/mailboxes' })).json().mailboxes.length, 0);
  });

  it('changes its own branding, refusing unreadable colours and remote logos with a reason', async () => {
    const changed = await admin({ method: 'PATCH', url: '/api/v1/tenant/branding', body: { name: 'Acme Group', primaryColor: '#0B5394' } });
    assert.equal(changed.statusCode, 200, changed.body);
    const seen = (await call({ url: '/api/v1/tenant', host: 'acme.localhost' })).json();
    assert.deepEqual([seen.name, seen.branding.primaryColor], ['Acme Group', '#0b5394']);

    const pale = await admin({ method: 'PATCH', url: '/api/v1/tenant/branding', body: { primaryColor: '#ffdd00' } });
    assert.equal(pale.statusCode, 400);
    assert.equal(pale.json().error.field, 'primaryColor');
    assert.match(pale.json().error.message, /contrast of 1\.\d:1.*4\.5:1/);
    const remote = await admin({ method: 'PATCH', url: '/api/v1/tenant/branding', body: { logoUrl: 'https://tracker.example/logo.png' } });
    assert.equal(remote.json().error.field, 'logoUrl');
    const logo = 'data:image/svg+xml;base64,' + Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64');
    assert.equal((await admin({ method: 'PATCH', url: '/api/v1/tenant/branding', body: { logoUrl: logo } })).json().branding.logoUrl, logo);
    const cleared = await admin({ method: 'PATCH', url: '/api/v1/tenant/branding', body: { logoUrl: null } });
    assert.deepEqual(cleared.json().branding, { primaryColor: '#0b5394' });

    assert.equal((await agent({ method: 'PATCH', url: '/api/v1/tenant/branding', body: { name: 'Agent was here' } })).statusCode, 403);
    assert.equal((await call({ url: '/api/v1/tenant', host: 'globex.localhost' })).json().name, 'Globex', 'other tenants unchanged');
  });
});

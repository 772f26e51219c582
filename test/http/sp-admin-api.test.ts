import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';

/*
 * The service provider's administration API (/api/v1/sp/...): only an installation administrator
 * at the service provider's host may use it; every action on tenants, hosts, status and tenant
 * groups, and the read-only multi-tenancy state.
 */

type Entry = { slug: string; parent: string | null; depth: number; placement: string; shard: string; hosts: string[]; status: string; name: string; subtenantsAllowed: boolean };

forEachDatabase('the service-provider administration API', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  let spAdmin: Caller;
  let spAgent: Caller;
  let tenantAdmin: Caller;

  const tenants = async () => (await spAdmin({ url: '/api/v1/sp/tenants' })).json().tenants as Entry[];

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, call } = desk);
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, desk.catalog.snapshot());
    await createContact(ctx, { tenantId: desk.catalog.snapshot().bySlug.get('acme')!.id, kind: 'agent', email: 'lead@acme.test', name: 'Acme lead', password: DEMO_PASSWORD, roles: ['tenant-admin'] });
    [spAdmin, spAgent, tenantAdmin] = await Promise.all([desk.as('admin@northwind.test'), desk.as('agent@northwind.test'), desk.as('lead@acme.test')]);
  });
  after(async () => app?.close());

  it('refuses everyone but an installation administrator at the service provider’s host', async () => {
    const calls: Omit<Call, 'host'>[] = [
      { url: '/api/v1/sp/tenants' },
      { method: 'POST', url: '/api/v1/sp/tenants', body: { slug: 'rogue', name: 'Rogue' } },
      { method: 'POST', url: '/api/v1/sp/tenants/globex/suspend' },
      { method: 'POST', url: '/api/v1/sp/tenants/globex/hosts', body: { host: 'rogue.localhost' } },
      { url: '/api/v1/sp/tenant-groups' },
      { method: 'DELETE', url: '/api/v1/sp/tenant-groups/x' },
      { url: '/api/v1/sp/state' },
    ];
    for (const c of calls) {
      for (const [who, caller] of [['tenant admin', tenantAdmin], ['SP agent', spAgent]] as const) {
        const res = await caller(c);
        assert.equal(res.statusCode, 403, `${who} ${c.method ?? 'GET'} ${c.url}: ${res.body}`);
        assert.equal(res.json().error.code, 'FORBIDDEN');
      }
      assert.equal((await call({ ...c, host: 'desk.localhost' })).statusCode, 401);
    }
    assert.match((await tenantAdmin({ url: '/api/v1/sp/tenants' })).json().error.message, /service provider/);
    assert.match((await spAgent({ url: '/api/v1/sp/state' })).json().error.message, /admin\.installation/);
    assert.equal((await call({ url: '/api/v1/tenant', host: 'rogue.localhost' })).statusCode, 404, 'nothing was created');
  });

  it('lists the tenants in hierarchy order with hosts and placement', async () => {
    const list = await tenants();
    assert.deepEqual(list.map((t) => `${'  '.repeat(t.depth)}${t.slug}`), ['acme', '  acme-eu', 'globex', 'northwind']);
    const eu = list.find((t) => t.slug === 'acme-eu')!;
    assert.deepEqual([eu.parent, eu.hosts, eu.placement], ['acme', ['acme-eu.localhost'], 'pool']);
  });

  it('creates pool and silo tenants under a parent, with hosts that answer at once', async () => {
    const pool = await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants', body: { slug: 'acme-us', name: 'Acme US', parent: 'acme', hosts: ['Acme-US.localhost'], placement: 'pool' } });
    assert.equal(pool.statusCode, 201, pool.body);
    assert.deepEqual([pool.json().parent, pool.json().depth, pool.json().hosts, pool.json().placement], ['acme', 1, ['acme-us.localhost'], 'pool']);
    assert.equal((await call({ url: '/api/v1/tenant', host: 'acme-us.localhost' })).json().name, 'Acme US');

    const silo = await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants', body: { slug: 'vault', name: 'Vault', hosts: ['vault.localhost'], placement: 'silo', subtenantsAllowed: true } });
    assert.equal(silo.statusCode, 201, silo.body);
    assert.deepEqual([silo.json().placement, silo.json().shard, silo.json().subtenantsAllowed], ['silo', 'silo-vault', true]);
    assert.equal((await call({ url: '/api/v1/tenant', host: 'vault.localhost' })).statusCode, 200);

    const groups = (await spAdmin({ url: '/api/v1/sp/tenant-groups?maintained=true' })).json().groups as { slug: string; members: string[] }[];
    assert.deepEqual(groups.find((g) => g.slug === 'acme.subtenants')!.members, ['acme', 'acme-eu', 'acme-us'], 'maintained groups follow the hierarchy');

    const refusals: [object, number, string][] = [
      [{ slug: 'acme-us', name: 'Again' }, 409, 'slug'],
      [{ slug: 'other', name: 'Other', hosts: ['acme.localhost'] }, 409, 'host'],
      [{ slug: 'deep', name: 'Deep', parent: 'globex' }, 422, 'parent'],
      [{ slug: 'orphan', name: 'Orphan', parent: 'nobody' }, 404, 'parent'],
      [{ slug: 'Bad Slug', name: 'Bad' }, 400, ''],
    ];
    for (const [body, status, field] of refusals) {
      const res = await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants', body });
      assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
      if (field) assert.equal(res.json().error.field, field);
    }
    assert.equal((await tenants()).length, 6);
  });

  it('edits a tenant: name, parent, colour, and its hosts', async () => {
    const edited = await spAdmin({ method: 'PATCH', url: '/api/v1/sp/tenants/acme-us', body: { name: 'Acme Americas', parent: 'vault', primaryColor: '#1f4e79' } });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.deepEqual([edited.json().name, edited.json().parent, edited.json().branding.primaryColor], ['Acme Americas', 'vault', '#1f4e79']);
    const cycle = await spAdmin({ method: 'PATCH', url: '/api/v1/sp/tenants/vault', body: { parent: 'acme-us' } });
    assert.deepEqual([cycle.statusCode, cycle.json().error.code], [422, 'TENANT_RULE_VIOLATION']);

    const added = await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants/acme-us/hosts', body: { host: 'americas.localhost' } });
    assert.deepEqual(added.json().hosts, ['acme-us.localhost', 'americas.localhost']);
    assert.equal((await call({ url: '/api/v1/tenant', host: 'americas.localhost' })).json().slug, 'acme-us');
    assert.equal((await spAdmin({ method: 'DELETE', url: '/api/v1/sp/tenants/acme-us/hosts/acme-us.localhost' })).statusCode, 204);
    assert.equal((await call({ url: '/api/v1/tenant', host: 'acme-us.localhost' })).json().error.code, 'UNKNOWN_HOST');
    const own = await spAdmin({ method: 'DELETE', url: '/api/v1/sp/tenants/northwind/hosts/desk.localhost' });
    assert.deepEqual([own.statusCode, own.json().error.field], [422, 'host'], 'the host in use stays');
    assert.equal((await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants/acme-us/hosts', body: { host: 'not a host' } })).json().error.field, 'host');
    assert.equal((await spAdmin({ method: 'PATCH', url: '/api/v1/sp/tenants/nobody', body: { name: 'x' } })).statusCode, 404);
  });

  it('suspends a tenant, whose host then refuses sign-in with a clear message, and resumes it', async () => {
    const suspended = await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants/globex/suspend' });
    assert.equal(suspended.json().status, 'suspended');
    const signIn = await call({ method: 'POST', url: '/api/v1/auth/login', host: 'globex.localhost', body: { email: 'agent@globex.test', password: DEMO_PASSWORD } });
    assert.deepEqual([signIn.statusCode, signIn.json().error.code], [403, 'TENANT_SUSPENDED']);
    assert.match(signIn.json().error.message, /not available/);
    assert.equal((await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants/northwind/suspend' })).json().error.code, 'TENANT_RULE_VIOLATION');

    assert.equal((await spAdmin({ method: 'POST', url: '/api/v1/sp/tenants/globex/resume' })).json().status, 'active');
    const again = await call({ method: 'POST', url: '/api/v1/auth/login', host: 'globex.localhost', body: { email: 'agent@globex.test', password: DEMO_PASSWORD } });
    assert.equal(again.statusCode, 200);
  });

  it('creates, edits and deletes user-defined tenant groups; maintained ones and groups in use are kept', async () => {
    const created = await spAdmin({ method: 'POST', url: '/api/v1/sp/tenant-groups', body: { slug: 'emea', name: 'EMEA', members: ['acme-eu', 'globex'] } });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().members, ['acme-eu', 'globex']);
    const missing = await spAdmin({ method: 'POST', url: '/api/v1/sp/tenant-groups', body: { slug: 'ghosts', name: 'Ghosts', members: ['nobody'] } });
    assert.equal(missing.statusCode, 404);
    assert.ok(!((await spAdmin({ url: '/api/v1/sp/tenant-groups' })).json().groups as { slug: string }[]).some((g) => g.slug === 'ghosts'), 'no half-made group');

    const edited = await spAdmin({ method: 'PATCH', url: '/api/v1/sp/tenant-groups/emea', body: { name: 'Europe', members: ['acme-eu'] } });
    assert.deepEqual([edited.json().name, edited.json().members], ['Europe', ['acme-eu']]);
    const maintained = await spAdmin({ method: 'PATCH', url: '/api/v1/sp/tenant-groups/acme.subtenants', body: { members: ['globex'] } });
    assert.equal(maintained.json().error.code, 'TENANT_RULE_VIOLATION');
    assert.equal((await spAdmin({ method: 'DELETE', url: '/api/v1/sp/tenant-groups/acme.related' })).statusCode, 422);

    const role = await spAdmin({ method: 'POST', url: '/api/v1/roles', body: { tenantId: null, slug: 'emea-desk', name: 'EMEA desk', read: 'group:emea', write: 'group:emea' } });
    assert.equal(role.statusCode, 201, role.body);
    const inUse = await spAdmin({ method: 'DELETE', url: '/api/v1/sp/tenant-groups/emea' });
    assert.deepEqual([inUse.statusCode, inUse.json().error.code], [422, 'TENANT_RULE_VIOLATION']);
    assert.equal((await spAdmin({ method: 'PATCH', url: `/api/v1/roles/${role.json().id}`, body: { read: 'own', write: 'own' } })).statusCode, 200);
    assert.equal((await spAdmin({ method: 'DELETE', url: '/api/v1/sp/tenant-groups/emea' })).statusCode, 204);
    assert.equal((await spAdmin({ method: 'DELETE', url: '/api/v1/sp/tenant-groups/emea' })).statusCode, 404);
  });

  it('shows the multi-tenancy state: settings, catalog version, shards with their tenants, moves', async () => {
    const first = (await spAdmin({ url: '/api/v1/sp/state' })).json();
    assert.deepEqual([first.state, first.untenanted, first.tenantCount, first.moves], ['on', 'strict', 6, []]);
    const pool = first.shards.find((s: { name: string }) => s.name === 'pool');
    assert.deepEqual(pool.tenants, ['acme', 'acme-eu', 'acme-us', 'globex', 'northwind']);
    const silo = first.shards.find((s: { name: string }) => s.name === 'silo-vault');
    assert.deepEqual([silo.kind, silo.tenants], ['silo', ['vault']]);
    assert.doesNotMatch(JSON.stringify(first.shards), /:[^/@:]+@/, 'no password in a location');
    await spAdmin({ method: 'PATCH', url: '/api/v1/sp/tenants/vault', body: { name: 'Vault Inc' } });
    assert.ok((await spAdmin({ url: '/api/v1/sp/state' })).json().catalogVersion > first.catalogVersion);
  });

  it('documents the administration routes in the OpenAPI document', async () => {
    const doc = (await call({ url: '/api/openapi.json', host: 'acme.localhost' })).json();
    for (const [path, method] of [
      ['/api/v1/sp/tenants', 'post'],
      ['/api/v1/sp/tenants/{slug}/suspend', 'post'],
      ['/api/v1/sp/tenant-groups/{slug}', 'delete'],
      ['/api/v1/sp/state', 'get'],
      ['/api/v1/roles/{id}', 'patch'],
      ['/api/v1/tenant/branding', 'patch'],
      ['/api/v1/contacts/{id}/roles', 'post'],
      ['/api/v1/categories/{id}', 'patch'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
    }
    assert.ok(doc.paths['/api/v1/sp/tenants'].post.requestBody, 'with its request schema');
    assert.equal(doc.paths['/api/v1/categories/{id}'].delete, undefined, 'categories are never deleted');
  });

  it('records every change in the service provider’s audit log', async () => {
    const items = (await spAdmin({ url: '/api/v1/audit?limit=200' })).json().items as { action: string; objectId: string; tenant: string }[];
    const actions = new Set(items.filter((e) => e.tenant === 'northwind').map((e) => `${e.action}:${e.objectId}`));
    for (const expected of ['tenant.created:vault', 'tenant.suspended:globex', 'tenant.resumed:globex', 'tenant.host_added:acme-us', 'tenantGroup.deleted:emea']) {
      assert.ok(actions.has(expected), `${expected} in ${[...actions].join(', ')}`);
    }
  });
});

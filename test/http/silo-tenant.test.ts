import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';

const PASSWORD = 'a long enough password';

forEachDatabase('a silo tenant over HTTP', (db) => {
  let app: FastifyInstance;
  let shards: Shards;

  const login = async (host: string, email: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host }, payload: { email, password: PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    return `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}`;
  };

  before(async () => {
    shards = new Shards(db());
    await createTenant(db(), DEFAULT_TENANCY, { slug: 'sp', name: 'SP', hosts: ['desk.localhost'] }, shards);
    await createTenant(db(), DEFAULT_TENANCY, { slug: 'vault', name: 'Vault', hosts: ['vault.localhost'], silo: true }, shards);
    const catalog = await Catalog.load(db(), 0);
    const ctx = systemContext(shards, DEFAULT_TENANCY, catalog.snapshot());
    const id = (slug: string) => catalog.snapshot().bySlug.get(slug)!.id;
    await createContact(ctx, { tenantId: id('sp'), kind: 'staff', email: 'admin@sp.test', name: 'Admin', password: PASSWORD, roles: ['sp-admin'] });
    await createContact(ctx, { tenantId: id('vault'), kind: 'agent', email: 'agent@vault.test', name: 'Vault agent', password: PASSWORD, roles: ['agent', 'tenant-admin'] });
    app = await buildApp({ database: db(), shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false });
  });
  after(async () => {
    await app?.close();
    await shards?.close();
  });

  it('signs a silo contact in, with its session, roles and audit kept in the silo', async () => {
    const cookie = await login('vault.localhost', 'agent@vault.test');
    const me = (await app.inject({ url: '/api/v1/me', headers: { host: 'vault.localhost', cookie } })).json();
    assert.deepEqual(me.roles.map((r: { slug: string }) => r.slug).sort(), ['agent', 'tenant-admin'], 'public roles from the pool, held in the silo');
    const switched = await app.inject({ method: 'PUT', url: '/api/v1/me/active-role', headers: { host: 'vault.localhost', cookie, origin: 'http://vault.localhost' }, payload: { role: 'tenant-admin' } });
    assert.equal(switched.statusCode, 200);
    const silo = await shards.get('silo-vault');
    const inSilo = async (table: 'sessions' | 'audit_events') => (await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(table)}`.execute(silo.owner)).rows[0]!.n;
    const inPool = async (table: 'sessions' | 'audit_events') => (await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(table)}`.execute(db().owner)).rows[0]!.n;
    assert.equal(await inSilo('sessions'), 1);
    assert.ok((await inSilo('audit_events')) >= 2);
    assert.equal(await inPool('sessions'), 0);
  });

  it('creates and uses an API key of a silo contact', async () => {
    const cookie = await login('vault.localhost', 'agent@vault.test');
    const created = await app.inject({ method: 'POST', url: '/api/v1/me/api-keys', headers: { host: 'vault.localhost', cookie, origin: 'http://vault.localhost' }, payload: { name: 'ci' } });
    assert.equal(created.statusCode, 201, created.body);
    const bearer = { authorization: `Bearer ${created.json().key}` };
    assert.equal((await app.inject({ url: '/api/v1/me', headers: { host: 'vault.localhost', ...bearer } })).statusCode, 200);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: { host: 'desk.localhost', ...bearer } })).statusCode, 401);
  });

  it('lets the service provider list contacts of pool and silo tenants as one list', async () => {
    const cookie = await login('desk.localhost', 'admin@sp.test');
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: { host: 'desk.localhost', cookie, origin: 'http://desk.localhost' },
      payload: { tenant: 'vault', kind: 'customer', email: 'customer@vault.test', name: 'Vault customer' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const list = (await app.inject({ url: '/api/v1/contacts', headers: { host: 'desk.localhost', cookie } })).json().contacts as { email: string; tenant: string }[];
    assert.deepEqual(list.map((c) => `${c.tenant}:${c.email}`), ['sp:admin@sp.test', 'vault:agent@vault.test', 'vault:customer@vault.test']);
  });

  it('keeps a silo tenant’s tickets, numbers and threads in its silo, and lists them to the service provider', async () => {
    const sp = await login('desk.localhost', 'admin@sp.test');
    const vaultId = (await Catalog.load(db(), 0)).snapshot().bySlug.get('vault')!.id;
    // The requester, found in the silo by the new ticket's requester picker: a reply goes to them.
    const found = await app.inject({ url: '/api/v1/requesters?tenant=vault&q=customer', headers: { host: 'desk.localhost', cookie: sp } });
    const [requester] = found.json().requesters as { id: string; email: string }[];
    assert.equal(requester?.email, 'customer@vault.test', found.body);
    const headers = { host: 'desk.localhost', cookie: sp, origin: 'http://desk.localhost', 'idempotency-key': 'vault-1' };
    const payload = { tenantId: vaultId, subject: 'Vault door', body: '<p>stuck</p>', requesterId: requester.id };
    const created = await app.inject({ method: 'POST', url: '/api/v1/tickets', headers, payload });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().number, 'VAULT-000001');
    const replayed = await app.inject({ method: 'POST', url: '/api/v1/tickets', headers, payload });
    assert.equal(replayed.json().id, created.json().id);
    const agent = await login('vault.localhost', 'agent@vault.test');
    const reply = await app.inject({
      method: 'POST',
      url: `/api/v1/tickets/${created.json().id}/replies`,
      headers: { host: 'vault.localhost', cookie: agent, origin: 'http://vault.localhost' },
      payload: { body: 'on my way' },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const silo = await shards.get('silo-vault');
    const count = async (database: typeof silo, table: 'tickets' | 'thread_entries' | 'tenant_counters') =>
      (await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(table)}`.execute(database.owner)).rows[0]!.n;
    assert.deepEqual([await count(silo, 'tickets'), await count(silo, 'thread_entries'), await count(silo, 'tenant_counters')], [1, 2, 1]);
    assert.equal(await count(db(), 'tickets'), 0);
    const queue = (await app.inject({ url: '/api/v1/tickets', headers: { host: 'desk.localhost', cookie: sp } })).json().items as { tenant: string }[];
    assert.deepEqual(queue.map((t) => t.tenant), ['vault']);
  });
});

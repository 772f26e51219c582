import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { moveTenant } from '../../src/tenancy/placement/move-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { seedApiTenants, type ApiInstallation, type ApiTenant } from '../support/api-tenants.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { PrivatePostgres } from '../support/private-postgres.ts';

/**
 * One tenant's silo lives on a PostgreSQL server that goes down (a private cluster); the pool and
 * the other tenants are on the shared server. The silo tenant's requests answer 503, the others'
 * are served as before, and the service provider's merged queue refuses to answer incompletely,
 * naming the tenant it is missing. Once the silo's server is back, all is served within 5 s.
 */
describe('a silo shard down', { concurrency: 1 }, () => {
  let pool: FreshDatabase;
  let cluster: PrivatePostgres;
  let shards: Shards;
  let app: FastifyInstance;
  let install: ApiInstallation;

  const as = (tenant: ApiTenant) => (method: 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> =>
    app.inject({ method, url, headers: { host: tenant.host, authorization: `Bearer ${tenant.keys[0]}` }, ...(payload ? { payload } : {}) });
  const code = (res: LightMyRequestResponse) => (res.json() as { error?: { code: string } }).error?.code;

  before(async () => {
    // The pool on the shared server (TEST_DATABASE_URL is required), the silo on a server of its own.
    pool = await freshDatabase('postgres');
    cluster = await PrivatePostgres.create();
    shards = new Shards(pool.database);
    install = await seedApiTenants(shards, [{ slug: 'acme' }, { slug: 'globex' }, { slug: 'vault' }]);
    const catalog = await Catalog.load(pool.database, 0);
    app = await buildApp({ database: pool.database, shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false });
    assert.equal((await as(install.tenants.vault!)('POST', '/api/v1/tickets', { subject: 'Vault before the move', body: 'x' })).statusCode, 201);
    // What `tenantdesk tenant move vault --to silo --server <url>` does.
    await moveTenant(shards, catalog, 'vault', { to: 'silo', serverUrl: cluster.url('postgres'), settleMs: 0 });
    assert.equal(catalog.snapshot().bySlug.get('vault')!.shard, 'silo-vault');
  });
  after(async () => {
    await app?.close();
    await shards?.close();
    await pool?.drop();
    await cluster?.destroy();
  });

  it('serves every tenant, the silo one from its silo, and the merged queue of all of them', async () => {
    const vault = await as(install.tenants.vault!)('GET', '/api/v1/tickets');
    assert.equal(vault.statusCode, 200, vault.body);
    assert.deepEqual(vault.json().items.map((t: { subject: string }) => t.subject), ['Vault before the move']);
    for (const slug of ['acme', 'globex']) assert.equal((await as(install.tenants[slug]!)('POST', '/api/v1/tickets', { subject: `${slug} one`, body: 'x' })).statusCode, 201);
    const merged = await as(install.sp)('GET', '/api/v1/tickets');
    assert.equal(merged.statusCode, 200, merged.body);
    assert.deepEqual(merged.json().items.map((t: { tenant: string }) => t.tenant).sort(), ['acme', 'globex', 'vault']);
  });

  it('with the silo’s server down: 503 for the silo tenant, the others served, the merged queue names what it misses', async () => {
    await cluster.stop('fast');
    const vault = as(install.tenants.vault!);
    for (const res of [await vault('GET', '/api/v1/tickets'), await vault('POST', '/api/v1/tickets', { subject: 'lost?', body: 'x' }), await vault('GET', '/api/v1/me')]) {
      assert.equal(res.statusCode, 503, res.body);
      assert.ok(['DATABASE_UNAVAILABLE', 'SERVICE_UNAVAILABLE'].includes(code(res)!), res.body);
      assert.equal(res.headers['retry-after'], '5');
    }

    for (const slug of ['acme', 'globex']) {
      const tenant = as(install.tenants[slug]!);
      const started = Date.now();
      const created = await tenant('POST', '/api/v1/tickets', { subject: `${slug} two`, body: 'x' });
      const listed = await tenant('GET', '/api/v1/tickets');
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(listed.json().items.map((t: { subject: string }) => t.subject), [`${slug} two`, `${slug} one`]);
      assert.ok(Date.now() - started < 5000, `${slug} is not held up by the silo (${Date.now() - started} ms)`);
      // The service provider asking for this one tenant reads its shard alone: the silo's outage does not matter.
      const filtered = await as(install.sp)('GET', `/api/v1/tickets?tenantId=${created.json().tenantId as number}`);
      assert.equal(filtered.statusCode, 200, filtered.body);
      assert.deepEqual(filtered.json().items.map((t: { tenant: string }) => t.tenant), [slug, slug]);
    }

    const merged = await as(install.sp)('GET', '/api/v1/tickets');
    assert.equal(merged.statusCode, 503, merged.body);
    const error = merged.json().error as { code: string; message: string; tenants: string[] };
    assert.equal(error.code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual(error.tenants, ['vault'], 'the missing tenants, for programs');
    assert.match(error.message, /tenant vault\b/, 'and for people');
    assert.equal(merged.headers['retry-after'], '5');
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200, 'the pool is fine: the instance stays in service');
  });

  it('serves the silo tenant and the merged queue again within 5 s of the server’s return', async () => {
    await cluster.start();
    const started = Date.now();
    let vault: LightMyRequestResponse;
    do vault = await as(install.tenants.vault!)('GET', '/api/v1/tickets');
    while (vault.statusCode !== 200 && Date.now() - started < 5000 && (await new Promise((r) => setTimeout(r, 50)), true));
    assert.equal(vault.statusCode, 200, `the silo tenant is served again within 5 s (${Date.now() - started} ms): ${vault.body}`);
    assert.deepEqual(vault.json().items.map((t: { subject: string }) => t.subject), ['Vault before the move'], 'nothing was written while it was down');
    const merged = await as(install.sp)('GET', '/api/v1/tickets');
    assert.equal(merged.statusCode, 200, merged.body);
    assert.deepEqual(merged.json().items.map((t: { tenant: string }) => t.tenant).sort(), ['acme', 'acme', 'globex', 'globex', 'vault']);
  });
});

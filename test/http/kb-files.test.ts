import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { listTenantFiles } from '../../src/files/tenant-files.ts';
import { setTenantQuotas } from '../../src/tenancy/catalog/tenant-quotas.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, multipartBody, type Caller } from '../support/desk-app.ts';

/**
 * Files on knowledge-base articles (issue 22): kept in the attachment store under the article's
 * tenant, counted in its storage quota, downloadable by exactly those who read the article.
 */
forEachDatabase('files on knowledge-base articles', (db) => {
  let desk: Awaited<ReturnType<typeof demoDeskApp>>;
  let dataDir: string;
  let acmeAdmin: Caller;
  let spAdmin: Caller;
  const ids = new Map<string, string>();

  const ok = async (res: Promise<LightMyRequestResponse>, status = 200) => {
    const r = await res;
    assert.equal(r.statusCode, status, r.body);
    return r.json();
  };
  const upload = (who: Caller, articleId: string, name: string, size: number) => {
    const { body, headers } = multipartBody('file', name, 'application/pdf', Buffer.alloc(size, 7));
    return who({ method: 'POST', url: `/api/v1/kb/articles/${articleId}/files`, body, headers });
  };
  const anonymous = (host: string, url: string) => desk.call({ url, host });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'td-kb-files-'));
    desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes: 100_000 } });
    spAdmin = await desk.as('admin@northwind.test');
    await ok(spAdmin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme admin', password: DEMO_PASSWORD, roles: ['tenant-admin'] } }), 201);
    acmeAdmin = await desk.as('admin@acme.test');
    const write = async (who: Caller, key: string, body: Record<string, unknown>) => {
      const article = await ok(who({ method: 'POST', url: '/api/v1/kb/articles', body: { status: 'published', body: '<p>See the file.</p>', ...body } }), 201);
      ids.set(key, article.id);
      const file = await ok(upload(who, article.id, `${key}.pdf`, 1000), 201);
      ids.set(`${key}File`, file.id);
    };
    await write(acmeAdmin, 'public', { title: 'VPN guide', visibility: 'public' });
    await write(acmeAdmin, 'customers', { title: 'Price list', visibility: 'customers' });
    await write(acmeAdmin, 'agents', { title: 'Server room plan', visibility: 'agents' });
    await write(spAdmin, 'sp', { tenantId: null, title: 'Password policy', visibility: 'public' });
    await write(spAdmin, 'globex', { tenantId: desk.catalog.snapshot().bySlug.get('globex')!.id, title: 'Globex plan', visibility: 'public' });
  });
  after(async () => {
    await desk?.app.close();
    await desk?.shards.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets each reader download the files of the articles it reads, and answers 404 for the others', async () => {
    const customer = await desk.as('customer@acme.test');
    const agent = await desk.as('agent@acme.test');
    const euCustomer = await desk.as('customer@acme-eu.test');
    const globexCustomer = await desk.as('customer@globex.test');
    const download = (who: Caller | string, key: string) => (typeof who === 'string' ? anonymous(who, `/api/v1/kb/files/${ids.get(`${key}File`)}`) : who({ url: `/api/v1/kb/files/${ids.get(`${key}File`)}` }));
    const expect: [string, Caller | string, string, number][] = [
      ['anonymous', 'acme.localhost', 'public', 200],
      ['anonymous', 'acme.localhost', 'sp', 200],
      ['anonymous', 'acme.localhost', 'customers', 404],
      ['anonymous', 'acme.localhost', 'agents', 404],
      ['anonymous at acme-eu', 'acme-eu.localhost', 'public', 200],
      ['customer', customer, 'customers', 200],
      ['customer', customer, 'agents', 404],
      ['subtenant customer', euCustomer, 'customers', 200],
      ['subtenant customer', euCustomer, 'agents', 404],
      ['agent', agent, 'agents', 200],
      ['agent', agent, 'globex', 404],
      ['globex customer', globexCustomer, 'public', 404],
      ['globex customer', globexCustomer, 'globex', 200],
      ['anonymous at globex', 'globex.localhost', 'customers', 404],
    ];
    for (const [who, caller, key, status] of expect) {
      const res = await download(caller, key);
      assert.equal(res.statusCode, status, `${who} downloading ${key}: ${res.body.slice(0, 200)}`);
      if (status === 200) {
        assert.equal(res.rawPayload.length, 1000);
        assert.match(String(res.headers['content-disposition']), /^attachment;/);
      } else assert.equal(res.json().error.code, 'NOT_FOUND');
    }
    const listed = await ok(customer({ url: `/api/v1/kb/articles/${ids.get('customers')}/files` }));
    assert.deepEqual(listed.items.map((f: { filename: string }) => f.filename), ['customers.pdf']);
    assert.equal((await customer({ url: `/api/v1/kb/articles/${ids.get('agents')}/files` })).statusCode, 404);
  });

  it('keeps the file under the article’s tenant, counted in its storage quota, and refuses another tenant’s article', async () => {
    const acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    const files = await listTenantFiles(dataDir, acme);
    assert.ok(files.some((f) => f.endsWith(ids.get('publicFile')!)), 'the file is in acme’s directory');
    const counted = async () => Number((await sql<{ v: string }>`select last_value::text as v from tenant_counters where tenant_id = ${acme} and name = 'attachment_bytes'`.execute(db().owner)).rows[0]?.v ?? 0);
    const before = await counted();
    assert.ok(before >= 3000, `counted ${before}`);
    await setTenantQuotas(db(), 'acme', { storageBytes: before + 500 });
    await desk.catalog.refresh();
    const refused = await upload(acmeAdmin, ids.get('public')!, 'big.pdf', 1000);
    assert.deepEqual([refused.statusCode, refused.json().error.code], [413, 'QUOTA_EXCEEDED'], refused.body);
    assert.deepEqual(await listTenantFiles(dataDir, acme), files, 'no file written');
    assert.equal(await counted(), before, 'the refusal was not counted');
    const foreign = await upload(acmeAdmin, ids.get('globex')!, 'x.pdf', 10);
    assert.equal(foreign.statusCode, 404, foreign.body);
    const publicByTenant = await upload(acmeAdmin, ids.get('sp')!, 'x.pdf', 10);
    assert.equal(publicByTenant.statusCode, 403, publicByTenant.body);
    const customer = await desk.as('customer@acme.test');
    assert.equal((await upload(customer, ids.get('public')!, 'x.pdf', 10)).statusCode, 403);
  });
});

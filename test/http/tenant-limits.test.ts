import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/config/logger.ts';
import { tenantQuotaCommand } from '../../src/cli/quota-commands.ts';
import { listTenantFiles } from '../../src/files/tenant-files.ts';
import { setTenantQuotas, type TenantQuotaChange } from '../../src/tenancy/catalog/tenant-quotas.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, multipartBody, type Caller } from '../support/desk-app.ts';

type Desk = Awaited<ReturnType<typeof demoDeskApp>>;

const errorOf = (res: LightMyRequestResponse) => res.json().error as { code: string; message: string; field?: string };

forEachDatabase('per-tenant limits', (db) => {
  let desk: Desk;
  let dataDir: string;
  let acmeAgent: Caller;
  let acmeCustomer: Caller;
  let globexAgent: Caller;
  let spAdmin: Caller;

  /** Sets a tenant's own limits and reloads the catalog, as the CLI command does. */
  const limit = async (slug: string, change: TenantQuotaChange) => {
    await setTenantQuotas(db(), slug, change);
    await desk.catalog.refresh();
  };
  /** Sends `count` requests one after the other; their status codes. */
  const statuses = async (send: () => Promise<LightMyRequestResponse>, count: number) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await send()).statusCode);
    return out;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'td-limits-'));
    // Refusals answered at once here; their delay has a test of its own below.
    desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes: 10_000 }, rateLimit: { refusalDelayMs: 0 } });
    // Signed in before any limit is set: signing in is a request to the tenant too.
    acmeAgent = await desk.as('agent@acme.test');
    acmeCustomer = await desk.as('customer@acme.test');
    globexAgent = await desk.as('agent@globex.test');
    spAdmin = await desk.as('admin@northwind.test');
  });
  after(async () => {
    await desk?.app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses a tenant's requests over its limit with 429 and Retry-After, before authentication; other tenants are served", async () => {
    await limit('acme', { apiRate: 1, apiBurst: 5 });
    const started = Date.now();
    const codes = await statuses(() => desk.call({ url: '/api/v1/tenant', host: 'acme.localhost' }), 12);
    const elapsedS = (Date.now() - started) / 1000;
    assert.deepEqual(codes.slice(0, 5), [200, 200, 200, 200, 200], 'the burst is served');
    const served = codes.filter((c) => c === 200).length;
    assert.ok(served <= 5 + Math.ceil(elapsedS) + 1, `at most the burst plus 1/s: ${served} served in ${elapsedS} s`);
    assert.ok(codes.includes(429), codes.join(','));
    const refused = await acmeAgent({ url: '/api/v1/tickets' });
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal(errorOf(refused).code, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 2, `Retry-After: ${String(refused.headers['retry-after'])}`);
    // A request without any credentials is refused by the limit, not by authentication: no session was looked up.
    const anonymous = await desk.call({ url: '/api/v1/tickets', host: 'acme.localhost', cookie: 'td_session=forged' });
    assert.equal(anonymous.statusCode, 429);
    // Another tenant is not affected.
    assert.deepEqual(await statuses(() => globexAgent({ url: '/api/v1/tickets' }), 8), Array(8).fill(200));
    // Once Retry-After has passed, acme is served again.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    assert.equal((await acmeAgent({ url: '/api/v1/tickets' })).statusCode, 200);
    await limit('acme', { apiRate: null, apiBurst: null });
  });

  it('holds a refusal for the refusal delay, so a flooding client is slowed down, and serves other tenants meanwhile', async () => {
    const slow = await demoDeskApp(db(), { rateLimit: { refusalDelayMs: 400 } });
    try {
      await limit('acme', { apiRate: 1, apiBurst: 1 });
      await slow.catalog.refresh();
      // The bucket is the installation's and outlives the app of the test above: this one starts full.
      await sql`delete from tenant_rate_buckets`.execute(db().owner);
      const timed = async (host: string) => {
        const started = performance.now();
        const res = await slow.call({ url: '/api/v1/tenant', host });
        return { status: res.statusCode, ms: performance.now() - started, retryAfter: res.headers['retry-after'] };
      };
      assert.equal((await timed('acme.localhost')).status, 200);
      const [refused, other] = await Promise.all([timed('acme.localhost'), timed('globex.localhost')]);
      assert.equal(refused.status, 429);
      assert.ok(refused.ms >= 390, `held ${refused.ms} ms`);
      assert.equal(refused.retryAfter, '1');
      assert.equal(other.status, 200);
      assert.ok(other.ms < refused.ms, 'the other tenant did not wait for the held refusal');
    } finally {
      await slow.app.close();
      await limit('acme', { apiRate: null, apiBurst: null });
    }
  });

  it("counts the service provider's requests about other tenants against the service provider alone", async () => {
    const acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    await limit('northwind', { apiRate: 1, apiBurst: 3 });
    const codes = await statuses(() => spAdmin({ url: `/api/v1/tickets?tenantId=${acme}` }), 6);
    assert.deepEqual(codes.slice(0, 3), [200, 200, 200]);
    assert.ok(codes.includes(429), codes.join(','));
    // acme's own bucket was not touched by the service provider's reads of acme.
    assert.deepEqual(await statuses(() => acmeAgent({ url: '/api/v1/tickets' }), 6), Array(6).fill(200));
    await limit('northwind', { apiRate: null, apiBurst: null });
  });

  it('refuses an upload over the storage quota with 413 QUOTA_EXCEEDED and writes nothing', async () => {
    const acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    const ticket = (await acmeCustomer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Scans', body: 'attached' } })).json() as { id: string };
    const thread = (await acmeAgent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { id: string; kind: string }[];
    const reply = thread.find((e) => e.kind === 'reply')!.id;
    const upload = (caller: Caller, size: number) => {
      const { body, headers } = multipartBody('file', 'scan.bin', 'application/octet-stream', Buffer.alloc(size, 7));
      return caller({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/entries/${reply}/attachments`, body, headers });
    };
    const stored = async () => Number((await sql<{ n: string }>`select coalesce(sum(size), 0)::text as n from attachments where tenant_id = ${acme}`.execute(db().owner)).rows[0]!.n);
    const counted = async () => Number((await sql<{ v: string }>`select last_value::text as v from tenant_counters where tenant_id = ${acme} and name = 'attachment_bytes'`.execute(db().owner)).rows[0]?.v ?? 0);

    await limit('acme', { storageBytes: (await stored()) + 6000 });
    assert.equal((await upload(acmeCustomer, 4000)).statusCode, 201);
    const filesBefore = await listTenantFiles(dataDir, acme);
    const [bytesBefore, countedBefore] = [await stored(), await counted()];
    assert.equal(countedBefore, bytesBefore, 'the counter holds exactly the bytes stored');

    const refused = await upload(acmeCustomer, 4000);
    assert.equal(refused.statusCode, 413, refused.body);
    assert.deepEqual([errorOf(refused).code, errorOf(refused).field], ['QUOTA_EXCEEDED', 'file']);
    assert.match(errorOf(refused).message, /storage quota of \d+ bytes is used up/);
    assert.deepEqual(await listTenantFiles(dataDir, acme), filesBefore, 'no file written');
    assert.deepEqual([await stored(), await counted()], [bytesBefore, countedBefore], 'no row, and the refusal was not counted');
    assert.equal((await acmeAgent({ url: `/api/v1/tickets/${ticket.id}/attachments` })).json().items.length, 1);

    // What still fits is taken; another tenant's uploads are not limited by acme's quota.
    assert.equal((await upload(acmeCustomer, 1500)).statusCode, 201);
    await limit('acme', { storageBytes: null });
    assert.equal((await upload(acmeCustomer, 4000)).statusCode, 201, 'back to the default (none in these settings)');
    assert.equal(await counted(), await stored());
  });

  it('sets, shows and resets limits with `tenantdesk tenant quota`', async () => {
    const config = loadConfig({ TENANT_API_RATE: '40', TENANT_STORAGE_MB: '100' });
    const rt = { config, log: createLogger({ logLevel: 'silent' }), database: db(), settings: { ...DEFAULT_TENANCY, limits: config.tenantLimits }, catalog: desk.catalog, shards: desk.shards };
    const set = await tenantQuotaCommand(rt, { slug: 'globex', apiRate: '7', storageMb: '2' });
    assert.match(set, /api-rate\t7 requests\/s\town/);
    assert.match(set, /storage\t2 MB\town/);
    assert.match(set, /mail-per-hour\t1000 messages\tdefault/);
    assert.equal(desk.catalog.snapshot().bySlug.get('globex')!.limits?.storageBytes, 2 * 1024 * 1024);
    const reset = await tenantQuotaCommand(rt, { slug: 'globex', apiRate: 'default', storageMb: 'default' });
    assert.match(reset, /api-rate\t40 requests\/s\tdefault/);
    assert.equal(desk.catalog.snapshot().bySlug.get('globex')!.limits, undefined, 'no row left');
    await assert.rejects(tenantQuotaCommand(rt, { slug: 'globex', mailPerHour: '-3' }), { code: 'VALIDATION_FAILED', field: 'mailPerHour' });
    await assert.rejects(tenantQuotaCommand(rt, { slug: 'nope' }), { code: 'NOT_FOUND' });
  });
});

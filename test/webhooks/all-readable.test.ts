import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createApiKey } from '../../src/identity/api-keys.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { parseAddressPolicy } from '../../src/net/address-policy.ts';
import { createOutbound } from '../../src/net/guarded-connect.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { deliverWebhookHandler } from '../../src/webhooks/deliver-webhook.ts';
import { TEST_SECRET } from '../mail/mail-fixtures.ts';
import { seedApiTenants, type ApiInstallation } from '../support/api-tenants.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { PrivatePostgres } from '../support/private-postgres.ts';
import { startReceiver, verified } from '../support/webhook-receiver.ts';

/**
 * Decision 0164: the service provider subscribes once to the events of every tenant its role reads.
 * The pool on the shared server, the `vault` tenant in a silo on a PostgreSQL server of its own; a
 * tenant and a subtenant created after the subscription are fed too. Decision 0166: a second app
 * instance (its own catalog, kept current by LISTEN/NOTIFY) sees a subscription made through the
 * first, so the routes that spare a tenant without subscriptions its read are the same everywhere.
 */
describe('the service provider’s one subscription to every tenant it reads (a silo on another server)', { concurrency: 1 }, () => {
  let pool: FreshDatabase;
  let cluster: PrivatePostgres;
  let shards: Shards;
  let catalog: Catalog;
  let app: FastifyInstance;
  let install: ApiInstallation;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let runner: JobRunner;
  let hook: { id: string; secret: string };
  const outbound = createOutbound({ policy: parseAddressPolicy('127.0.0.1/32'), timeoutMs: 3000 });

  const call = (target: FastifyInstance, host: string, key: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object): Promise<LightMyRequestResponse> =>
    target.inject({ method, url, headers: { host, authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const sp = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => call(app, 'sp.localhost', install.sp.keys[0]!, method, url, payload);
  const openTicket = async (target: FastifyInstance, slug: string, key: string, subject: string) => {
    const res = await call(target, `${slug}.localhost`, key, 'POST', '/api/v1/tickets', { subject, body: 'x' });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string };
  };
  /** Runs every due job of the pool and of every silo. */
  const drain = async () => {
    for (const shard of new Set([...catalog.snapshot().byId.values()].map((t) => t.shard))) await runner.drain(await shards.get(shard));
  };
  /** A tenant made now, with an agent's API key (what `seedApiTenants` gives the others). */
  const laterTenant = async (slug: string, parentSlug?: string) => {
    await createTenant(pool.database, DEFAULT_TENANCY, { slug, name: slug, hosts: [`${slug}.localhost`], subtenantsAllowed: true, ...(parentSlug ? { parentSlug } : {}) }, shards);
    const snapshot = await catalog.refresh();
    const ctx = systemContext(shards, DEFAULT_TENANCY, snapshot);
    const contact = await createContact(ctx, { tenantId: snapshot.bySlug.get(slug)!.id, kind: 'agent', email: `agent@${slug}.test`, name: 'agent', roles: ['agent'] });
    return (await createApiKey(ctx, null, { contactId: String(contact.id) })).key;
  };

  before(async () => {
    pool = await freshDatabase('postgres');
    cluster = await PrivatePostgres.create();
    shards = new Shards(pool.database);
    install = await seedApiTenants(shards, [{ slug: 'acme' }, { slug: 'vault', silo: { serverUrl: cluster.url('postgres') } }]);
    catalog = await Catalog.load(pool.database, 0);
    assert.match(catalog.snapshot().bySlug.get('vault')!.shard, /^silo-/);
    app = await buildApp({ database: pool.database, shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false, mailSecret: TEST_SECRET, outbound });
    receiver = await startReceiver();
    runner = new JobRunner({ shards, settings: DEFAULT_TENANCY, catalog: () => catalog.snapshot() }, { handlers: [deliverWebhookHandler({ outbound, box: secretBox(TEST_SECRET) }) as unknown as JobHandler<never>] });
  });
  after(async () => {
    await app?.close();
    await receiver?.close();
    await shards?.close();
    await pool?.drop();
    await cluster?.destroy();
  });

  it('subscribes once, at the service provider’s own tenant; a tenant’s administrator neither sees it nor may make one', async () => {
    const created = await sp('POST', '/api/v1/webhooks', { url: receiver.url('/sp'), events: ['ticket.created'], tenantScope: 'all-readable' });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual([created.json().tenant, created.json().tenantScope], ['sp', 'all-readable']);
    hook = { id: created.json().id, secret: created.json().secret };
    const acmeAgent = install.tenants.acme!.keys[0]!;
    assert.equal((await call(app, 'acme.localhost', acmeAgent, 'GET', `/api/v1/webhooks/${hook.id}`)).statusCode, 403, 'an agent holds no admin.tenant');
    const refused = await call(app, 'acme.localhost', acmeAgent, 'POST', '/api/v1/webhooks', { url: receiver.url('/x'), events: ['ticket.created'], tenantScope: 'all-readable' });
    assert.ok([400, 403].includes(refused.statusCode), refused.body);
  });

  it('receives the events of a pool tenant and of a silo tenant, each delivery written in the event’s own database', async () => {
    receiver.received.length = 0;
    await openTicket(app, 'acme', install.tenants.acme!.keys[0]!, 'Acme printer');
    const vaultTicket = await openTicket(app, 'vault', install.tenants.vault!.keys[0]!, 'Vault door');
    const silo = await shards.get(catalog.snapshot().bySlug.get('vault')!.shard);
    const inSilo = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where provider_subscription_id = ${hook.id} and payload->'data'->'ticket'->>'id' = ${vaultTicket.id}`.execute(silo.owner);
    assert.equal(inSilo.rows[0]!.n, 1, 'the silo ticket’s delivery committed with it, in the silo');
    await drain();
    assert.deepEqual(receiver.received.map((r) => JSON.parse(r.body).tenant).sort(), ['acme', 'vault']);
    assert.ok(receiver.received.every((r) => r.path === '/sp' && verified(hook.secret, r)), 'signed with the one subscription’s secret');
    const log = (await sp('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().deliveries as { id: string; state: string }[];
    assert.deepEqual(log.map((d) => d.state), ['delivered', 'delivered'], 'one log, across pool and silo');
  });

  it('sends a silo delivery again by hand, from the one log', async () => {
    receiver.received.length = 0;
    const log = (await sp('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().deliveries as { id: string }[];
    const again = await sp('POST', `/api/v1/webhooks/${hook.id}/deliveries/${log[0]!.id}/redeliver`);
    assert.equal(again.statusCode, 202, again.body);
    await drain();
    assert.equal(receiver.received.length, 1);
    assert.ok(verified(hook.secret, receiver.received[0]!));
  });

  it('receives the events of a tenant created later, and of its subtenant', async () => {
    const holdingKey = await laterTenant('holding');
    const branchKey = await laterTenant('branch', 'holding');
    receiver.received.length = 0;
    await openTicket(app, 'holding', holdingKey, 'Holding ticket');
    await openTicket(app, 'branch', branchKey, 'Branch ticket');
    await drain();
    assert.deepEqual(receiver.received.map((r) => JSON.parse(r.body).tenant).sort(), ['branch', 'holding']);
  });

  it('a second app instance, told by NOTIFY, feeds a subscription made through the first and stops when it is removed', async () => {
    const other = await Catalog.load(pool.database, 60_000);
    other.watch();
    const second = await buildApp({ database: pool.database, shards, catalog: other, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false, mailSecret: TEST_SECRET, outbound });
    try {
      const acmeAdminKey = await (async () => {
        const ctx = systemContext(shards, DEFAULT_TENANCY, catalog.snapshot());
        const admin = await createContact(ctx, { tenantId: catalog.snapshot().bySlug.get('acme')!.id, kind: 'agent', email: 'admin@acme.test', name: 'admin', roles: ['tenant-admin'] });
        return (await createApiKey(ctx, null, { contactId: String(admin.id) })).key;
      })();
      const made = await call(app, 'acme.localhost', acmeAdminKey, 'POST', '/api/v1/webhooks', { url: receiver.url('/acme'), events: ['ticket.created'] });
      assert.equal(made.statusCode, 201, made.body);
      await until(() => other.snapshot().webhookRoutes.some((r) => r.subscriptionId === made.json().id), 'the second instance hears of the subscription');
      receiver.received.length = 0;
      await openTicket(second, 'acme', install.tenants.acme!.keys[0]!, 'Through the second instance');
      await drain();
      assert.deepEqual(receiver.received.map((r) => r.path).sort(), ['/acme', '/sp']);

      assert.equal((await call(app, 'acme.localhost', acmeAdminKey, 'DELETE', `/api/v1/webhooks/${made.json().id as string}`)).statusCode, 204);
      await until(() => !other.snapshot().webhookRoutes.some((r) => r.subscriptionId === made.json().id), 'the second instance hears of the removal');
      receiver.received.length = 0;
      await openTicket(second, 'acme', install.tenants.acme!.keys[0]!, 'After the removal');
      await drain();
      assert.deepEqual(receiver.received.map((r) => r.path), ['/sp']);
    } finally {
      await second.close();
      await other.close();
    }
  });

  it('stops at once when the service provider removes its subscription', async () => {
    assert.equal((await sp('DELETE', `/api/v1/webhooks/${hook.id}`)).statusCode, 204);
    receiver.received.length = 0;
    await openTicket(app, 'vault', install.tenants.vault!.keys[0]!, 'Nobody listens');
    await drain();
    assert.equal(receiver.received.length, 0);
    assert.equal(catalog.snapshot().webhookRoutes.length, 0);
  });
});

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

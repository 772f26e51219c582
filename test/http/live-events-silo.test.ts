import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { seedApiTenants, type ApiInstallation } from '../support/api-tenants.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { EventStreamClient, type ReceivedEvent } from '../support/event-stream.ts';
import { PrivatePostgres } from '../support/private-postgres.ts';

/*
 * Live events (decision 0120) of a tenant placed on a silo (decision 0136): its tickets are
 * announced by its own database, so the hub must listen there too. On PostgreSQL the silo is on a
 * second server of the test's own; embedded, it is a PGlite database of its own in this process.
 * A pool tenant beside it, and the service provider reading both, hear exactly what they may read.
 */
for (const kind of ['postgres', 'pglite'] as const) describe(`live events of a silo tenant (${kind === 'postgres' ? 'on a second PostgreSQL server' : 'embedded'})`, { concurrency: 1 }, () => {
  let pool: FreshDatabase;
  let cluster: PrivatePostgres | undefined;
  let shards: Shards;
  let install: ApiInstallation;
  let app: FastifyInstance;
  let port: number;
  const open: EventStreamClient[] = [];

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const streamOf = async (host: string, key: string): Promise<EventStreamClient> => {
    const stream = await EventStreamClient.open(port, { host, ...bearer(key) });
    open.push(stream);
    assert.equal(stream.status, 200, stream.body);
    const ready = await stream.next((e) => e.event === 'ready', 'ready');
    assert.equal(ready.data.listening, true, 'changes are heard');
    return stream;
  };
  const newTicket = async (slug: string, subject: string): Promise<string> => {
    const tenant = install.tenants[slug]!;
    const res = await app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { host: tenant.host, ...bearer(tenant.keys[0]!) }, payload: { subject, body: 'It does not work.', requesterId: tenant.customerId } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const created = (id: string) => (e: ReceivedEvent) => e.event === 'ticket' && e.data.ticketId === id && e.data.created === true;

  before(async () => {
    pool = await freshDatabase(kind);
    cluster = kind === 'postgres' ? await PrivatePostgres.create() : undefined;
    shards = new Shards(pool.database);
    install = await seedApiTenants(shards, [{ slug: 'vault', silo: cluster ? { serverUrl: cluster.url() } : {} }, { slug: 'acme' }]);
    const catalog = await Catalog.load(pool.database, 0);
    assert.notEqual(catalog.snapshot().bySlug.get('vault')!.shard, 'pool', 'vault lives in a silo');
    app = await buildApp({ database: pool.database, shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    for (const stream of open) stream.close();
    await app?.close();
    await shards?.close();
    await pool?.drop();
    await cluster?.destroy();
  });

  it('tells the silo tenant’s agent of its new ticket, as a pool tenant’s agent is told of its own', async () => {
    const vault = await streamOf('vault.localhost', install.tenants.vault!.keys[0]!);
    const acme = await streamOf('acme.localhost', install.tenants.acme!.keys[0]!);
    const inSilo = await newTicket('vault', 'Vault door stuck');
    const inPool = await newTicket('acme', 'Acme printer');
    await vault.next(created(inSilo), 'the silo ticket, for the silo’s agent');
    await acme.next(created(inPool), 'the pool ticket, for the pool’s agent');
    // Each heard its own; neither hears the other's (delivered in order, so by now it would have).
    const later = await newTicket('vault', 'Vault alarm');
    await vault.next(created(later), 'a second silo ticket');
    assert.ok(!acme.events.some(created(inSilo)) && !acme.events.some(created(later)), 'acme never hears vault');
    assert.ok(!vault.events.some(created(inPool)), 'vault never hears acme');
  });

  it('tells the service provider, reading every tenant, of the silo’s tickets and the pool’s', async () => {
    const sp = await streamOf('sp.localhost', install.sp.keys[0]!);
    const inSilo = await newTicket('vault', 'Vault lights off');
    const inPool = await newTicket('acme', 'Acme phones');
    await sp.next(created(inSilo), 'the silo ticket, for the service provider');
    await sp.next(created(inPool), 'the pool ticket, for the service provider');
  });
});

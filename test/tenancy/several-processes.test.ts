import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { addTenantHost } from '../../src/tenancy/catalog/tenant-hosts.ts';
import { updateTenant } from '../../src/tenancy/catalog/update-tenant.ts';
import { moveTenant } from '../../src/tenancy/placement/move-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { seedApiTenants, type ApiInstallation } from '../support/api-tenants.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { PrivatePostgres } from '../support/private-postgres.ts';
import { call, errorCode, ServerProcess, type Answer } from '../support/server-process.ts';

/**
 * Three `tenantdesk serve` processes on one PostgreSQL (the shared server), as behind a load
 * balancer, and a silo on a second PostgreSQL server of the test's own. The test process is the
 * administrator's: it changes the catalog and moves a tenant, as `tenantdesk tenant ...` would from
 * yet another process. It asserts the README's promises: no answer from a catalog older than the
 * bound, and no acknowledged write lost or doubled by a move, even with a process killed in it.
 */
const BOUND_MS = 1000;

describe('several server processes on one PostgreSQL are one desk', { concurrency: 1 }, () => {
  let pool: FreshDatabase;
  let cluster: PrivatePostgres;
  let shards: Shards;
  let catalog: Catalog;
  let install: ApiInstallation;
  let dataDir: string;
  const servers: ServerProcess[] = [];

  const get = (server: ServerProcess, host: string): Promise<Answer> => call(server.port, { path: '/api/v1/tenant', host, timeoutMs: 20_000 });
  /** Waits out the bound from a change that has committed: from then on, every process must know it. */
  const pastTheBound = async (committedBy: number) => sleep(Math.max(0, committedBy + BOUND_MS + 1 - Date.now()));

  before(async () => {
    pool = await freshDatabase('postgres');
    cluster = await PrivatePostgres.create();
    shards = new Shards(pool.database);
    install = await seedApiTenants(shards, [{ slug: 'acme' }]);
    catalog = await Catalog.load(pool.database, { maxStalenessMs: BOUND_MS });
    dataDir = mkdtempSync(join(tmpdir(), 'td-processes-'));
    const env = { DATABASE_URL: pool.url!, DATA_DIR: dataDir, HOST_CACHE_TTL_MS: String(BOUND_MS), TENANT_API_RATE: '0' };
    servers.push(...(await Promise.all([0, 1, 2].map(() => ServerProcess.start(env)))));
  });
  after(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    await shards?.close();
    await pool?.drop();
    await cluster?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('idle processes answer a new host on the first request after the bound, and refuse a suspended tenant within it', async () => {
    // Every process has been idle since it started: none has a reason to look at the catalog.
    await createTenant(pool.database, DEFAULT_TENANCY, { slug: 't1', name: 'T1', hosts: ['t1.localhost'] }, shards);
    await pastTheBound(Date.now());
    for (const [i, server] of servers.entries()) {
      const answer = await get(server, 't1.localhost');
      assert.equal(answer.status, 200, `process ${i}: ${answer.text}`);
    }

    await updateTenant(pool.database, DEFAULT_TENANCY, 't1', { status: 'suspended' });
    await pastTheBound(Date.now());
    for (const [i, server] of servers.entries()) {
      const answer = await get(server, 't1.localhost');
      assert.equal(answer.status, 403, `process ${i}: ${answer.text}`);
      assert.equal(errorCode(answer), 'TENANT_SUSPENDED');
    }

    await updateTenant(pool.database, DEFAULT_TENANCY, 't1', { status: 'active' });
    await addTenantHost(pool.database, 't1', 't1-help.localhost');
    await pastTheBound(Date.now());
    for (const [i, server] of servers.entries()) {
      for (const host of ['t1.localhost', 't1-help.localhost']) assert.equal((await get(server, host)).status, 200, `process ${i}, ${host}`);
    }
  });

  it('moves a tenant to a silo on another server and back under traffic through every process, one killed mid-move: no acknowledged ticket lost or doubled', async (t) => {
    const acme = install.tenants.acme!;
    const acked = new Set<string>();
    const refused = new Map<string, string>();
    const unanswered = new Set<string>();
    const ackedBy = servers.map(() => 0);
    let stop = false;
    let sent = 0;

    // One writer per process, each sending its next ticket as soon as the last one is answered.
    const writer = async (index: number) => {
      const server = servers[index]!;
      for (let n = 0; !stop && server.running; n++) {
        const subject = `p${index}-${n}`;
        sent++;
        try {
          const answer = await call(server.port, { method: 'POST', path: '/api/v1/tickets', host: acme.host, headers: { authorization: `Bearer ${acme.keys[0]}` }, body: { subject, body: 'x' }, timeoutMs: 20_000 });
          if (answer.status === 201) {
            acked.add(subject);
            ackedBy[index]!++;
          } else {
            assert.equal(answer.status, 503, `${subject}: ${answer.text}`);
            refused.set(subject, errorCode(answer)!);
          }
        } catch {
          // The process was killed with the request in flight: it may or may not have committed.
          unanswered.add(subject);
        }
      }
    };
    /** Polls until `condition` holds, failing with `what` after `ms`. */
    const until = async (what: string, condition: () => boolean, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!condition()) {
        assert.ok(Date.now() < deadline, `${what} (acknowledged per process: ${ackedBy.join(', ')})`);
        await sleep(20);
      }
    };
    const writers = servers.map((_, i) => writer(i));
    try {
      await until('every process takes writes', () => ackedBy.every((n) => n >= 3));
      const killed = servers[2]!;
      await moveTenant(shards, catalog, 'acme', {
        to: 'silo',
        serverUrl: cluster.url('postgres'),
        settleMs: 2 * BOUND_MS,
        step: async (name) => {
          // In the middle of the move (its bulk copy done, about to freeze), with its writes in flight.
          if (name === 'frozen' && killed.running) {
            killed.child.kill('SIGKILL');
            await killed.exited;
          }
        },
      });
      assert.equal(catalog.snapshot().bySlug.get('acme')!.shard, 'silo-acme');
      assert.ok(!killed.running);
      let mark = ackedBy.slice();
      await until('the surviving processes write to the silo', () => ackedBy[0]! > mark[0]! + 2 && ackedBy[1]! > mark[1]! + 2);
      await moveTenant(shards, catalog, 'acme', { to: 'pool', settleMs: 2 * BOUND_MS });
      assert.equal(catalog.snapshot().bySlug.get('acme')!.shard, 'pool');
      mark = ackedBy.slice();
      await until('the surviving processes write to the pool again', () => ackedBy[0]! > mark[0]! + 2 && ackedBy[1]! > mark[1]! + 2);
    } finally {
      stop = true;
      await Promise.all(writers);
    }

    const codes = [...refused.values()].reduce<Record<string, number>>((n, code) => ({ ...n, [code]: (n[code] ?? 0) + 1 }), {});
    t.diagnostic(`sent ${sent}, acknowledged ${acked.size}, refused ${JSON.stringify(codes)}, unanswered ${unanswered.size}`);
    const tenantId = catalog.snapshot().bySlug.get('acme')!.id;
    const stored = (await sql<{ subject: string; n: number }>`select subject, count(*)::integer as n from tickets where tenant_id = ${tenantId} group by subject`.execute(pool.database.owner)).rows;
    const counts = new Map(stored.map((r) => [r.subject, r.n]));
    const doubled = stored.filter((r) => r.n > 1).map((r) => r.subject);
    assert.deepEqual(doubled, [], 'no ticket is stored twice');
    const lost = [...acked].filter((s) => counts.get(s) !== 1);
    assert.deepEqual(lost, [], `every acknowledged ticket is stored (${acked.size} acknowledged of ${sent} sent)`);
    const fenced = [...refused].filter(([subject, code]) => code === 'TENANT_MOVING' && counts.has(subject)).map(([s]) => s);
    assert.deepEqual(fenced, [], 'a write refused as the tenant moved left nothing behind');
    const strays = stored.filter((r) => !acked.has(r.subject) && !unanswered.has(r.subject) && !refused.has(r.subject)).map((r) => r.subject);
    assert.deepEqual(strays, [], 'nothing is stored that was not sent');
    // Nothing of the tenant is left in the silo: its database is dropped after the move back.
    const silos = await cluster.query<{ n: number }>(`select count(*)::integer as n from pg_database where datname like '%silo_acme%'`);
    assert.equal(silos.rows[0]!.n, 0);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.ts';
import { isConnectionError } from '../../src/db/errors.ts';
import { migrate } from '../../src/db/migrate.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { seedApiTenants, type ApiInstallation } from '../support/api-tenants.ts';
import { PrivatePostgres, type StopMode } from '../support/private-postgres.ts';
import { call, errorCode, ServerProcess, type Answer } from '../support/server-process.ts';

/**
 * PostgreSQL goes away and comes back while `tenantdesk serve` (a real process) idles on it: the
 * process stays up, answers 503 DATABASE_UNAVAILABLE with Retry-After meanwhile (never 500), keeps
 * /healthz at 200 and /readyz at a quick 503, and serves again within 5 s of the database's return.
 * The database is a private cluster (test/support/private-postgres.ts), never the shared server.
 */
const RECOVERY_LIMIT_MS = 5000;

describe('PostgreSQL restarts under an idle server', { concurrency: 1 }, () => {
  let cluster: PrivatePostgres;
  let server: ServerProcess;
  let install: ApiInstallation;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'td-db-restart-'));

  const tickets = (): Promise<Answer> => call(server.port, { path: '/api/v1/tickets', host: 'acme.localhost', headers: { authorization: `Bearer ${install.tenants.acme!.keys[0]}` }, timeoutMs: 15_000 });
  const ready = async (): Promise<{ answer: Answer; ms: number }> => {
    const started = Date.now();
    return { answer: await call(server.port, { path: '/readyz', timeoutMs: 15_000 }), ms: Date.now() - started };
  };
  /** Milliseconds until `probe` answers 200, polled every 50 ms. */
  const untilOk = async (probe: () => Promise<Answer>, limitMs: number): Promise<number> => {
    const started = Date.now();
    for (;;) {
      if ((await probe().catch(() => undefined))?.status === 200) return Date.now() - started;
      if (Date.now() - started > limitMs) return Infinity;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    cluster = await PrivatePostgres.create();
    url = await cluster.createDatabase('tenantdesk');
    const database = await openDatabase({ kind: 'postgres', url, poolMax: 2 });
    try {
      await migrate(database);
      install = await seedApiTenants(new Shards(database), [{ slug: 'acme' }]);
    } finally {
      await database.close();
    }
    server = await ServerProcess.start({ DATABASE_URL: url, DATA_DIR: dataDir, JOB_POLL_MS: '200', TENANT_API_RATE: '0' });
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await cluster?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves and is ready before anything happens', async () => {
    assert.equal((await tickets()).status, 200);
    assert.equal((await ready()).answer.status, 200);
  });

  for (const mode of ['fast', 'immediate'] as StopMode[]) {
    it(`answers 503 while PostgreSQL is down (stop -m ${mode}) and recovers by itself within 5 s of its return`, async (t) => {
      // Connections in the pool first, so that the stop breaks idle clients (the pool's 'error' events).
      await Promise.all([tickets(), tickets(), tickets()]);
      await cluster.stop(mode);

      for (let i = 0; i < 3; i += 1) {
        const answer = await tickets();
        assert.equal(answer.status, 503, answer.text);
        assert.equal(errorCode(answer), 'DATABASE_UNAVAILABLE');
        assert.equal(answer.headers['retry-after'], '5');
        const created = await call(server.port, { method: 'POST', path: '/api/v1/tickets', host: 'acme.localhost', headers: { authorization: `Bearer ${install.tenants.acme!.keys[0]}` }, body: { subject: 'while down', body: 'x' } });
        assert.equal(created.status, 503, created.text);
        const probe = await ready();
        assert.equal(probe.answer.status, 503);
        assert.deepEqual(probe.answer.body, { status: 'database unreachable', database: 'postgres' });
        assert.ok(probe.ms < 3000, `/readyz answers quickly while the database is down (${probe.ms} ms)`);
        assert.equal((await call(server.port, { path: '/healthz' })).status, 200, '/healthz: the process itself is fine');
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(server.running, 'the server process is still up');

      await cluster.start();
      const [apiMs, readyMs] = await Promise.all([untilOk(tickets, RECOVERY_LIMIT_MS), untilOk(async () => (await ready()).answer, RECOVERY_LIMIT_MS)]);
      t.diagnostic(`recovered after stop -m ${mode}: API ${apiMs} ms, /readyz ${readyMs} ms after PostgreSQL accepted connections again`);
      assert.ok(apiMs <= RECOVERY_LIMIT_MS, `the API serves again within 5 s (took ${apiMs} ms)`);
      assert.ok(readyMs <= RECOVERY_LIMIT_MS, `/readyz is ready again within 5 s (took ${readyMs} ms)`);
      assert.equal(errorCode(await tickets()), undefined);
      assert.ok(server.running);
      assert.doesNotMatch(server.stderr, /uncaught|unhandled/i, server.stderr);
      const failures = server.logs().filter((r) => r.msg === 'request failed');
      assert.deepEqual(failures, [], 'no request was answered 500');
    });
  }

  it('fails the next statement of a transaction whose connection died while it was held, without crashing the process', async () => {
    const database = await openDatabase({ kind: 'postgres', url, poolMax: 2 });
    try {
      const outcome = database.owner.transaction().execute(async (tx) => {
        await sql`select 1`.execute(tx);
        // Held across other work (as a job holds its transaction across an IMAP fetch) while the server goes.
        await cluster.stop('fast');
        await new Promise((r) => setTimeout(r, 200));
        await sql`select 2`.execute(tx);
      });
      await assert.rejects(outcome, (error: unknown) => isConnectionError(error));
      await cluster.start();
      const ms = await untilOk(async () => ({ status: (await sql<{ n: number }>`select 1 as n`.execute(database.owner)).rows[0]!.n === 1 ? 200 : 500, headers: {}, body: undefined, text: '' }), RECOVERY_LIMIT_MS);
      assert.ok(ms <= RECOVERY_LIMIT_MS, `the same pool works again (${ms} ms)`);
    } finally {
      await database.close();
    }
  });
});

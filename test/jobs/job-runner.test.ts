import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { z } from 'zod';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { jobHandlers, runnerDeps } from '../../src/jobs/background-work.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { purgeFinishedJobs } from '../../src/jobs/purge-finished-jobs.ts';
import { listFailedJobs, retryFailedJob } from '../../src/jobs/failed-jobs.ts';
import { JobRunner, type JobRunnerDeps } from '../../src/jobs/job-runner.ts';
import { claimJob } from '../../src/jobs/job-store.ts';
import { defineJob, handleJob, type JobHandler, type Schedule } from '../../src/jobs/job-type.ts';
import { fireDueSchedules } from '../../src/jobs/schedules.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { createObject, inTransaction, listObjects } from '../../src/tenancy/data-access.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

const named = z.object({ name: z.string() });
const createLocation = defineJob({ name: 'test.create-location', payload: named });
const alwaysFails = defineJob({ name: 'test.always-fails', payload: named, maxAttempts: 3, backoffMs: 1 });
const slowBackoff = defineJob({ name: 'test.slow-backoff', payload: named, maxAttempts: 4, backoffMs: 60_000 });
const tick = defineJob({ name: 'test.tick', payload: z.object({}) });

/** Each run's job id, in the order they ran (a job run twice shows up twice). */
type Runs = string[];

function handlers(runs: Runs, failing: { on: boolean }): JobHandler<never>[] {
  return [
    handleJob(createLocation, async (ctx, payload, job) => {
      runs.push(job.id);
      await createObject(ctx, 'location', { name: payload.name });
    }),
    handleJob(alwaysFails, async (_ctx, _payload, job) => {
      runs.push(job.id);
      if (failing.on) throw new Error('the mail server refused the message');
    }),
    handleJob(slowBackoff, async () => {
      throw new Error('still down');
    }),
    handleJob(tick, async (_ctx, _payload, job) => {
      runs.push(job.id);
    }),
  ] as JobHandler<never>[];
}

forEachDatabase('background jobs', (db, kind) => {
  let t: Record<string, number>;
  let deps: JobRunnerDeps;
  let catalog: Catalog;
  const runs: Runs = [];
  const failing = { on: true };
  let runner: JobRunner;

  const jobRow = async (id: string) =>
    (await sql<{ state: string; attempts: number; last_error: string | null; tenant_id: number | null; wait_ms: number }>`
      select state, attempts, last_error, tenant_id, extract(epoch from run_at - now()) * 1000 as wait_ms from jobs where id = ${id}`.execute(db().owner)).rows[0]!;
  const locationsNamed = async (name: string) =>
    (await sql<{ tenant_id: number }>`select tenant_id from locations where name = ${name}`.execute(db().owner)).rows;
  const enqueueOwner = <P>(type: Parameters<typeof enqueue<P>>[1], job: Parameters<typeof enqueue<P>>[2]) => enqueue(db().owner, type, job);
  const makeDue = (id: string) => sql`update jobs set run_at = now() where id = ${id}`.execute(db().owner);
  const tenantCtx = (tenantId: number) => contextFor(db(), { read: [tenantId], write: [tenantId], writePublic: false }, DEFAULT_TENANCY, deps.shards);
  /** Work with a second connection to the database: on PostgreSQL a pool of its own, as another server would have. */
  const withSecondConnection = async (work: (second: Database) => Promise<void>) => {
    const second = kind === 'postgres' ? await openDatabase({ kind: 'postgres', url: db().url!, poolMax: 4 }) : db();
    try {
      await work(second);
    } finally {
      if (second !== db()) await second.close();
    }
  };
  /** Writes a location and enqueues a job in one unit of work of acme's, which `then` may fail. */
  const enqueueWithChange = (tenantId: number, then: () => void = () => {}) =>
    tenantCtx(t.acme!).then((ctx) =>
      inTransaction(ctx, async (ctx) => {
        await createObject(ctx, 'location', { name: 'rolled-back' });
        await enqueue(ctx.tx!, createLocation, { tenantId, payload: { name: 'from-rolled-back' } });
        then();
      }, t.acme),
    );

  before(async () => {
    t = await createTenants(db(), [
      { slug: 'sp', name: 'SP' },
      { slug: 'acme', name: 'Acme', hosts: ['acme.test'] },
      { slug: 'globex', name: 'Globex', hosts: ['globex.test'] },
    ]);
    catalog = await Catalog.load(db());
    deps = { shards: new Shards(db()), settings: DEFAULT_TENANCY, catalog: () => catalog.snapshot() };
    runner = new JobRunner(deps, { handlers: handlers(runs, failing) });
  });

  after(() => deps.shards.close());

  it('keeps no job enqueued in a transaction that rolled back, with the change that caused it', async () => {
    await assert.rejects(
      enqueueWithChange(t.acme!, () => {
        throw new Error('the use case failed after enqueueing');
      }),
      /the use case failed/,
    );
    assert.equal((await locationsNamed('rolled-back')).length, 0);
    const jobs = await sql<{ n: number }>`select count(*)::integer as n from jobs where payload->>'name' = 'from-rolled-back'`.execute(db().owner);
    assert.equal(jobs.rows[0]!.n, 0);
  });

  it('runs a committed job once, under its tenant scope: it writes to that tenant and sees no other', async () => {
    const globexCtx = await tenantCtx(t.globex!);
    await createObject(globexCtx, 'location', { name: 'globex-hq' });
    let seen: string[] = [];
    const scoped = new JobRunner(deps, {
      handlers: [
        handleJob(createLocation, async (ctx, payload) => {
          seen = (await listObjects(ctx, 'location')).map((r) => String(r.name));
          await createObject(ctx, 'location', { name: payload.name });
        }),
      ] as JobHandler<never>[],
    });
    const ctx = await tenantCtx(t.acme!);
    const id = await inTransaction(ctx, (ctx) => enqueue(ctx.tx!, createLocation, { tenantId: t.acme!, payload: { name: 'acme-branch' } }), t.acme);
    assert.deepEqual(await scoped.runNext(db()), { id, name: createLocation.name, state: 'done' });
    assert.deepEqual(await locationsNamed('acme-branch'), [{ tenant_id: t.acme }]);
    assert.ok(!seen.includes('globex-hq'), 'the handler of an acme job cannot read globex rows');
    assert.equal(await scoped.runNext(db()), undefined, 'nothing left to run');
    assert.equal((await jobRow(id!)).state, 'done');
  });

  it('refuses, through row-level security, a job for a tenant the transaction may not write', async () => {
    await assert.rejects(enqueueWithChange(t.globex!), /row-level security|policy/i);
    assert.equal((await locationsNamed('rolled-back')).length, 0);
  });

  it('enqueues one job per key: the second enqueue with the same key is a no-op', async () => {
    const first = await enqueueOwner(tick, { tenantId: t.acme!, payload: {}, key: 'ticket-42' });
    const second = await enqueueOwner(tick, { tenantId: t.acme!, payload: {}, key: 'ticket-42' });
    const otherTenant = await enqueueOwner(tick, { tenantId: t.globex!, payload: {}, key: 'ticket-42' });
    assert.ok(first && otherTenant);
    assert.equal(second, undefined);
    await runner.drain(db());
    assert.equal(runs.filter((r) => r === first).length, 1);
  });

  it('retries a failing job with growing delays, then keeps it as dead for the tenant’s administrators', async () => {
    const id = (await enqueueOwner(alwaysFails, { tenantId: t.acme!, payload: { name: 'x' } }))!;
    const states: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await makeDue(id);
      states.push((await runner.runNext(db()))!.state);
    }
    assert.deepEqual(states, ['queued', 'queued', 'dead']);
    assert.equal(await runner.runNext(db()), undefined, 'a dead job is not run again');
    const row = await jobRow(id);
    assert.equal(row.attempts, 3);
    assert.equal(row.last_error, 'the mail server refused the message');

    const acmeAdmin = await tenantCtx(t.acme!);
    const globexAdmin = await tenantCtx(t.globex!);
    assert.deepEqual((await listFailedJobs(acmeAdmin)).map((j) => j.id), [id]);
    assert.deepEqual(await listFailedJobs(globexAdmin), [], 'another tenant does not see it');

    failing.on = false;
    await retryFailedJob(acmeAdmin, id);
    assert.equal((await runner.runNext(db()))!.state, 'done');
    assert.deepEqual(await listFailedJobs(acmeAdmin), []);
  });

  it('doubles the delay before each retry', async () => {
    const id = (await enqueueOwner(slowBackoff, { tenantId: t.acme!, payload: { name: 'y' } }))!;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await makeDue(id);
      await runner.runNext(db());
      waits.push((await jobRow(id)).wait_ms);
    }
    // 60 s, 120 s, 240 s, give or take the time the test itself takes.
    waits.forEach((wait, i) => assert.ok(Math.abs(wait - 60_000 * 2 ** i) < 5_000, `retry ${i + 1} waits ${wait} ms`));
  });

  it('runs every job exactly once when two runners drain the same queue at once', async () => {
    await withSecondConnection(async (second) => {
      const mine: Runs = [];
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await enqueueOwner(tick, { tenantId: i % 2 ? t.acme! : t.globex!, payload: {} }))!);
      const a = new JobRunner(deps, { handlers: handlers(mine, failing) });
      const b = new JobRunner({ ...deps, shards: new Shards(second) }, { handlers: handlers(mine, failing) });
      const [ranByA, ranByB] = await Promise.all([a.drain(db()), b.drain(second)]);
      assert.equal(ranByA.length + ranByB.length, 40);
      assert.deepEqual([...mine].sort(), [...ids].sort(), 'each job ran once, none twice');
      if (kind === 'postgres') assert.ok(ranByA.length > 0 && ranByB.length > 0, `both runners took jobs (${ranByA.length}/${ranByB.length})`);
      const left = await sql<{ n: number }>`select count(*)::integer as n from jobs where name = ${tick.name} and state <> 'done'`.execute(db().owner);
      assert.equal(left.rows[0]!.n, 0);
    });
  });

  it('fires a scheduled job once per period however many runners look at the same time', async () => {
    await withSecondConnection(async (second) => {
      const schedule = { type: tick, cron: '*/5 * * * *', payload: {} };
      const start = new Date('2031-01-01T00:01:00Z');
      const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
      // Each runner with its own clock of when the schedule may next be due, as a JobRunner keeps it.
      const [clockA, clockB] = [new Map<string, Date>(), new Map<string, Date>()];
      const fireBoth = async (now: Date) => (await Promise.all([fireDueSchedules(db(), [schedule], now, clockA), fireDueSchedules(second, [schedule], now, clockB)])).flat().length;
      assert.equal(await fireBoth(start), 0, 'a new schedule waits for its next period');
      assert.equal(await fireBoth(at(3)), 0, 'not yet 00:05');
      assert.equal(await fireBoth(at(4.5)), 1, '00:05:30: one of the two fires it');
      assert.equal(await fireBoth(at(6)), 0, 'the same period does not fire again');
      assert.equal(await fireBoth(at(9.5)), 1, '00:10:30: the next period');
      // Before 00:15 by its own clock a runner does not even look: the schedule's row, gone, is not made again.
      await sql`delete from job_schedules where name = ${tick.name}`.execute(db().owner);
      assert.deepEqual(await fireDueSchedules(db(), [schedule], at(12), clockA), []);
      assert.equal((await sql`select 1 from job_schedules where name = ${tick.name}`.execute(db().owner)).rows.length, 0, 'no statement before its time');
      assert.equal(clockA.get(tick.name)?.toISOString(), '2031-01-01T00:15:00.000Z');
      const jobs = await sql<{ key: string; tenant_id: number | null }>`select key, tenant_id from jobs where name = ${tick.name} and key like 'schedule:%' order by key`.execute(db().owner);
      assert.deepEqual(jobs.rows, [
        { key: 'schedule:2031-01-01T00:05:00.000Z', tenant_id: null },
        { key: 'schedule:2031-01-01T00:10:00.000Z', tenant_id: null },
      ]);
      const ran = await runner.drain(db());
      assert.equal(ran.filter((o) => o.state === 'done').length, 2, 'installation jobs run under the system context');
    });
  });

  it('runs a job scheduled every second once per second with two runners polling', async () => {
    const everySecond = defineJob({ name: 'test.every-second', payload: z.object({}) });
    const keys: (string | null)[] = [];
    await withSecondConnection(async (second) => {
      const runners = [db(), second].map((database) => {
        const handler = handleJob(everySecond, async (_ctx, _payload, job) => {
          keys.push(job.key);
        }) as JobHandler<never>;
        const schedules = [{ type: everySecond, cron: '* * * * * *', payload: {} } as Schedule<never>];
        return new JobRunner({ ...deps, shards: new Shards(database) }, { handlers: [handler], schedules, pollMs: 50 });
      });
      runners.forEach((r) => r.start());
      await new Promise((r) => setTimeout(r, 3_200));
      await Promise.all(runners.map((r) => r.stop()));
    });
    assert.ok(keys.length >= 2, `it fired (${keys.length} times)`);
    assert.equal(new Set(keys).size, keys.length, `no second fired twice: ${keys.join(', ')}`);
    // A period fired just before the runners stopped may still wait for the next runner: never run twice, never lost.
    const periods = await sql<{ state: string; n: number }>`select state, count(*)::integer as n from jobs where name = ${everySecond.name} group by state`.execute(db().owner);
    const count = (state: string) => periods.rows.find((r) => r.state === state)?.n ?? 0;
    assert.equal(count('done'), keys.length, 'every period that ran is done once');
    assert.ok(count('queued') <= 1, `at most the last period waits: ${JSON.stringify(periods.rows)}`);
    assert.equal(count('done') + count('queued'), periods.rows.reduce((n, r) => n + r.n, 0), 'nothing failed or left running');
  });

  it('takes over a running job only once its lease has expired', async () => {
    const id = (await enqueueOwner(tick, { tenantId: t.acme!, payload: {} }))!;
    // Another runner claimed it and went silent.
    assert.equal((await claimJob(db().owner, [tick.name]))?.id, id);
    assert.equal(await runner.runNext(db()), undefined, 'its lease still runs');
    await sql`update jobs set run_at = now() - interval '1 second' where id = ${id}`.execute(db().owner);
    assert.deepEqual(await runner.runNext(db()), { id, name: tick.name, state: 'done' });
    assert.equal((await jobRow(id)).attempts, 2);
  });

  it('runs the jobs of a silo tenant in the silo’s own database', async () => {
    const silo = await createTenant(db(), DEFAULT_TENANCY, { slug: 'initech', name: 'Initech', silo: true }, deps.shards);
    await catalog.refresh();
    const ctx = await tenantCtx(silo.id);
    const id = await inTransaction(ctx, async (ctx) => enqueue(ctx.tx!, createLocation, { tenantId: silo.id, payload: { name: 'initech-hq' } }), silo.id);
    const siloDb = await deps.shards.forTenant(catalog.snapshot(), silo.id);
    assert.notEqual(siloDb, db());
    const polling = new JobRunner(deps, { handlers: handlers([], failing), pollMs: 20, siloPollMs: 0 });
    polling.start();
    try {
      for (let i = 0; i < 200 && (await sql`select 1 from jobs where id = ${id} and state = 'done'`.execute(siloDb.owner)).rows.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await polling.stop();
    }
    const rows = await sql<{ tenant_id: number }>`select tenant_id from locations where name = 'initech-hq'`.execute(siloDb.owner);
    assert.deepEqual(rows.rows, [{ tenant_id: silo.id }], 'the location was written in the silo');
    assert.deepEqual(await locationsNamed('initech-hq'), [], 'and not in the pool');
  });

  it('purges completed jobs after the retention period, as an installation job', async () => {
    const old = (await enqueueOwner(tick, { tenantId: t.acme!, payload: {} }))!;
    const recent = (await enqueueOwner(tick, { tenantId: t.globex!, payload: {} }))!;
    await runner.drain(db());
    await sql`update jobs set finished_at = now() - interval '15 days' where id = ${old}`.execute(db().owner);
    await enqueueOwner(purgeFinishedJobs, { tenantId: null, payload: {} });
    const purger = new JobRunner(deps, { handlers: jobHandlers });
    assert.equal((await purger.runNext(db()))?.state, 'done');
    const left = await sql<{ id: string }>`select id from jobs where id in (${old}, ${recent})`.execute(db().owner);
    assert.deepEqual(left.rows, [{ id: recent }]);
  });

  it('stops between jobs: the job in hand finishes, the next one waits', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const done: string[] = [];
    const slow = new JobRunner(deps, {
      pollMs: 10,
      handlers: [
        handleJob(tick, async (_ctx, _payload, job) => {
          started();
          await held;
          done.push(job.id);
        }),
      ] as JobHandler<never>[],
    });
    const first = await enqueueOwner(tick, { tenantId: t.acme!, payload: {} });
    const second = await enqueueOwner(tick, { tenantId: t.acme!, payload: {}, runAt: new Date(Date.now() + 50) });
    slow.start();
    await running;
    const stopped = slow.stop();
    await new Promise((r) => setTimeout(r, 100));
    release();
    await stopped;
    assert.deepEqual(done, [first]);
    assert.equal((await jobRow(first!)).state, 'done');
    assert.equal((await jobRow(second!)).state, 'queued');
    await runner.drain(db());
  });

  it('runs a job only on a catalog confirmed within the staleness bound (decision 0050)', async () => {
    // The server's own wiring, over a catalog with a clock of the test's and a database it can lose.
    const own = kind === 'postgres' ? await openDatabase({ kind: 'postgres', url: db().url!, poolMax: 1 }) : db();
    let now = Date.now();
    const here = await Catalog.load(own, { maxStalenessMs: 1000, now: () => now });
    const watched = new JobRunner(runnerDeps({ shards: deps.shards, settings: DEFAULT_TENANCY, catalog: here }), { handlers: handlers(runs, failing) });
    const id = (await enqueueOwner(tick, { tenantId: t.acme!, payload: {} }))!;
    if (kind === 'pglite') {
      // Embedded, this process makes every catalog change itself: its snapshot is always current.
      now += 60_000;
      assert.deepEqual((await watched.drain(db())).map((o) => [o.id, o.state]), [[id, 'done']]);
      return;
    }
    // Past the bound with the catalog's database out of reach: no check can confirm the snapshot.
    await own.close();
    now += 1001;
    const [outcome] = await watched.drain(db());
    assert.deepEqual([outcome?.id, outcome?.state], [id, 'queued'], 'failed this attempt, queued for its retry');
    assert.ok(!runs.includes(id), 'the handler never ran');
    const row = await jobRow(id);
    assert.match(row.last_error ?? '', /cannot confirm it knows the current tenants/);
    // Once the catalog is confirmed again (here: read afresh), the same job runs.
    const fresh = new JobRunner(runnerDeps({ shards: deps.shards, settings: DEFAULT_TENANCY, catalog: await Catalog.load(db()) }), { handlers: handlers(runs, failing) });
    await makeDue(id);
    assert.deepEqual((await fresh.drain(db())).map((o) => [o.id, o.state]), [[id, 'done']]);
  });
});

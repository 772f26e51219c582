import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { databaseKinds } from '../support/databases.ts';
import { databaseBetweenProcesses } from '../support/database-between-processes.ts';
import { createTenants } from '../support/tenants.ts';
import { recordVisit, recordVisitHandler } from './fixtures/kill-job.ts';

/**
 * A job whose process is killed (SIGKILL, no chance to clean up) in the middle of its handler is
 * run again by another process once its lease expires, and its effect exists exactly once.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const child = join(root, 'test', 'jobs', 'fixtures', 'job-child.ts');

/** Runs the child until its handler has written, then kills it with SIGKILL. */
async function killMidJob(env: Record<string, string>): Promise<void> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('close', (_code, signal) => resolve(signal)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the child never ran the job; stdout: ${stdout} stderr: ${stderr}`)), 120_000);
      proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('written\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('close', () => reject(new Error(`the child exited early; stderr: ${stderr}`)));
    });
  } finally {
    proc.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL');
}

for (const kind of databaseKinds()) {
  describe(`a job killed mid-run [${kind}]`, () => {
    const { create, open, release, childEnv } = databaseBetweenProcesses(kind);

    it('is run again after its lease expires and completes exactly once', async () => {
      let database = await create();
      const t = await createTenants(database, [{ slug: 'sp', name: 'SP' }, { slug: 'acme', name: 'Acme' }]);
      const id = (await enqueue(database.owner, recordVisit, { tenantId: t.acme!, payload: {}, key: 'k1' }))!;
      await release(database);

      await killMidJob(childEnv('JOB_CHILD'));

      database = await open();
      try {
        const state = async () =>
          (await sql<{ state: string; attempts: number }>`select state, attempts from jobs where id = ${id}`.execute(database.owner)).rows[0]!;
        const visits = async () => (await sql<{ n: number }>`select count(*)::integer as n from locations where name = 'visit-k1'`.execute(database.owner)).rows[0]!.n;
        assert.deepEqual(await state(), { state: 'running', attempts: 1 }, 'the killed run had claimed the job');
        assert.equal(await visits(), 0, 'the killed run’s write died with its transaction');

        const catalog = await Catalog.load(database);
        const runner = new JobRunner(
          { shards: new Shards(database), settings: DEFAULT_TENANCY, catalog: () => catalog.snapshot() },
          { handlers: [recordVisitHandler(false)] },
        );
        // Opening the embedded database again may itself outlast the lease; wait for whatever is left.
        const left = await sql<{ ms: number }>`select greatest(0, extract(epoch from run_at - now()) * 1000)::integer as ms from jobs where id = ${id}`.execute(database.owner);
        await new Promise((r) => setTimeout(r, left.rows[0]!.ms + 50));
        assert.deepEqual(await runner.runNext(database), { id, name: recordVisit.name, state: 'done' });
        assert.deepEqual(await state(), { state: 'done', attempts: 2 });
        assert.equal(await visits(), 1, 'the effect exists exactly once');
        assert.equal(await runner.runNext(database), undefined, 'and the job does not run again');
      } finally {
        await release(database);
      }
    });
  });
}

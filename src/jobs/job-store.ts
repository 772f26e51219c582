import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * The runner's queries on the `jobs` table, run as the database owner: the runner is the
 * installation's own machinery and takes jobs of every tenant. A handler's writes, and the job's
 * completion, run under the job's tenant scope instead (job-runner.ts).
 */
export type ClaimedJob = {
  readonly id: string;
  readonly tenant_id: number | null;
  readonly name: string;
  readonly key: string | null;
  readonly payload: unknown;
  readonly attempts: number;
  readonly max_attempts: number;
  readonly lease_token: string;
  /** The job was running under a lease that expired: the process running it died or hung. */
  readonly taken_over: boolean;
};

export type JobState = 'queued' | 'running' | 'done' | 'dead';

/**
 * Takes the oldest due job of one of `names`: queued and due, or running with an expired lease.
 * SKIP LOCKED lets runners in several processes claim different jobs without waiting on each other;
 * a claimed job's run_at becomes its lease expiry, so one index finds both kinds.
 */
export async function claimJob(db: Kysely<DB>, names: readonly string[]): Promise<ClaimedJob | undefined> {
  const result = await sql<ClaimedJob>`with next as (
      select id, state = 'running' as taken_over from jobs
      where state in ('queued', 'running') and run_at <= now() and name = any(${[...names]}::text[])
      order by run_at limit 1 for update skip locked)
    update jobs set state = 'running', attempts = attempts + 1, lease_token = gen_random_uuid(),
      run_at = now() + lease_ms * interval '1 millisecond'
    from next where jobs.id = next.id
    returning jobs.id, tenant_id, name, key, payload, attempts, max_attempts, lease_token, next.taken_over`.execute(db);
  return result.rows[0];
}

/**
 * Records a failed run: queued again after `retryInMs`, or dead once its attempts are spent (or at
 * once with `final`). Only the holder of the current lease may record it.
 */
export async function recordFailure(db: Kysely<DB>, job: ClaimedJob, error: string, retryInMs: number, final = false): Promise<JobState> {
  const dead = final || job.attempts >= job.max_attempts;
  await sql`update jobs set state = ${dead ? 'dead' : 'queued'}, last_error = ${error.slice(0, 2000)}, lease_token = null,
      run_at = case when ${dead} then run_at else now() + ${retryInMs}::double precision * interval '1 millisecond' end,
      finished_at = case when ${dead} then now() end
    where id = ${job.id} and lease_token = ${job.lease_token}`.execute(db);
  return dead ? 'dead' : 'queued';
}

/** Marks the job done, in the handler's transaction; false when another runner holds the lease now. */
export async function recordSuccess(tx: Kysely<DB>, job: ClaimedJob): Promise<boolean> {
  const result = await sql`update jobs set state = 'done', finished_at = now(), last_error = null, lease_token = null
    where id = ${job.id} and lease_token = ${job.lease_token}`.execute(tx);
  return result.numAffectedRows === 1n;
}

export type JobQueueRow = { readonly name: string; readonly due: number; readonly oldestDueAgeSeconds: number; readonly dead: number };

/** The queue by job name, for /metrics: due jobs (the depth), how long the oldest has waited, dead jobs. */
export async function jobQueueStats(db: Kysely<DB>): Promise<JobQueueRow[]> {
  const result = await sql<{ name: string; due: number; oldest: number | null; dead: number }>`
    select name, count(*) filter (where state = 'queued')::integer as due,
        extract(epoch from now() - min(run_at) filter (where state = 'queued'))::float8 as oldest, 0 as dead
      from jobs where state in ('queued', 'running') and run_at <= now() group by name
    union all
    select name, 0, null, count(*)::integer from jobs where state = 'dead' group by name`.execute(db);
  const byName = new Map<string, { name: string; due: number; oldestDueAgeSeconds: number; dead: number }>();
  for (const r of result.rows) {
    const row = byName.get(r.name) ?? { name: r.name, due: 0, oldestDueAgeSeconds: 0, dead: 0 };
    row.due += Number(r.due);
    row.oldestDueAgeSeconds = Math.max(row.oldestDueAgeSeconds, Number(r.oldest ?? 0));
    row.dead += Number(r.dead);
    byName.set(r.name, row);
  }
  return [...byName.values()];
}

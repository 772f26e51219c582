import { sql } from 'kysely';
import { z } from 'zod';
import { defineJob, handleJob } from './job-type.ts';

/** Completed jobs are kept this long (for support questions), then deleted; dead ones stay until retried or purged by hand. */
export const FINISHED_JOB_RETENTION_DAYS = 14;

export const purgeFinishedJobs = defineJob({ name: 'jobs.purge-finished', payload: z.object({}) });

/** An installation job on the pool: its scope writes every tenant (and installation rows). */
export const purgeFinishedJobsHandler = handleJob(purgeFinishedJobs, async (ctx) => {
  await sql`delete from jobs where state = 'done' and finished_at < now() - ${FINISHED_JOB_RETENTION_DAYS} * interval '1 day'`.execute(ctx.tx!);
});

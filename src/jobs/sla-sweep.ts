import { z } from 'zod';
import { applyScope } from '../db/scope.ts';
import { slaBreaches } from '../metrics/metrics.ts';
import { sweepOverdue } from '../sla/sweep-overdue.ts';
import { writeScope } from '../tenancy/access.ts';
import { enqueue } from './enqueue.ts';
import { defineJob, handleJob } from './job-type.ts';

/**
 * The overdue sweep (src/sla/sweep-overdue.ts), an installation job fired every minute, run with
 * the system's access. An embedded pool is swept in the job's transaction; PostgreSQL shards and
 * silos in short transactions of their own, a batch each. A retry after a failure sweeps again,
 * which is harmless: a breach is recorded once.
 *
 * A backlog larger than a batch (the runners were down for hours) is worked off by the same job
 * enqueued again at once, in this job's transaction: each run stays one batch long.
 */
export const slaSweep = defineJob({
  name: 'sla.sweep-overdue',
  // `batch`: clocks per partition in one run (SWEEP_BATCH when absent), kept by the runs that follow.
  // (A run queued before migration 0023 may also carry `after`, a cursor no longer needed: ignored.)
  payload: z.object({ batch: z.number().int().positive().optional() }),
  leaseMs: 10 * 60_000,
  maxAttempts: 3,
});

export const slaSweepHandler = handleJob(slaSweep, async (ctx, payload, job) => {
  const result = await sweepOverdue(ctx, payload.batch ? { batch: payload.batch } : {});
  if (result.breaches) ctx.log?.info(result, 'sla: overdue tickets marked');
  slaBreaches.inc(result.breaches);
  if (result.more && ctx.tx) {
    // Tenant boundary: an installation job (no tenant) is the installation's own row.
    await applyScope(ctx.tx, writeScope(ctx.access, true));
    await enqueue(ctx.tx, slaSweep, { tenantId: null, payload: payload.batch ? { batch: payload.batch } : {}, key: `more:${job.id}` });
  }
});

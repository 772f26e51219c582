import { z } from 'zod';
import { applyScope } from '../db/scope.ts';
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
  // `batch`: tickets per clock and partition in one run (SWEEP_BATCH when absent), kept by the runs
  // that follow; `after`: where the previous run of a drain stopped (sweep-overdue.ts, SweepCursor).
  payload: z.object({ batch: z.number().int().positive().optional(), after: z.record(z.string(), z.string()).optional() }),
  leaseMs: 10 * 60_000,
  maxAttempts: 3,
});

export const slaSweepHandler = handleJob(slaSweep, async (ctx, payload, job) => {
  const result = await sweepOverdue(ctx, { ...(payload.batch ? { batch: payload.batch } : {}), ...(payload.after ? { after: payload.after } : {}) });
  const { cursor, ...figures } = result;
  if (result.breaches) ctx.log?.info(figures, 'sla: overdue tickets marked');
  if (result.more && ctx.tx) {
    // Tenant boundary: an installation job (no tenant) is the installation's own row.
    await applyScope(ctx.tx, writeScope(ctx.access, true));
    await enqueue(ctx.tx, slaSweep, { tenantId: null, payload: { ...payload, after: cursor }, key: `more:${job.id}` });
  }
});

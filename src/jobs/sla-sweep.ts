import { z } from 'zod';
import { sweepOverdue } from '../sla/sweep-overdue.ts';
import { defineJob, handleJob } from './job-type.ts';

/**
 * The overdue sweep (src/sla/sweep-overdue.ts), an installation job fired every minute. It runs
 * with the system's access in the pool's job transaction and sweeps each silo in a transaction of
 * its own; a retry after a failure sweeps again, which is harmless: a breach is recorded once.
 */
export const slaSweep = defineJob({ name: 'sla.sweep-overdue', payload: z.object({}), leaseMs: 10 * 60_000, maxAttempts: 3 });

export const slaSweepHandler = handleJob(slaSweep, async (ctx) => {
  const result = await sweepOverdue(ctx);
  if (result.breaches) ctx.log?.info(result, 'sla: overdue tickets marked');
});

import { listObjects, updateObject, type ListOptions, type Row } from '../tenancy/data-access.ts';
import type { TenancyContext } from '../tenancy/context.ts';

/**
 * The dead-letter list: jobs that failed every attempt, newest first, of the tenants the caller
 * reads (installation jobs only for roles reading every tenant), across every shard. Through the
 * data-access layer, so it is scoped like any other read.
 */
export async function listFailedJobs(ctx: TenancyContext, options: Pick<ListOptions, 'limit' | 'after'> = {}): Promise<Row[]> {
  return listObjects(ctx, 'job', { ...options, where: { state: 'dead' }, orderBy: 'finished_at', descending: true });
}

/** Queues a dead job again with all its attempts, once whatever made it fail is fixed. */
export async function retryFailedJob(ctx: TenancyContext, id: string): Promise<Row> {
  return updateObject(ctx, 'job', id, { state: 'queued', attempts: 0, run_at: new Date(), finished_at: null, lease_token: null });
}

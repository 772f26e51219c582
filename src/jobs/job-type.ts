import type { z } from 'zod';
import type { TenancyContext } from '../tenancy/context.ts';

/**
 * A kind of background job: a name, the schema of its payload, and how hard to try. Declared next
 * to the domain code that enqueues it; the handler is attached separately (`handleJob`) so a domain
 * module can enqueue a job without importing the code that runs it.
 */
export type JobType<P> = {
  readonly name: string;
  readonly payload: z.ZodType<P>;
  /** Runs in all, the first included; then the job is dead (kept, listed for administrators). */
  readonly maxAttempts: number;
  /** How long a run may take before another runner takes the job over (its process is presumed dead). */
  readonly leaseMs: number;
  /** Delay before the first retry, doubled at each further one, capped at `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
};

export function defineJob<P>(spec: Pick<JobType<P>, 'name' | 'payload'> & Partial<JobType<P>>): JobType<P> {
  return { maxAttempts: 5, leaseMs: 5 * 60_000, backoffMs: 10_000, maxBackoffMs: 3_600_000, ...spec };
}

/** What a handler knows of the job it runs. */
export type JobInfo = {
  readonly id: string;
  /** null: an installation job, run under the system context. */
  readonly tenantId: number | null;
  readonly key: string | null;
  /** 1 on the first run. */
  readonly attempt: number;
  /**
   * Aborted when the runner is asked to stop (SIGTERM): a handler working through many items (an
   * IMAP batch) stops between two of them, commits what it did and leaves the rest for a later run.
   */
  readonly stopping?: AbortSignal;
};

/**
 * Runs one job. `ctx` is scoped to the job's tenant and carries an open transaction on the tenant's
 * database; the job is marked done in that same transaction, so the handler's writes and the job's
 * completion commit together or not at all. A handler must still be idempotent by the job's key:
 * work outside the database (a call to another system) may have happened in a run that then died.
 */
export type JobHandler<P = never> = {
  readonly type: JobType<P>;
  /**
   * Optional work done before the transaction, with no connection held (a call to another system
   * that may be slow: a webhook's POST): `ctx` has no open transaction; what it returns is given
   * to `handle`, which records it. It may run again if the job does.
   */
  outside?(ctx: TenancyContext, payload: P, job: JobInfo): Promise<unknown>;
  handle(ctx: TenancyContext, payload: P, job: JobInfo, prepared?: unknown): Promise<void>;
};

export function handleJob<P>(type: JobType<P>, handle: JobHandler<P>['handle'], outside?: JobHandler<P>['outside']): JobHandler<P> {
  return outside ? { type, handle, outside } : { type, handle };
}

/** A job enqueued by the runners themselves on a cron schedule, as an installation job. */
export type Schedule<P = never> = {
  readonly type: JobType<P>;
  /** Five fields (minute hour day month weekday), e.g. `*\/5 * * * *`. */
  readonly cron: string;
  /** The zone the cron fields are read in; UTC by default. */
  readonly timeZone?: string;
  readonly payload: P;
};

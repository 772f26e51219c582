import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Companion } from '../tenancy/data-access.ts';
import type { JobType } from './job-type.ts';

export type NewJob<P> = {
  /** The tenant the job works for; null only for installation jobs (see job-runner.ts). */
  readonly tenantId: number | null;
  readonly payload: P;
  /** At most one job per (tenant, type, key): enqueueing it again is a no-op. */
  readonly key?: string;
  readonly runAt?: Date;
};

/**
 * Adds a job in `tx`, the transaction of the change that causes it (transactional outbox): if that
 * transaction rolls back, the job never existed; once it commits, the job will run even if this
 * process dies now. In a scoped transaction, row-level security checks that the job's tenant is
 * writable. Returns the job's id, or undefined when a job with that key already exists.
 *
 * @example
 * await inTransaction(ctx, async (ctx) => {
 *   const ticket = await createObject(ctx, 'ticket', input);
 *   await enqueue(ctx.tx!, computeDueDates, { tenantId: ticket.tenant_id, payload: { ticketId: ticket.id }, key: ticket.id });
 * });
 */
export async function enqueue<P>(tx: Kysely<DB>, type: JobType<P>, job: NewJob<P>): Promise<string | undefined> {
  const row = jobRow(type, job);
  const result = await sql<{ id: string }>`insert into jobs (tenant_id, name, key, payload, max_attempts, lease_ms, run_at)
    values (${row.tenant_id}, ${row.name}, ${row.key}, ${row.payload}::jsonb, ${row.max_attempts}, ${row.lease_ms}, coalesce(${row.run_at}::timestamptz, now()))
    on conflict (tenant_id, name, key) where key is not null do nothing
    returning id`.execute(tx);
  return result.rows[0]?.id;
}

/** A job's row, its payload checked against its type; `run_at` null: now. */
function jobRow<P>(type: JobType<P>, job: NewJob<P>) {
  const payload = JSON.stringify(type.payload.parse(job.payload));
  return { tenant_id: job.tenantId, name: type.name, key: job.key ?? null, payload, max_attempts: type.maxAttempts, lease_ms: type.leaseMs, run_at: job.runAt ?? null };
}

/**
 * The same job as a row written in the statement of the row that causes it (`createObject`'s
 * `with`), for a job whose key cannot exist yet (the id of that very row): there is no conflict to
 * skip. Row-level security and the data-access layer's write rules check it like the row it goes with.
 */
export function jobCompanion<P>(type: JobType<P>, job: NewJob<P> & { readonly key: string }): Companion {
  // Without a time of its own, run_at is left to its default (now), as enqueue's coalesce does.
  const { run_at: runAt, ...values } = jobRow(type, job);
  return { name: 'job', values: runAt ? { ...values, run_at: runAt } : values };
}

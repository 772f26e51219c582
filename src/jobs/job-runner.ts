import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { applyScope, type DbScope } from '../db/scope.ts';
import { jobsFailed } from '../metrics/metrics.ts';
import type { CatalogSnapshot } from '../tenancy/catalog/snapshot.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import type { Shards } from '../tenancy/placement/shards.ts';
import type { TenancySettings } from '../tenancy/settings.ts';
import { claimJob, recordFailure, recordSuccess, type ClaimedJob, type JobState } from './job-store.ts';
import type { JobHandler, Schedule } from './job-type.ts';
import { cronOf, fireDueSchedules, type ScheduleClock } from './schedules.ts';

export type JobRunnerDeps = {
  readonly shards: Shards;
  readonly settings: TenancySettings;
  /**
   * The current catalog snapshot: a job's tenant is resolved when it runs. A server passes the
   * catalog's `current()`, which refuses (CATALOG_STALE) a snapshot it cannot confirm within the
   * staleness bound: the job then fails this attempt and runs again later, never on an old routing.
   */
  readonly catalog: () => CatalogSnapshot | Promise<CatalogSnapshot>;
  readonly log?: TenancyContext['log'];
};

export type JobRunnerOptions = {
  readonly handlers: readonly JobHandler<never>[];
  readonly schedules?: readonly Schedule<never>[];
  /** Pause between looks at the pool when it had nothing due. */
  readonly pollMs?: number;
  /** Pause between looks at every silo in the shard map (each look opens the silo). */
  readonly siloPollMs?: number;
};

/** What one run of a claimed job ended in. */
export type JobOutcome = { readonly id: string; readonly name: string; readonly state: JobState | 'lease-lost' };

class LeaseLost extends Error {}

// A tenant job sees and writes its tenant only; an installation job has the system's access.
const tenantScope = (tenantId: number): DbScope => ({ read: [tenantId], write: [tenantId], writePublic: false });
const INSTALLATION_SCOPE: DbScope = { read: 'all', write: 'all', writePublic: true, untenantedAllowed: true };

/**
 * Runs the jobs of every shard, one at a time, in this process. Several processes may run one each:
 * they claim different jobs (SKIP LOCKED), and a job whose process died is taken over once its lease
 * expires. `stop()` lets the job in hand finish and takes no other.
 */
export class JobRunner {
  readonly #handlers: Map<string, JobHandler<never>>;
  readonly #schedules: readonly Schedule<never>[];
  #stopping = false;
  #stopSignal = new AbortController();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #silosPolledAt = 0;
  readonly #scheduleClock: ScheduleClock = new Map();

  constructor(
    private readonly deps: JobRunnerDeps,
    private readonly options: JobRunnerOptions,
  ) {
    this.#handlers = new Map(options.handlers.map((h) => [h.type.name, h]));
    this.#schedules = options.schedules ?? [];
    for (const schedule of this.#schedules) {
      cronOf(schedule);
      if (!this.#handlers.has(schedule.type.name)) throw new Error(`Schedule of job "${schedule.type.name}" has no handler.`);
    }
  }

  start(): void {
    this.#stopping = false;
    if (this.#stopSignal.signal.aborted) this.#stopSignal = new AbortController();
    this.#loop ??= this.#run().finally(() => (this.#loop = undefined));
  }

  /** Waits for the job in hand, if any (told to stop early through `JobInfo.stopping`); takes no other. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopSignal.abort();
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      // A database that cannot be reached is logged and looked at again at the next poll.
      await this.#look('pool', async () => {
        await fireDueSchedules(this.deps.shards.pool, this.#schedules, new Date(), this.#scheduleClock);
        await this.drain(this.deps.shards.pool);
      });
      if (Date.now() - this.#silosPolledAt >= (this.options.siloPollMs ?? 60_000)) {
        this.#silosPolledAt = Date.now();
        await this.#look('pool', async () => {
          const silos = await sql<{ name: string }>`select name from shards where kind = 'silo' order by name`.execute(this.deps.shards.pool.system);
          for (const { name } of silos.rows) await this.#look(name, async () => void (await this.drain(await this.deps.shards.get(name))));
        });
      }
      if (!this.#stopping) await new Promise<void>((resolve) => setTimeout((this.#wake = resolve), this.options.pollMs ?? 1000).unref());
    }
  }

  async #look(shard: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.deps.log?.error({ err: error, shard }, 'job runner: a look for due jobs failed; it is tried again at the next poll');
    }
  }

  /** Runs the due jobs of one database until none is left (or the runner stops); returns their outcomes. */
  async drain(database: Database): Promise<JobOutcome[]> {
    const outcomes: JobOutcome[] = [];
    while (!this.#stopping) {
      const outcome = await this.runNext(database);
      if (!outcome) break;
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** Claims and runs one due job of `database`; undefined when none is due. */
  async runNext(database: Database): Promise<JobOutcome | undefined> {
    const job = await claimJob(database.system, [...this.#handlers.keys()]);
    if (!job) return undefined;
    const handler = this.#handlers.get(job.name)!;
    const outcome = (state: JobOutcome['state']): JobOutcome => ({ id: job.id, name: job.name, state });
    // Every failed run is counted for /metrics, whatever failed.
    const failed = async (error: string, retryInMs: number, final = false) => {
      const state = await recordFailure(database.system, job, error, retryInMs, final);
      jobsFailed.inc({ name: job.name, state });
      return state;
    };
    if (job.taken_over) this.deps.log?.warn({ job: job.id, name: job.name, attempt: job.attempts }, 'job runner: took over a job whose lease expired');
    if (job.attempts > job.max_attempts) {
      return outcome(await failed('The process running the last attempt stopped before finishing it.', 0, true));
    }
    const payload = handler.type.payload.safeParse(job.payload);
    if (!payload.success) return outcome(await failed(`Invalid payload: ${payload.error.message}`, 0, true));
    const info = { id: job.id, tenantId: job.tenant_id, key: job.key, attempt: job.attempts, stopping: this.#stopSignal.signal };
    try {
      const prepared = handler.outside ? await handler.outside(await this.#context(job), payload.data as never, info) : undefined;
      await this.#runInScope(database, job, (ctx) => handler.handle(ctx, payload.data as never, info, prepared));
      return outcome('done');
    } catch (error) {
      if (error instanceof LeaseLost) return outcome('lease-lost');
      const delay = Math.min(handler.type.maxBackoffMs, handler.type.backoffMs * 2 ** (job.attempts - 1));
      const state = await failed((error as Error)?.message ?? String(error), delay);
      this.deps.log?.warn({ err: error, job: job.id, name: job.name, attempt: job.attempts, state }, 'job runner: a job failed');
      return outcome(state);
    }
  }

  /** The job's context, without a transaction. An installation job gets the access of systemContext (tenancy/system-context.ts); a tenant job its tenant's. */
  async #context(job: ClaimedJob): Promise<TenancyContext> {
    const { shards, settings, log } = this.deps;
    const scope = job.tenant_id === null ? INSTALLATION_SCOPE : tenantScope(job.tenant_id);
    return {
      database: shards.pool,
      shards,
      settings,
      catalog: await this.deps.catalog(),
      access: { read: scope.read, write: scope.write, writePublic: scope.writePublic },
      ...(log ? { log } : {}),
    };
  }

  /**
   * Runs the handler in one transaction on the job's database, under its tenant's scope, and marks
   * the job done in that same transaction: the handler's writes count only if the job completes.
   */
  async #runInScope(database: Database, job: ClaimedJob, work: (ctx: TenancyContext) => Promise<void>): Promise<void> {
    const scope = job.tenant_id === null ? INSTALLATION_SCOPE : tenantScope(job.tenant_id);
    const ctx = await this.#context(job);
    await database.app.transaction().execute(async (tx) => {
      await work({ ...ctx, tx, txDatabase: database });
      // Tenant boundary: the job row is updated under the job's own tenant scope.
      await applyScope(tx, scope);
      if (!(await recordSuccess(tx, job))) throw new LeaseLost(`Job ${job.id} was taken over by another runner; this run is undone.`);
    });
  }
}

import type { Config } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import type { Catalog } from '../tenancy/catalog/catalog.ts';
import type { Shards } from '../tenancy/placement/shards.ts';
import type { TenancySettings } from '../tenancy/settings.ts';
import { JobRunner, type JobRunnerDeps } from './job-runner.ts';
import type { JobHandler, Schedule } from './job-type.ts';
import { purgeFinishedJobs, purgeFinishedJobsHandler } from './purge-finished-jobs.ts';
import { purgeExpiredIdempotencyKeys, purgeExpiredIdempotencyKeysHandler } from './purge-idempotency-keys.ts';
import { slaSweep, slaSweepHandler } from './sla-sweep.ts';
import { mailDeps } from '../mail/mail-context.ts';
import { mailJobs } from '../mail/mail-jobs.ts';
import { fanOutArticleHandler } from '../webhooks/kb-article-published.ts';
import { deliverWebhookHandler } from '../webhooks/deliver-webhook.ts';

/**
 * Every kind of background work the installation does: the handlers a server runs and the schedules
 * it fires. A new job (the SLA sweep, mail fetching) is one handler here, plus a schedule if it recurs.
 */
export const jobHandlers: readonly JobHandler<never>[] = [purgeFinishedJobsHandler as JobHandler<never>, slaSweepHandler as JobHandler<never>, purgeExpiredIdempotencyKeysHandler as JobHandler<never>, fanOutArticleHandler as unknown as JobHandler<never>];

export const jobSchedules: readonly Schedule<never>[] = [
  { type: purgeFinishedJobs, cron: '17 3 * * *', payload: {} } as Schedule<never>,
  { type: purgeExpiredIdempotencyKeys, cron: '23 * * * *', payload: {} } as Schedule<never>,
  { type: slaSweep, cron: '* * * * *', payload: {} } as Schedule<never>,
];

/**
 * What the server's jobs run with. The catalog is read within the staleness bound, as for a request
 * (decision 0050): a job whose process cannot confirm its snapshot fails with CATALOG_STALE and runs
 * again at its retry, never routed by an old shard map.
 */
export function runnerDeps(rt: { readonly shards: Shards; readonly settings: TenancySettings; readonly catalog: Catalog; readonly log?: Logger }): JobRunnerDeps {
  return { shards: rt.shards, settings: rt.settings, catalog: () => rt.catalog.current(), ...(rt.log ? { log: rt.log } : {}) };
}

/** What the server holds of its job runner: something to stop. */
export type BackgroundWork = { stop(): Promise<void> };

/** Starts this process's job runner, unless JOB_RUNNER=false (a web-only process). */
export function startBackgroundWork(rt: {
  readonly config: Pick<Config, 'jobs' | 'mail' | 'dataDir' | 'outboundPolicy'>;
  readonly shards: Shards;
  readonly settings: TenancySettings;
  readonly catalog: Catalog;
  readonly log: Logger;
}): BackgroundWork {
  if (!rt.config.jobs.enabled) return { stop: async () => {} };
  // The email channel's handlers are bound to the mail settings (relay, MAIL_SECRET, limits).
  const mailing = mailDeps(rt);
  const mail = mailJobs(mailing);
  // Webhooks go out through the same guarded connector and are signed with secrets MAIL_SECRET keeps.
  const webhooks = deliverWebhookHandler({ outbound: mailing.outbound, box: mailing.box }) as unknown as JobHandler<never>;
  const runner = new JobRunner(
    runnerDeps(rt),
    { handlers: [...jobHandlers, ...mail.handlers, webhooks], schedules: [...jobSchedules, ...mail.schedules], pollMs: rt.config.jobs.pollMs },
  );
  runner.start();
  return runner;
}

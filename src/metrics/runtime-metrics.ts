import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';
import { jobQueueStats } from '../jobs/job-store.ts';
import type { Catalog } from '../tenancy/catalog/catalog.ts';
import { catalogVersion } from '../tenancy/catalog/snapshot.ts';
import { processMetrics } from './metrics.ts';

/** What the gauges read at each scrape. */
export type MetricsSources = { readonly database: Database; readonly catalog: Catalog };

/**
 * Everything /metrics serves for a running server: the counters of metrics.ts, Node's process
 * metrics, and gauges read at each scrape from the pool, the job queue and the catalog. The job and
 * catalog gauges ask the database (two short queries per scrape), so they are the installation's
 * figures whichever process is scraped; the counters are this process's.
 */
export function metricsRegistry(sources: MetricsSources): Registry {
  const { database, catalog } = sources;
  const scraped = new Registry();
  const registers = [scraped];
  collectDefaultMetrics({ register: scraped, prefix: 'tenantdesk_' });

  new Gauge({
    name: 'tenantdesk_db_pool_connections',
    help: 'Connections of the PostgreSQL pools by state (busy, idle) and queries waiting for one (waiting); none on the embedded database.',
    labelNames: ['pool', 'state'] as const,
    registers,
    collect() {
      for (const p of database.poolStats()) {
        this.set({ pool: p.pool, state: 'busy' }, p.total - p.idle);
        this.set({ pool: p.pool, state: 'idle' }, p.idle);
        this.set({ pool: p.pool, state: 'waiting' }, p.waiting);
      }
    },
  });

  // One query per scrape for the three job gauges; each gauge's collect awaits the same reading.
  let reading: Promise<Awaited<ReturnType<typeof jobQueueStats>>> | undefined;
  const jobs = () => (reading ??= jobQueueStats(database.system).finally(() => setImmediate(() => (reading = undefined))));
  const jobGauge = (name: string, help: string, value: (row: Awaited<ReturnType<typeof jobQueueStats>>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['name'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await jobs()) this.set({ name: row.name }, value(row));
      },
    });
  jobGauge('tenantdesk_jobs_due', 'Jobs of the pool database due to run and not taken yet (the queue depth), by job name.', (r) => r.due);
  jobGauge('tenantdesk_jobs_oldest_due_age_seconds', 'How long the oldest due job of each name has waited to be taken.', (r) => r.oldestDueAgeSeconds);
  jobGauge('tenantdesk_jobs_dead', 'Jobs that spent their attempts and wait for an operator (tenantdesk jobs), by job name.', (r) => r.dead);

  let behindSince: number | undefined;
  new Gauge({
    name: 'tenantdesk_catalog_version',
    help: 'The catalog version this process serves (source="process") and the one in the database (source="database").',
    labelNames: ['source'] as const,
    registers,
    async collect() {
      const served = catalog.snapshot().version;
      this.set({ source: 'process' }, served);
      const current = await catalogVersion(database).catch(() => undefined);
      if (current !== undefined) this.set({ source: 'database' }, current);
      // An unreachable database counts as behind: this process cannot know it is current.
      if (current === served) behindSince = undefined;
      else behindSince ??= Date.now();
      catalogAge.set(behindSince === undefined ? 0 : (Date.now() - behindSince) / 1000);
    },
  });
  const catalogAge = new Gauge({
    name: 'tenantdesk_catalog_age_seconds',
    help: 'How long the catalog this process serves has been behind the database (or the database unreachable), as seen at scrapes; 0 when current.',
    registers,
  });
  return Registry.merge([processMetrics, scraped]);
}

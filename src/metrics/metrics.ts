import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The counters the domains move as things happen (docs/decisions/0061-prometheus-metrics.md). They
 * live in this process's memory, one registry for the process, and are served on METRICS_PORT with
 * the gauges read at each scrape (metrics/runtime-metrics.ts). No label takes a value from a request
 * (URL, host, address): label sets stay bounded, whatever the traffic. Per-tenant series exist only
 * for the tenants named in METRICS_TENANTS.
 */
export const processMetrics = new Registry();

const registers = [processMetrics];

export const httpRequests = new Counter({
  name: 'tenantdesk_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern (not URL) and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers,
});

export const httpDuration = new Histogram({
  name: 'tenantdesk_http_request_duration_seconds',
  help: 'Time from the request received to the response sent, by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

export const tenantHttpRequests = new Counter({
  name: 'tenantdesk_tenant_http_requests_total',
  help: 'HTTP requests answered at the hosts of the tenants named in METRICS_TENANTS (no other tenant has a series), by status class.',
  labelNames: ['tenant', 'status_class'] as const,
  registers,
});

export const rateLimited = new Counter({
  name: 'tenantdesk_http_rate_limited_total',
  help: 'Requests refused 429 by a tenant API rate limit (all tenants together).',
  registers,
});

export const poolWait = new Histogram({
  name: 'tenantdesk_db_pool_wait_seconds',
  help: 'Time a query waited for a connection of the PostgreSQL pool, by pool (owner: migrations and silo provisioning; system: catalog, sessions, jobs; app: scoped queries).',
  labelNames: ['pool'] as const,
  buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers,
});

export const jobsFailed = new Counter({
  name: 'tenantdesk_jobs_failed_total',
  help: 'Job runs that failed in this process, by job name and what became of the job (queued again, or dead).',
  labelNames: ['name', 'state'] as const,
  registers,
});

export const mailReceived = new Counter({
  name: 'tenantdesk_mail_received_total',
  help: 'Inbound messages taken, by transport and outcome (ticket, reply, quarantined, rejected, duplicate).',
  labelNames: ['transport', 'outcome'] as const,
  registers,
});

export const mailQuarantined = new Counter({
  name: 'tenantdesk_mail_quarantined_total',
  help: 'Inbound messages kept in quarantine (also counted in tenantdesk_mail_received_total), by transport.',
  labelNames: ['transport'] as const,
  registers,
});

export const mailSent = new Counter({
  name: 'tenantdesk_mail_sent_total',
  help: 'Outbound messages handed to the SMTP relay.',
  registers,
});

export const slaBreaches = new Counter({
  name: 'tenantdesk_sla_breaches_total',
  help: 'SLA clocks recorded as breached by the overdue sweeps run in this process.',
  registers,
});

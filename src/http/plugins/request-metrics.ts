import type { FastifyInstance } from 'fastify';
import { httpDuration, httpRequests, rateLimited, tenantHttpRequests } from '../../metrics/metrics.ts';

export type RequestMetricsOptions = {
  /** Tenants (slugs) that get series of their own (METRICS_TENANTS); every other tenant has none. */
  readonly tenants: readonly string[];
};

/**
 * Counts every answered request by method, route pattern and status, with its latency. The route is
 * the pattern Fastify matched (`/api/v1/tickets/:id`), never the URL, and `unmatched` for a 404 no
 * route claimed: no label carries what a client sent, so the series stay bounded under any traffic.
 */
export function requestMetrics(app: FastifyInstance, options: RequestMetricsOptions): void {
  const watched = new Set(options.tenants);
  app.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode === 429) rateLimited.inc();
    // `tenant` is set only under the tenant scope, after the host resolved.
    const slug = (request.tenant as { slug?: string } | null)?.slug;
    if (slug && watched.has(slug)) tenantHttpRequests.inc({ tenant: slug, status_class: `${Math.floor(reply.statusCode / 100)}xx` });
    done();
  });
}

import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export type MetricsServer = { readonly port: number; close(): Promise<void> };

/**
 * GET /metrics in Prometheus text format, on a port of its own (METRICS_PORT, bound to METRICS_HOST,
 * loopback by default): never on the app's port, where every host belongs to a tenant and nothing
 * installation-wide may answer. Anything else is a 404. Plain node:http: no tenant, no hooks, no body.
 */
export async function startMetricsServer(registry: Registry, options: { port: number; host: string }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`Metrics could not be collected: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

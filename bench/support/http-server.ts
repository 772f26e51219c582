import Fastify from 'fastify';
import { registerErrorReplies } from '../../src/http/error-reply.ts';
import { tenantHost } from '../../src/http/plugins/tenant-host.ts';
import { tenantInfoRoutes } from '../../src/http/routes/tenant-info.ts';
import { parseArgs } from './args.ts';
import { pgliteCatalog } from './pglite-catalog.ts';

/**
 * The server side of bench/http-hook.ts, run as a child process so that the load generator and the
 * server do not share one event loop. One Fastify instance, laid out like src/http/app.ts, with the
 * same route twice:
 *   /with/api/v1/tenant  under the real tenantHost() plugin and tenantInfoRoutes (the app's route);
 *   /bare/api/v1/tenant  the same reply schema and body, from a fixed tenant, with no tenant hook.
 * Listens on 127.0.0.1 only, on a free port, which it sends to its parent over IPC; answers 'cpu'
 * with its CPU time so far, so the parent can charge the server's CPU time to each run.
 */
export type ServerReady = { type: 'ready'; port: number; tenants: number; sampleHost: string };
/** Sent in answer to `'cpu'`: the CPU time (user + system) this process has used so far, in µs. */
export type ServerCpu = { type: 'cpu'; micros: number };

const args = parseArgs();
const { catalog, hosts, database } = await pgliteCatalog(args.int('tenants', 10_000));
const fixedTenant = catalog.snapshot().byHost.get(hosts[0]!)!;

const tenantReply = {
  type: 'object',
  properties: { slug: { type: 'string' }, name: { type: 'string' }, serviceProvider: { type: 'boolean' } },
  required: ['slug', 'name', 'serviceProvider'],
} as const;

const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 1024 * 1024, return503OnClosing: true });
registerErrorReplies(app);
await app.register(
  async (scope) => {
    await tenantHost(scope, { catalog, trustProxy: false });
    await scope.register(tenantInfoRoutes);
  },
  { prefix: '/with' },
);
await app.register(
  async (scope) => {
    scope.get('/api/v1/tenant', { schema: { response: { 200: tenantReply } } }, async () => ({
      slug: fixedTenant.slug,
      name: fixedTenant.name,
      serviceProvider: fixedTenant.isServiceProvider,
    }));
  },
  { prefix: '/bare' },
);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('the bench server has no TCP address');

const shutdown = async () => {
  await app.close();
  await database.close();
  process.exit(0);
};
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
process.on('message', (message) => {
  if (message !== 'cpu') return;
  const usage = process.cpuUsage();
  const answer: ServerCpu = { type: 'cpu', micros: usage.user + usage.system };
  process.send?.(answer);
});
const ready: ServerReady = { type: 'ready', port: address.port, tenants: hosts.length, sampleHost: hosts[0]! };
process.send?.(ready);

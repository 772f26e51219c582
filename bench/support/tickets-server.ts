import { openDatabase } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { parseArgs } from './args.ts';

/**
 * The server side of bench/tickets-http.ts, in a child process so that the load generator does not
 * share its event loop: the real app (buildApp, as `tenantdesk serve` builds it, without the web
 * front end or a logger) on a loaded PostgreSQL database, listening on a free port of 127.0.0.1,
 * which it sends to its parent over IPC.
 */
export type TicketsServerReady = { type: 'ready'; port: number };

const args = parseArgs();
const database = await openDatabase({ kind: 'postgres', url: args.string('url', ''), poolMax: args.int('pool', 10) });
const catalog = await Catalog.load(database);
const shards = new Shards(database);
const app = await buildApp({ database, shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('the bench server has no TCP address');

const shutdown = async () => {
  await app.close();
  await shards.close();
  await database.close();
  process.exit(0);
};
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
process.send!({ type: 'ready', port: address.port } satisfies TicketsServerReady);

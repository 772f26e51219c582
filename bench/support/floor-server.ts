import Fastify from 'fastify';
import { parseArgs } from './args.ts';
import { withClient } from './server.ts';

/**
 * The HTTP half of bench/throughput-floor.ts, in a child process like the app's bench server: bare
 * fastify on 127.0.0.1, no database, no validation, no tenancy, answering the two ticket routes with
 * bodies the size of the app's (50 real rows of the bench database, read once at start).
 */
export type FloorServerReady = { type: 'ready'; port: number };

const args = parseArgs();
const rows = await withClient(args.string('url', ''), async (c) => (await c.query('select * from tickets order by created_at desc limit 51')).rows);
const { search: _search, ...ticket } = rows[0] as Record<string, unknown>;
const page = JSON.stringify({ items: rows.slice(0, 50).map(({ search: _s, ...row }) => row), nextCursor: 'WyJjcmVhdGVkIiwiZGVzYyJd' });

const app = Fastify({ logger: false });
app.get('/api/v1/tickets', (_request, reply) => reply.type('application/json').send(page));
app.post('/api/v1/tickets', (request, reply) => reply.code(201).send({ ...ticket, subject: (request.body as { subject?: string }).subject }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('the floor server has no TCP address');
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.send!({ type: 'ready', port: address.port } satisfies FloorServerReady);

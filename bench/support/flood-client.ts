import autocannon from 'autocannon';
import { parseArgs } from './args.ts';

/**
 * The flooding tenant of bench/tenant-flood.ts, in a process of its own (started under `nice`, so
 * that on a shared machine its own CPU time stands for a client elsewhere, not for the server's):
 * `--connections` keep-alive connections sending the same request back to back for `--duration`
 * seconds; reports the answers by status over IPC.
 */
export type FloodReport = { type: 'flood'; requests: number; perSecond: number; byStatus: Record<string, number>; errors: number };

const args = parseArgs();
const result = await autocannon({
  url: `http://127.0.0.1:${args.int('port', 0)}${args.string('path', '/api/v1/tickets?limit=50')}`,
  connections: args.int('connections', 64),
  duration: args.int('duration', 10),
  headers: { host: args.string('host', ''), authorization: `Bearer ${args.string('key', '')}` },
});
const byStatus = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, s]) => [status, (s as { count: number }).count]));
const requests = Object.values(byStatus).reduce((a, b) => a + b, 0);
process.send!({ type: 'flood', requests, perSecond: requests / result.duration, byStatus, errors: result.errors + result.timeouts } satisfies FloodReport, () => process.exit(0));

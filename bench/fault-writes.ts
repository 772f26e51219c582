import { loadavg } from 'node:os';
import { describeFaultWrites, runFaultWrites } from '../test/support/fault-writes.ts';
import { isMain, parseArgs } from './support/args.ts';

/**
 * `npm run bench:faults`: 10,000 ticket creations and replies by concurrent clients with
 * Idempotency-Keys and retries, while `tenantdesk serve` is SIGKILLed at random moments and
 * restarted and its PostgreSQL (a private cluster in a temp directory, never the shared server)
 * restarted once; then every write is checked in the database (test/support/fault-writes.ts).
 * Exits 1 when an acknowledged write is missing or a write is stored twice.
 *   --writes N (10000) --clients N (32) --tenants N (20) --kills N (8) --pg-restarts N (1)
 *   --reply-percent N (50) --stuck-after S (60)
 */
if (isMain(import.meta.url)) {
  const args = parseArgs();
  const load = loadavg().map((n) => n.toFixed(2)).join(', ');
  const report = await runFaultWrites({
    writes: args.int('writes', 10_000),
    clients: args.int('clients', 32),
    tenants: args.int('tenants', 20),
    kills: args.int('kills', 8),
    pgRestarts: args.int('pg-restarts', 1),
    replyShare: args.int('reply-percent', 50) / 100,
    stuckAfterMs: args.int('stuck-after', 60) * 1000,
    log: (line) => console.error(line),
  });
  console.log(`## Faults: acknowledged writes under SIGKILL and a PostgreSQL restart\n\nLoad average at the start: ${load} (2 cores)\n\n${describeFaultWrites(report)}`);
  if (report.lost.length || report.duplicated.length) process.exitCode = 1;
}

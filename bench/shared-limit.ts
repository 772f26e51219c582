import { loadavg } from 'node:os';
import { openDatabase } from '../src/db/database.ts';
import { ApiRateLeases } from '../src/tenancy/api-rate-leases.ts';
import { TokenBuckets } from '../src/tenancy/token-buckets.ts';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { catalogShape, loadCatalog } from './support/fixture.ts';
import { databaseUrl, freshBenchDatabase, runStatement } from './support/server.ts';
import { summarize, table } from './support/stats.ts';

/**
 * What the per-tenant API rate check costs per request, three ways (issue 19,
 * docs/decisions/0060-shared-tenant-rate-limit.md), in process with perf_hooks on PostgreSQL:
 *   memory     the per-process token bucket of before (TokenBuckets): not installation-wide
 *   lease 20   the shared bucket in PostgreSQL, taken 20 tokens at a time (ApiRateLeases, the default)
 *   lease 1    the shared bucket, one round trip per request (exact, no lease)
 * each at 1 and 32 checks in flight, over `--tenants` tenants picked at random, in rotating order
 * for `--rounds` rounds. The rate is high enough that nothing is refused: the cost of serving.
 */
type Mode = 'memory' | 'lease 20' | 'lease 1';

const args = parseArgs();
const adminUrl = benchServerUrl(args);
const name = args.string('database', 'td_bench_shared_limit');
const checks = args.int('checks', 5000);
const rounds = args.int('rounds', 3);
const tenants = args.int('tenants', 100);

export async function runSharedLimit(): Promise<string> {
  const created = await freshBenchDatabase(adminUrl, name);
  await loadCatalog(created.owner, catalogShape(tenants));
  await created.close();
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(adminUrl, name), poolMax: 10 });
  const rate = 1e9;
  const samples = new Map<string, number[]>();
  try {
    const memory = new TokenBuckets();
    const leases: Record<Exclude<Mode, 'memory'>, ApiRateLeases> = { 'lease 20': new ApiRateLeases(database, { maxLease: 20 }), 'lease 1': new ApiRateLeases(database, { maxLease: 1 }) };
    const take = (mode: Mode, tenant: number) => (mode === 'memory' ? memory.take(tenant, rate, rate) : leases[mode].take(tenant, rate, rate));
    const modes: Mode[] = ['memory', 'lease 20', 'lease 1'];
    for (let round = 0; round < rounds; round++) {
      for (const mode of [...modes.slice(round % 3), ...modes.slice(0, round % 3)]) {
        for (const inFlight of [1, 32]) {
          let next = 0;
          const started = performance.now();
          await Promise.all(
            Array.from({ length: inFlight }, async () => {
              while (next++ < checks) await take(mode, 1 + Math.floor(Math.random() * tenants));
            }),
          );
          const perCheckUs = ((performance.now() - started) * 1000) / checks;
          const key = `${mode}|${inFlight}`;
          samples.set(key, [...(samples.get(key) ?? []), perCheckUs]);
          console.error(`[shared-limit] round ${round + 1} ${mode} x${inFlight}: ${perCheckUs.toFixed(2)} µs per check`);
        }
      }
    }
  } finally {
    await database.close();
    await runStatement(adminUrl, `drop database if exists ${name} with (force)`);
  }
  const rows = [...samples].map(([key, values]) => {
    const [mode, inFlight] = key.split('|');
    const s = summarize(values);
    return [mode!, inFlight!, s.median.toFixed(2), s.min.toFixed(2), s.max.toFixed(2)];
  });
  return [
    `## Per-tenant rate check, µs of wall time per check (${checks} checks per run, ${rounds} rounds, ${tenants} tenants, load average ${loadavg()[0]!.toFixed(1)})`,
    '',
    table(['mode', 'in flight', 'median µs', 'min', 'max'], rows),
  ].join('\n');
}

if (isMain(import.meta.url)) console.log(await runSharedLimit());

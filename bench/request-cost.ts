import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { openDatabase } from '../src/db/database.ts';
import { buildApp } from '../src/http/app.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { isMain, parseArgs } from './support/args.ts';
import { hostOf } from './support/fixture.ts';
import { table } from './support/stats.ts';
import { keyOf, prepare, ticketsHttpOptionsFromArgs } from './tickets-http.ts';
import { databaseUrl } from './support/server.ts';
import { countStatements } from './support/statement-count.ts';
import { serverCpu } from './support/server-cpu.ts';
import { summarizeProfile } from './profile-summary.ts';

/**
 * What one request costs the server, whatever else the machine is doing: the statements it sends
 * to PostgreSQL (each a network round trip; BEGIN and COMMIT included) and its CPU time, for ticket
 * creation and the 50-row queue, one request at a time through `app.inject` (no sockets, no load
 * generator sharing the process). Statement counts are exact; CPU time moves a little with the
 * machine's load. Uses the td_bench_tickets database of bench/tickets-http.ts (`--reuse` keeps it).
 */
type Cost = { kind: string; requests: number; statements: number; transactions: number; cpuMs: number; dbCpuMs: number | null; wallMs: number };
type CostOptions = {
  url: string;
  tenants: number;
  requests: number;
  preparedStatements?: boolean;
  /** Profile each measured loop (not the start-up) into this folder: `<kind>.cpuprofile` and `<kind>.txt` (bench/profile-summary.ts). */
  cpuProfileDir?: string | undefined;
};

export async function measureRequestCost(options: CostOptions): Promise<Cost[]> {
  const database = await openDatabase({ kind: 'postgres', url: options.url, poolMax: 4, preparedStatements: options.preparedStatements ?? true });
  const catalog = await Catalog.load(database);
  const shards = new Shards(database);
  const app = await buildApp({ database, shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false });
  const tenantIds = [...catalog.snapshot().byId.keys()].filter((id) => catalog.snapshot().byId.get(id)!.slug !== 'sp');
  const send = (kind: 'create' | 'list', i: number) => {
    const tenant = tenantIds[i % Math.min(tenantIds.length, options.tenants)]!;
    const headers = { host: hostOf(tenant), authorization: `Bearer ${keyOf(tenant)}`, 'content-type': 'application/json' };
    return kind === 'create'
      ? app.inject({ method: 'POST', url: '/api/v1/tickets', headers, payload: JSON.stringify({ subject: `Cost ${i}`, body: '<p>The printer jams again.</p>' }) })
      : app.inject({ method: 'GET', url: '/api/v1/tickets?limit=50', headers });
  };
  const costs: Cost[] = [];
  const counter = countStatements();
  try {
    for (const kind of ['create', 'list'] as const) {
      for (let i = 0; i < 20; i++) await send(kind, i); // warm-up: caches, JIT, pool connections
      if (process.env.COST_TRACE) {
        console.error(`-- one ${kind}`);
        await send(kind, 1);
      }
      counter.reset();
      const profile = options.cpuProfileDir ? await startProfile() : undefined;
      const cpu = process.cpuUsage();
      const dbCpu = serverCpu(new URL(options.url).pathname.slice(1));
      const started = performance.now();
      for (let i = 0; i < options.requests; i++) {
        const res = await send(kind, i);
        if (res.statusCode >= 300) throw new Error(`${kind}: ${res.statusCode} ${res.body}`);
      }
      const used = process.cpuUsage(cpu);
      if (profile) await profile.stop(join(options.cpuProfileDir!, kind));
      const dbSeconds = dbCpu.stop();
      const n = options.requests;
      const dbCpuMs = dbSeconds === null ? null : (dbSeconds * 1000) / n;
      costs.push({ kind, requests: n, statements: counter.statements / n, transactions: counter.transactions / n, cpuMs: (used.user + used.system) / 1000 / n, dbCpuMs, wallMs: (performance.now() - started) / n });
    }
  } finally {
    counter.stop();
    await app.close();
    await shards.close();
    await database.close();
  }
  return costs;
}

/** The V8 profiler of this process, started now (node:inspector); `stop` writes the profile and its summary. */
async function startProfile(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.cpuprofile`, JSON.stringify(profile));
      writeFileSync(`${path}.txt`, `${summarizeProfile(profile as Parameters<typeof summarizeProfile>[0])}\n`);
    },
  };
}

export function reportRequestCost(costs: Cost[]): string {
  return table(
    ['request', 'requests', 'statements / request', 'transactions / request', 'server CPU ms / request', 'PostgreSQL CPU ms / request', 'wall ms / request'],
    costs.map((c) => [c.kind, String(c.requests), c.statements.toFixed(1), c.transactions.toFixed(1), c.cpuMs.toFixed(2), c.dbCpuMs?.toFixed(2) ?? 'n/a', c.wallMs.toFixed(2)]),
  );
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const options = ticketsHttpOptionsFromArgs(args);
  await prepare({ ...options, reuse: true });
  const base = { url: databaseUrl(options.adminUrl, options.database), tenants: options.tenants, requests: args.int('requests', 300), cpuProfileDir: options.cpuProfileDir };
  if (args.flag('compare-prepared')) {
    // Alternated twice, so that a change in the machine's load falls on both variants.
    for (const preparedStatements of [false, true, true, false]) {
      console.log(`prepared statements ${preparedStatements ? 'on' : 'off'}:`);
      console.log(reportRequestCost(await measureRequestCost({ ...base, preparedStatements })));
    }
  } else console.log(reportRequestCost(await measureRequestCost(base)));
}

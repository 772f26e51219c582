import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { apiKeyOf, dropDesk, loadDesk } from './support/desk-load.ts';
import { startDesk, type DeskProcess } from './support/desk-process.ts';
import { hostOf } from './support/fixture.ts';
import type { FloodReport } from './support/flood-client.ts';
import { httpClient, openLoop, type HttpClient, type Job } from './support/load-driver.ts';
import { databaseUrl } from './support/server.ts';
import { fixed, table } from './support/stats.ts';

/**
 * Target: one tenant flooding the API (and getting 429s) leaves the other tenants' p95 latency
 * within 20% of what it is without the flood.
 *
 * On PostgreSQL, a desk of `--tenants` tenants (support/desk-load.ts) served by `tenantdesk serve`
 * with TENANT_API_RATE=`--api-rate` and TENANT_API_BURST=`--api-burst`. Normal traffic: an open
 * loop of `--rate` requests a second, each the 50-ticket queue of a random tenant other than the
 * flooder (its agent's API key). Flood: tenant 2's queue requested back to back on
 * `--connections` connections by a separate, niced process (support/flood-client.ts). Each round
 * measures the normal traffic for `--duration` seconds alone and with the flood, in alternating
 * order; the ratio compares the medians of the rounds' p95s. `--control 1` adds a round on a server
 * without limits (TENANT_API_RATE=0), to show what the same flood does when it is served.
 */
export type FloodOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  tickets: number;
  rate: number;
  duration: number;
  rounds: number;
  connections: number;
  apiRate: number;
  apiBurst: number;
  control: boolean;
  keep: boolean;
  reuse: boolean;
};

type Run = { label: string; flood: boolean; requests: number; errors: number; p50: number; p95: number; p99: number; flooded?: FloodReport; load: number; serverErrors?: number };

const FLOOD_CLIENT = fileURLToPath(new URL('./support/flood-client.ts', import.meta.url));
const FLOODER = 2;
const log = (line: string) => console.error(`[tenant-flood] ${line}`);

function normalJob(client: HttpClient, tenants: number): Job {
  const tenant = FLOODER + 1 + Math.floor(Math.random() * (tenants - FLOODER));
  return {
    kind: 'queue',
    run: async () => {
      const res = await client.send('GET', '/api/v1/tickets?limit=50', { host: hostOf(tenant), authorization: `Bearer ${apiKeyOf(tenant)}` });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    },
  };
}

/** The flooding process for `seconds`; resolves with what it was answered. */
function flood(desk: DeskProcess, options: FloodOptions, seconds: number): Promise<FloodReport> {
  const args = [`--port=${desk.port}`, `--host=${hostOf(FLOODER)}`, `--key=${apiKeyOf(FLOODER)}`, `--connections=${options.connections}`, `--duration=${seconds}`];
  const child = spawn('nice', ['-n', '19', process.execPath, '--import', 'tsx', FLOOD_CLIENT, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.on('message', (m) => resolve(m as FloodReport));
    child.once('exit', (code) => code !== 0 && reject(new Error(`the flood client exited with ${String(code)}`)));
  });
}

async function measure(desk: DeskProcess, client: HttpClient, options: FloodOptions, label: string, withFlood: boolean): Promise<Run> {
  const flooding = withFlood ? flood(desk, options, options.duration + 3) : undefined;
  if (flooding) await new Promise((resolve) => setTimeout(resolve, 2000)); // the flood is at full speed first
  const load = loadavg()[0]!;
  const result = await openLoop({ rate: options.rate, durationMs: options.duration * 1000, windowMs: options.duration * 1000 + 1, next: () => normalJob(client, options.tenants) });
  const flooded = await flooding;
  const w = result.windows[0]!;
  const run: Run = { label, flood: withFlood, requests: w.count, errors: w.errors, p50: w.p50, p95: w.p95, p99: w.p99, load, ...(flooded ? { flooded } : {}) };
  log(`${label} ${withFlood ? 'with flood' : 'alone'}: p95 ${fixed(run.p95, 1)} ms, ${run.errors} errors${flooded ? `, flood ${Math.round(flooded.perSecond)} req/s ${JSON.stringify(flooded.byStatus)}` : ''}`);
  return run;
}

async function rounds(url: string, options: FloodOptions, limits: { rate: number; burst: number }, count: number, label: string): Promise<Run[]> {
  const desk = await startDesk(url, { TENANT_API_RATE: String(limits.rate), TENANT_API_BURST: String(limits.burst), JOB_RUNNER: 'false' });
  const client = httpClient(desk.port);
  const runs: Run[] = [];
  try {
    log(`${label}: warm-up`);
    await openLoop({ rate: options.rate, durationMs: 5000, windowMs: 5000, next: () => normalJob(client, options.tenants) });
    for (let i = 0; i < count; i++) {
      // Alternating order, so that a change of the machine's load hits both sides.
      for (const withFlood of i % 2 === 0 ? [false, true] : [true, false]) runs.push(await measure(desk, client, options, `${label} ${i + 1}`, withFlood));
    }
    for (const line of desk.logged.errors.slice(0, 5)) log(`server error: ${line}`);
    if (desk.logged.errors.length) runs.at(-1)!.serverErrors = desk.logged.errors.length;
  } finally {
    client.close();
    await desk.stop();
  }
  return runs;
}

export async function runTenantFlood(options: FloodOptions): Promise<{ limited: Run[]; control: Run[] }> {
  const url = options.reuse ? databaseUrl(options.adminUrl, options.database) : await loadDesk({ adminUrl: options.adminUrl, database: options.database, tenants: options.tenants, ticketsPerTenant: options.tickets }, log);
  try {
    const limited = await rounds(url, options, { rate: options.apiRate, burst: options.apiBurst }, options.rounds, 'limited');
    const control = options.control ? await rounds(url, options, { rate: 0, burst: 1 }, 1, 'no limit') : [];
    return { limited, control };
  } finally {
    if (!options.keep) await dropDesk(options);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export function reportTenantFlood(options: FloodOptions, result: { limited: Run[]; control: Run[] }): string {
  const rows = [...result.limited, ...result.control].map((r) => [
    r.label,
    r.flood ? 'flood' : 'alone',
    String(r.requests),
    String(r.errors),
    fixed(r.p50, 1),
    fixed(r.p95, 1),
    fixed(r.p99, 1),
    r.flooded ? String(Math.round(r.flooded.perSecond)) : '',
    r.flooded ? String(r.flooded.byStatus['200'] ?? 0) : '',
    r.flooded ? String(r.flooded.byStatus['429'] ?? 0) : '',
    fixed(r.load, 2),
    String(r.serverErrors ?? 0),
  ]);
  const p95 = (runs: Run[], flood: boolean) => median(runs.filter((r) => r.flood === flood).map((r) => r.p95));
  const ratio = p95(result.limited, true) / p95(result.limited, false);
  const lines = [
    `## Tenant flood (${options.tenants} tenants; normal traffic ${options.rate} req/s for ${options.duration} s per run; flood: ${options.connections} connections; limits ${options.apiRate}/s, burst ${options.apiBurst})`,
    '',
    table(['run', 'phase', 'normal requests', 'normal errors', 'p50 ms', 'p95 ms', 'p99 ms', 'flood req/s', 'flood 200', 'flood 429', 'load (1 min)', 'server errors'], rows),
    '',
    `Normal tenants' p95, median of ${options.rounds} runs: alone ${fixed(p95(result.limited, false), 1)} ms, during the flood ${fixed(p95(result.limited, true), 1)} ms: ` +
      `ratio ${ratio.toFixed(3)} (target <= 1.2: **${ratio <= 1.2 ? 'met' : 'missed'}**).`,
  ];
  if (result.control.length) {
    const c = p95(result.control, true) / p95(result.control, false);
    lines.push('', `Without limits (control): alone ${fixed(p95(result.control, false), 1)} ms, during the flood ${fixed(p95(result.control, true), 1)} ms: ratio ${c.toFixed(3)}.`);
  }
  return lines.join('\n');
}

export function floodOptionsFromArgs(args = parseArgs()): FloodOptions {
  return {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_flood'),
    tenants: args.int('tenants', 1000),
    tickets: args.int('tickets', 20),
    rate: args.int('rate', 20),
    duration: args.int('duration', 15),
    rounds: args.int('rounds', 5),
    connections: args.int('connections', 64),
    apiRate: args.int('api-rate', 2),
    apiBurst: args.int('api-burst', 5),
    control: args.int('control', 1) === 1,
    keep: args.flag('keep'),
    reuse: args.flag('reuse'),
  };
}

if (isMain(import.meta.url)) {
  const options = floodOptionsFromArgs();
  console.log(reportTenantFlood(options, await runTenantFlood(options)));
}

import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { startDesk, type DeskProcess } from './support/desk-process.ts';
import { runStatement } from './support/server.ts';
import { serverCpu } from './support/server-cpu.ts';
import { table } from './support/stats.ts';
import { cpuOf, load, prepare } from './tickets-http.ts';

/**
 * Ticket creation and queue listing with 1, 2 and 3 `tenantdesk serve` processes on one PostgreSQL
 * database (issue 19): where the ceiling moves, Node or PostgreSQL. The database of
 * bench/tickets-http.ts (td_bench_processes by default), loaded once; for each count of processes,
 * that many real servers (bin/tenantdesk.js, TENANT_API_RATE=0, no job runner) and one autocannon
 * per process sharing the connections, each request to a random tenant with its key. Per figure:
 * requests/s, p50/p99, and CPU seconds per second of each server process and of the PostgreSQL
 * backends of the database (from /proc: this machine only), so a process count that leaves Node
 * idle while PostgreSQL is busy shows where the limit is.
 */
export type ProcessesOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  tickets: number;
  duration: number;
  warmup: number;
  connections: number;
  processes: number[];
  pool: number;
  keep: boolean;
  reuse: boolean;
};

export type ProcessesResult = {
  kind: 'create' | 'list';
  processes: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU seconds per wall second of each server process. */
  nodeCpu: number[];
  /** CPU seconds per wall second of the database's PostgreSQL backends; null when not on this machine. */
  pgCpu: number | null;
  load: number;
};

/** One figure: the connections spread over the processes, all loaded at once. */
async function measure(desks: DeskProcess[], kind: ProcessesResult['kind'], options: ProcessesOptions): Promise<ProcessesResult> {
  const share = (i: number) => Math.floor(options.connections / desks.length) + (i < options.connections % desks.length ? 1 : 0);
  const cpuBefore = desks.map((d) => cpuOf(d.pid));
  const pg = serverCpu(options.database);
  const started = performance.now();
  const results = await Promise.all(desks.map((d, i) => load(d.port, kind, share(i), options.duration, options.tenants)));
  const wall = (performance.now() - started) / 1000;
  const pgSeconds = pg.stop();
  const weighted = (pick: (r: autocannon.Result) => number) => results.reduce((s, r) => s + pick(r) * r.requests.total, 0) / Math.max(1, results.reduce((s, r) => s + r.requests.total, 0));
  return {
    kind,
    processes: desks.length,
    rps: results.reduce((s, r) => s + r.requests.average, 0),
    // Across processes: weighted by requests (an approximation of the merged percentile).
    p50: weighted((r) => r.latency.p50),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
    nodeCpu: desks.map((d, i) => (cpuOf(d.pid) - cpuBefore[i]!) / wall),
    pgCpu: pgSeconds === null ? null : pgSeconds / wall,
    load: loadavg()[0]!,
  };
}

export async function runProcesses(options: ProcessesOptions): Promise<ProcessesResult[]> {
  const url = await prepare(options);
  const results: ProcessesResult[] = [];
  try {
    for (const count of options.processes) {
      const desks: DeskProcess[] = [];
      try {
        for (let i = 0; i < count; i++) desks.push(await startDesk(url, { TENANT_API_RATE: '0', JOB_RUNNER: 'false', DB_POOL_MAX: String(options.pool) }));
        for (const kind of ['create', 'list'] as const) {
          console.error(`[processes] ${count} process(es), ${kind}: warm-up ${options.warmup} s`);
          await Promise.all(desks.map((d) => load(d.port, kind, 2, options.warmup, options.tenants)));
          const result = await measure(desks, kind, options);
          console.error(`[processes] ${count} x ${kind}: ${Math.round(result.rps)} req/s, node CPU ${result.nodeCpu.map((c) => c.toFixed(2)).join('+')}, PostgreSQL ${result.pgCpu?.toFixed(2) ?? '?'}`);
          results.push(result);
        }
      } finally {
        await Promise.all(desks.map((d) => d.stop()));
      }
    }
  } finally {
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
  return results;
}

export function reportProcesses(options: ProcessesOptions, results: ProcessesResult[]): string {
  const rows = results.map((r) => [
    r.kind,
    String(r.processes),
    String(Math.round(r.rps)),
    r.p50.toFixed(1),
    String(r.p99),
    r.nodeCpu.map((c) => c.toFixed(2)).join(' + '),
    r.pgCpu === null ? 'n/a' : r.pgCpu.toFixed(2),
    `${r.non2xx}/${r.errors}`,
    r.load.toFixed(1),
  ]);
  return [
    `## Several processes (${options.tenants} tenants, ${options.tickets} tickets, ${options.connections} connections in all, ${options.duration} s per figure, pool of ${options.pool} per process)`,
    '',
    table(['run', 'processes', 'requests/s', 'p50 ms', 'p99 ms (max)', 'Node CPU s/s per process', 'PostgreSQL CPU s/s', 'non-2xx/errors', 'load (1 min)'], rows),
  ].join('\n');
}

export function processesOptionsFromArgs(args = parseArgs()): ProcessesOptions {
  return {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_processes'),
    tenants: args.int('tenants', 200),
    tickets: args.int('tickets', 20_000),
    duration: args.int('duration', 5),
    warmup: args.int('warmup', 2),
    connections: args.int('connections', 24),
    processes: args.string('processes', '1,2,3').split(',').map(Number),
    pool: args.int('pool', 10),
    keep: args.flag('keep'),
    reuse: args.flag('reuse'),
  };
}

if (isMain(import.meta.url)) {
  const options = processesOptionsFromArgs();
  console.log(reportProcesses(options, await runProcesses(options)));
}

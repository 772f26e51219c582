import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { isMain, parseArgs } from './support/args.ts';
import { hostOf } from './support/fixture.ts';
import type { ServerCpu, ServerReady } from './support/http-server.ts';
import { fixed, meanCi95, shuffled, summarize, table, type Summary } from './support/stats.ts';

/**
 * Host resolution seen from outside: the same Fastify route with and without the tenant hook
 * (bench/support/http-server.ts, a child process on 127.0.0.1), loaded with autocannon from this
 * process in alternating runs (with, without, without, with, ...) of a bounded duration. Every
 * request carries the Host header of one of the N tenants, in a shuffled order (the route without
 * the hook gets the same headers, so both sides pay the same client and parsing cost).
 *
 * Two per-request figures for each run:
 *  - server CPU time per request: the server process's CPU time (user + system, process.cpuUsage())
 *    during the run divided by the requests served. It is charged only to the server process, so it
 *    is the figure least disturbed by other load on a shared machine;
 *  - wall time per request: 1 / throughput (the server is saturated by the connections).
 * The hook's cost is the difference, with - without, taken pair by pair.
 */
export type HttpHookOptions = { tenants: number; runs: number; duration: number; warmup: number; connections: number };

type Variant = 'with' | 'bare';
type Run = {
  variant: Variant;
  requests: number;
  rps: number;
  wallUs: number;
  cpuUs: number;
  latencyMeanMs: number;
  latencyP99Ms: number;
};

export type HttpHookResult = {
  options: HttpHookOptions;
  runs: Run[];
  cpuWith: Summary;
  cpuWithout: Summary;
  wallWith: Summary;
  wallWithout: Summary;
  /** Per pair of runs, with - without, µs per request. */
  cpuDiffUs: Summary;
  wallDiffUs: Summary;
  cpuDiffCi: { mean: number; half: number };
  wallDiffCi: { mean: number; half: number };
};

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SERVER = fileURLToPath(new URL('./support/http-server.ts', import.meta.url));

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && 'type' in message && message.type === type;

async function startServer(tenants: number): Promise<{ child: ChildProcess; ready: ServerReady }> {
  const child = fork(SERVER, [`--tenants=${tenants}`], { cwd: REPO, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.on('message', (message) => {
      if (isMessage<ServerReady>(message, 'ready')) resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited (${String(code)}) before listening`)));
  });
  return { child, ready };
}

function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isMessage<ServerCpu>(message, 'cpu')) return;
      child.off('message', onMessage);
      resolve(message.micros);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
}

async function load(child: ChildProcess, port: number, variant: Variant, hosts: readonly string[], seconds: number, connections: number): Promise<Run> {
  const cpuBefore = await serverCpu(child);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/${variant}/api/v1/tenant`,
    connections,
    duration: seconds,
    // Static requests: autocannon builds each one's bytes once and cycles through them.
    requests: hosts.map((host) => ({ headers: { host } })),
  });
  const cpuAfter = await serverCpu(child);
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${variant}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`);
  }
  const requests = result.requests.total;
  const rps = requests / result.duration;
  return {
    variant,
    requests,
    rps,
    wallUs: 1e6 / rps,
    cpuUs: (cpuAfter - cpuBefore) / requests,
    latencyMeanMs: result.latency.mean,
    latencyP99Ms: result.latency.p99,
  };
}

export async function runHttpHook(options: HttpHookOptions): Promise<HttpHookResult> {
  const { child, ready } = await startServer(options.tenants);
  try {
    const hosts = shuffled(Array.from({ length: ready.tenants }, (_, i) => hostOf(i + 1)));
    // Warm both routes up (JIT, connections); discarded.
    await load(child, ready.port, 'with', hosts, options.warmup, options.connections);
    await load(child, ready.port, 'bare', hosts, options.warmup, options.connections);
    const runs: Run[] = [];
    const cpuDiff: number[] = [];
    const wallDiff: number[] = [];
    for (let pair = 0; pair < options.runs; pair++) {
      const order: Variant[] = pair % 2 === 0 ? ['with', 'bare'] : ['bare', 'with'];
      const done: Run[] = [];
      for (const variant of order) done.push(await load(child, ready.port, variant, hosts, options.duration, options.connections));
      const withHook = done.find((r) => r.variant === 'with')!;
      const bare = done.find((r) => r.variant === 'bare')!;
      cpuDiff.push(withHook.cpuUs - bare.cpuUs);
      wallDiff.push(withHook.wallUs - bare.wallUs);
      runs.push(...done);
    }
    const of = (v: Variant) => runs.filter((r) => r.variant === v);
    return {
      options,
      runs,
      cpuWith: summarize(of('with').map((r) => r.cpuUs)),
      cpuWithout: summarize(of('bare').map((r) => r.cpuUs)),
      wallWith: summarize(of('with').map((r) => r.wallUs)),
      wallWithout: summarize(of('bare').map((r) => r.wallUs)),
      cpuDiffUs: summarize(cpuDiff),
      wallDiffUs: summarize(wallDiff),
      cpuDiffCi: meanCi95(cpuDiff),
      wallDiffCi: meanCi95(wallDiff),
    };
  } finally {
    await stopServer(child);
  }
}

export function reportHttpHook(r: HttpHookResult): string {
  const o = r.options;
  const diff = (s: Summary, ci: { mean: number; half: number }) =>
    `mean ${fixed(ci.mean, 2)} ± ${fixed(ci.half, 2)} µs (95% CI), median ${fixed(s.median, 2)}, pairs ${fixed(s.min, 2)} .. ${fixed(s.max, 2)}`;
  return [
    `### Host resolution over HTTP (autocannon, loopback), ${o.tenants} tenants/hosts`,
    '',
    `${o.runs} pairs of ${o.duration} s runs (order alternating), ${o.connections} connections, after ${o.warmup} s of warm-up per route.`,
    '',
    table(
      ['run', 'route', 'req/s', 'server CPU µs/req', 'wall µs/req (1/throughput)', 'mean latency ms', 'p99 latency ms'],
      r.runs.map((run, i) => [
        String(i + 1),
        run.variant === 'with' ? 'with tenant hook' : 'without hook',
        fixed(run.rps, 0),
        fixed(run.cpuUs, 2),
        fixed(run.wallUs, 2),
        fixed(run.latencyMeanMs, 3),
        fixed(run.latencyP99Ms, 3),
      ]),
    ),
    '',
    table(
      ['µs per request', 'with hook (median)', 'without (median)', 'difference, per pair'],
      [
        ['server CPU time', fixed(r.cpuWith.median, 2), fixed(r.cpuWithout.median, 2), diff(r.cpuDiffUs, r.cpuDiffCi)],
        ['wall time (1/throughput)', fixed(r.wallWith.median, 2), fixed(r.wallWithout.median, 2), diff(r.wallDiffUs, r.wallDiffCi)],
      ],
    ),
    '',
    `The tenant hook adds ${fixed(r.cpuDiffCi.mean / 1000, 4)} ms ± ${fixed(r.cpuDiffCi.half / 1000, 4)} ms of server CPU per request ` +
      `(${fixed(r.wallDiffCi.mean / 1000, 4)} ± ${fixed(r.wallDiffCi.half / 1000, 4)} ms by throughput); target < 0.05 ms: ` +
      `${r.cpuDiffCi.mean + r.cpuDiffCi.half < 50 ? 'PASS (upper bound of the CPU interval under 50 µs)' : 'not shown at this noise level'}.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const result = await runHttpHook({
    tenants: args.int('tenants', 10_000),
    runs: args.int('runs', 6),
    duration: args.int('duration', 5),
    warmup: args.int('warmup', 2),
    connections: args.int('connections', 10),
  });
  console.log(reportHttpHook(result));
}

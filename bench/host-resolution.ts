import { createHistogram, performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestHost, tenantHost } from '../src/http/plugins/tenant-host.ts';
import type { Catalog } from '../src/tenancy/catalog/catalog.ts';
import type { TenantInfo } from '../src/tenancy/catalog/snapshot.ts';
import { isMain, parseArgs } from './support/args.ts';
import { pgliteCatalog } from './support/pglite-catalog.ts';
import { fixed, shuffled, summarize, table, type Summary } from './support/stats.ts';

/**
 * Target: host resolution adds under 0.05 ms (50,000 ns) per request when cached.
 *
 * Measures, with perf_hooks, what the onRequest hook of src/http/plugins/tenant-host.ts does for
 * each request: requestHost() (header read + normaliseHost) and catalog.snapshot().byHost lookup,
 * over a catalog of N tenants/hosts loaded through the real Catalog, visiting hosts in a shuffled
 * order. Three views:
 *  - batched: B calls between two performance.now() readings, per-call = elapsed / B (no timer cost);
 *  - single calls: each call timed alone into a perf_hooks histogram (includes ~tens of ns of timer cost,
 *    reported next to an empty-timing baseline);
 *  - the registered hook itself, awaited as Fastify awaits an async hook (adds the promise).
 */
export const TARGET_NS = 50_000;

export type HostResolutionOptions = { tenants: number; rounds: number; batch: number; singles: number };

export type HostResolutionResult = {
  tenants: number;
  catalogLoadMs: number;
  refreshMs: Summary;
  batchedNs: Summary;
  loopOnlyNs: Summary;
  hookAwaitedNs: Summary;
  singleNs: { p50: number; p99: number; mean: number };
  timerOnlyNs: { p50: number; p99: number; mean: number };
  pass: boolean;
};

type OnRequest = (request: FastifyRequest) => Promise<void>;

/** The hook exactly as tenantHost() registers it, captured from a stand-in for the Fastify instance. */
async function registeredHook(catalog: Catalog): Promise<OnRequest> {
  let hook: OnRequest | undefined;
  const stand = {
    decorateRequest: () => stand,
    addHook: (name: string, fn: OnRequest) => {
      if (name === 'onRequest') hook = fn;
      return stand;
    },
  };
  await tenantHost(stand as unknown as FastifyInstance, { catalog, trustProxy: false });
  if (!hook) throw new Error('tenantHost() registered no onRequest hook');
  return hook;
}

/** The hook's body, synchronously: what a request pays to learn its tenant. */
function resolve(catalog: Catalog, request: FastifyRequest): TenantInfo {
  const host = requestHost(request, false);
  const tenant = host ? catalog.snapshot().byHost.get(host) : undefined;
  if (!tenant || tenant.status !== 'active') throw new Error(`host ${String(request.headers.host)} did not resolve`);
  return tenant;
}

/** Only what the hook reads from a request (its headers); a full FastifyRequest is not needed. */
const fakeRequest = (host: string): FastifyRequest => ({ headers: { host } }) as unknown as FastifyRequest;

export async function runHostResolution(options: HostResolutionOptions): Promise<HostResolutionResult> {
  const { database, catalog, hosts, loadMs } = await pgliteCatalog(options.tenants);
  try {
    const requests = shuffled(hosts).map(fakeRequest);
    const count = requests.length;
    let sink = 0;
    let cursor = 0;

    // Warm-up: let V8 optimise every path measured below.
    for (let i = 0; i < 200_000; i++) sink += resolve(catalog, requests[i % count]!).id;

    const batched: number[] = [];
    const loopOnly: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      let t0 = performance.now();
      for (let i = 0; i < options.batch; i++) {
        sink += resolve(catalog, requests[cursor]!).id;
        cursor = cursor + 1 === count ? 0 : cursor + 1;
      }
      batched.push(((performance.now() - t0) * 1e6) / options.batch);
      // The same loop without the resolution, to show what the loop itself costs.
      t0 = performance.now();
      for (let i = 0; i < options.batch; i++) {
        sink += requests[cursor]!.headers.host!.length;
        cursor = cursor + 1 === count ? 0 : cursor + 1;
      }
      loopOnly.push(((performance.now() - t0) * 1e6) / options.batch);
    }

    // Single calls, each timed alone (hrtime into a perf_hooks histogram, in ns).
    const single = createHistogram();
    const timerOnly = createHistogram();
    for (let i = 0; i < options.singles; i++) {
      const request = requests[cursor]!;
      cursor = cursor + 1 === count ? 0 : cursor + 1;
      const a = process.hrtime.bigint();
      sink += resolve(catalog, request).id;
      const b = process.hrtime.bigint();
      single.record(Math.max(1, Number(b - a)));
      const c = process.hrtime.bigint();
      const d = process.hrtime.bigint();
      timerOnly.record(Math.max(1, Number(d - c)));
    }

    // The registered hook, awaited batch by batch as Fastify awaits it.
    const hook = await registeredHook(catalog);
    for (let i = 0; i < 50_000; i++) await hook(requests[i % count]!);
    const hookAwaited: number[] = [];
    for (let round = 0; round < Math.max(1, Math.floor(options.rounds / 4)); round++) {
      const t0 = performance.now();
      for (let i = 0; i < options.batch; i++) {
        await hook(requests[cursor]!);
        cursor = cursor + 1 === count ? 0 : cursor + 1;
      }
      hookAwaited.push(((performance.now() - t0) * 1e6) / options.batch);
    }

    // What a catalog change costs this process: reloading the whole snapshot (embedded database).
    const refresh: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await catalog.refresh();
      refresh.push(performance.now() - t0);
    }

    if (sink === 0) console.log('(sink)'); // keeps the measured work observable
    const batchedNs = summarize(batched);
    return {
      tenants: options.tenants,
      catalogLoadMs: loadMs,
      refreshMs: summarize(refresh),
      batchedNs,
      loopOnlyNs: summarize(loopOnly),
      hookAwaitedNs: summarize(hookAwaited),
      singleNs: { p50: single.percentile(50), p99: single.percentile(99), mean: single.mean },
      timerOnlyNs: { p50: timerOnly.percentile(50), p99: timerOnly.percentile(99), mean: timerOnly.mean },
      pass: batchedNs.p95 < TARGET_NS && single.percentile(99) < TARGET_NS,
    };
  } finally {
    await database.close();
  }
}

export function reportHostResolution(r: HostResolutionResult): string {
  const row = (label: string, s: Summary) => [label, fixed(s.median, 1), fixed(s.p95, 1), fixed(s.mean, 1)];
  return [
    `### Host resolution, in process (perf_hooks), ${r.tenants} tenants/hosts`,
    '',
    `Catalog of ${r.tenants} tenants loaded into PGlite and the Catalog in ${fixed(r.catalogLoadMs, 0)} ms; ` +
      `a full snapshot reload (after a catalog change) takes ${fixed(r.refreshMs.median, 1)} ms (median of ${r.refreshMs.n}).`,
    '',
    table(
      ['per call, ns', 'median', 'p95', 'mean'],
      [
        row('requestHost + snapshot().byHost (batched)', r.batchedNs),
        row('loop only, no resolution (batched)', r.loopOnlyNs),
        row('registered onRequest hook, awaited (batched)', r.hookAwaitedNs),
      ],
    ),
    '',
    table(
      ['single calls, ns (perf_hooks histogram)', 'p50', 'p99', 'mean'],
      [
        ['requestHost + snapshot().byHost', String(r.singleNs.p50), String(r.singleNs.p99), fixed(r.singleNs.mean, 1)],
        ['empty timing (timer cost)', String(r.timerOnlyNs.p50), String(r.timerOnlyNs.p99), fixed(r.timerOnlyNs.mean, 1)],
      ],
    ),
    '',
    `Target: < ${TARGET_NS} ns (0.05 ms) per request. Batched median ${fixed(r.batchedNs.median / 1000, 4)} µs = ` +
      `${fixed(r.batchedNs.median / 1e6, 6)} ms, i.e. ${fixed(TARGET_NS / r.batchedNs.median, 0)}x under the target: ${r.pass ? 'PASS' : 'FAIL'}.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const result = await runHostResolution({
    tenants: args.int('tenants', 10_000),
    rounds: args.int('rounds', 2_000),
    batch: args.int('batch', 1_000),
    singles: args.int('singles', 200_000),
  });
  console.log(reportHostResolution(result));
  if (!result.pass) process.exitCode = 1;
}

import { loadavg } from 'node:os';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../test/support/net.ts';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { dropDesk, loadDesk, loadedTickets } from './support/desk-load.ts';
import { startDesk } from './support/desk-process.ts';
import { closedLoop, httpClient, openLoop, rssMb, type WindowStats } from './support/load-driver.ts';
import { soakTraffic } from './support/soak-traffic.ts';
import { fixed, table } from './support/stats.ts';

/**
 * Soak: the real server (`tenantdesk serve`, background jobs and SMTP listener on) over a desk of
 * `--tenants` tenants on PostgreSQL, under a mix of portal, agent, API and email traffic
 * (support/soak-traffic.ts). First the capacity: the mix sent back to back by `--concurrency`
 * workers for `--capacity-seconds` (after a third of that, unmeasured, to warm up). Then an open loop at `--load` (0.5) times that rate for
 * `--minutes`, in windows of `--window-seconds`. Recorded: every failed request or mail, every
 * error the server logged, each window's latency percentiles, the server's RSS each second.
 * Checked: no error; p99 stable (the median p99 of the second half of the windows after warm-up
 * at most 1.5 times that of the first half); RSS growth from the end of the warm-up to the end
 * under `--max-rss-growth` percent (10). Outbound mail (auto-replies, notifications) goes to a fake
 * relay in this process, which only counts it.
 */
export type SoakOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  ticketsPerTenant: number;
  concurrency: number;
  capacitySeconds: number;
  load: number;
  durationSeconds: number;
  warmupSeconds: number;
  windowSeconds: number;
  maxRssGrowth: number;
  keep: boolean;
};

export type SoakResult = {
  capacity: number;
  rate: number;
  windows: (WindowStats & { rssMb: number; load: number })[];
  requests: number;
  errors: Map<string, number>;
  serverErrors: string[];
  serverWarnings: number;
  relayed: number;
  rssWarm: number;
  rssEnd: number;
  rssGrowth: number;
  p99Drift: number;
  checks: { noError: boolean; p99Stable: boolean; rssBounded: boolean };
};

const log = (line: string) => console.error(`[soak] ${line}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;

/** The outside world's relay: accepts and counts what the desk sends (auto-replies, notifications). */
async function fakeRelay(): Promise<{ port: number; received: () => number; close(): Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, received: () => received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const url = await loadDesk({ adminUrl: options.adminUrl, database: options.database, tenants: options.tenants, ticketsPerTenant: options.ticketsPerTenant }, log);
  const relay = await fakeRelay();
  const desk = await startDesk(url, { SMTP_URL: `smtp://127.0.0.1:${relay.port}`, JOB_POLL_MS: '200' });
  const http = httpClient(desk.port);
  const traffic = soakTraffic(http, desk.smtpPort, options, await loadedTickets(url));
  try {
    // A third of the probe's time first, unmeasured: connections, caches and JIT warm up.
    await closedLoop({ concurrency: options.concurrency, durationMs: Math.min(10_000, (options.capacitySeconds * 1000) / 3), next: () => traffic.next() });
    const probe = await closedLoop({ concurrency: options.concurrency, durationMs: options.capacitySeconds * 1000, next: () => traffic.next() });
    const rate = Math.max(1, Math.round(probe.perSecond * options.load));
    log(`capacity ${probe.perSecond.toFixed(1)} jobs/s (${probe.errors.size ? `errors: ${[...probe.errors.keys()].join('; ')}` : 'no error'}); soaking at ${rate}/s for ${options.durationSeconds} s`);
    const rss: number[][] = [];
    const loads: number[] = [];
    const soakStart = performance.now();
    const sampler = setInterval(() => {
      const window = Math.floor((performance.now() - soakStart) / (options.windowSeconds * 1000));
      void rssMb(desk.pid).then((mb) => (rss[window] ??= []).push(mb), () => {});
      loads[window] = loadavg()[0]!;
    }, 1000);
    const result = await openLoop({
      rate,
      durationMs: options.durationSeconds * 1000,
      windowMs: options.windowSeconds * 1000,
      next: () => traffic.next(),
      onWindow: (i) => log(`window ${i + 1}: RSS ${fixed(median(rss[i] ?? []), 1)} MB, load ${fixed(loads[i] ?? Number.NaN, 2)}`),
    });
    clearInterval(sampler);
    const errors = new Map([...probe.errors, ...result.errors]);
    const windows = result.windows.map((w) => ({ ...w, rssMb: median(rss[w.index] ?? []), load: loads[w.index] ?? Number.NaN }));
    return summarize(options, { capacity: probe.perSecond, rate, windows, requests: result.completed, errors, serverErrors: desk.logged.errors, serverWarnings: desk.logged.warnings.length, relayed: relay.received() });
  } finally {
    traffic.close();
    http.close();
    await desk.stop();
    await relay.close();
    if (!options.keep) await dropDesk(options);
  }
}

function summarize(options: SoakOptions, raw: Omit<SoakResult, 'rssWarm' | 'rssEnd' | 'rssGrowth' | 'p99Drift' | 'checks'>): SoakResult {
  // Windows that ended before the warm-up did are left out of the checks; the last window may be partial and still counts.
  const warm = raw.windows.filter((w) => (w.index + 1) * options.windowSeconds > options.warmupSeconds);
  const rssWarm = warm[0]?.rssMb ?? Number.NaN;
  const rssEnd = warm.at(-1)?.rssMb ?? Number.NaN;
  const rssGrowth = ((rssEnd - rssWarm) / rssWarm) * 100;
  const half = Math.floor(warm.length / 2);
  const p99Drift = median(warm.slice(half).map((w) => w.p99)) / median(warm.slice(0, Math.max(1, half)).map((w) => w.p99));
  const errorCount = [...raw.errors.values()].reduce((a, b) => a + b, 0) + raw.serverErrors.length;
  return { ...raw, rssWarm, rssEnd, rssGrowth, p99Drift, checks: { noError: errorCount === 0, p99Stable: p99Drift <= 1.5, rssBounded: rssGrowth < options.maxRssGrowth } };
}

export function reportSoak(options: SoakOptions, r: SoakResult): string {
  const rows = r.windows.map((w) => [String(w.index + 1), String(w.count), String(w.errors), fixed(w.p50, 1), fixed(w.p95, 1), fixed(w.p99, 1), fixed(w.rssMb, 1), fixed(w.load, 2)]);
  const kinds = new Map<string, { count: number; p99: number[] }>();
  for (const w of r.windows) for (const [kind, k] of Object.entries(w.byKind)) kinds.set(kind, { count: (kinds.get(kind)?.count ?? 0) + k.count, p99: [...(kinds.get(kind)?.p99 ?? []), k.p99] });
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  return [
    `## Soak (${options.tenants} tenants, ${options.durationSeconds} s at ${r.rate}/s = ${options.load} x the measured capacity of ${r.capacity.toFixed(1)}/s; windows of ${options.windowSeconds} s; warm-up ${options.warmupSeconds} s)`,
    '',
    table(['window', 'requests', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'server RSS MB', 'load (1 min)'], rows),
    '',
    table(['traffic', 'requests', 'median of the windows\' p99, ms'], [...kinds].map(([kind, k]) => [kind, String(k.count), fixed(median(k.p99), 1)])),
    '',
    `- Errors: ${[...r.errors.values()].reduce((a, b) => a + b, 0)} failed requests or mails, ${r.serverErrors.length} errors logged by the server (${r.serverWarnings} warnings); ${verdict(r.checks.noError)} (no error).`,
    ...[...r.errors].slice(0, 10).map(([reason, n]) => `  - ${n} x ${reason}`),
    ...r.serverErrors.slice(0, 5).map((line) => `  - server: ${line.slice(0, 300)}`),
    `- p99 after warm-up: second half / first half (medians of the windows) = ${r.p99Drift.toFixed(2)}; ${verdict(r.checks.p99Stable)} (stable: <= 1.5).`,
    `- Server RSS: ${fixed(r.rssWarm, 1)} MB after warm-up, ${fixed(r.rssEnd, 1)} MB at the end: ${r.rssGrowth >= 0 ? '+' : ''}${r.rssGrowth.toFixed(1)}%; ${verdict(r.checks.rssBounded)} (< ${options.maxRssGrowth}%).`,
    `- Outbound mail taken by the fake relay: ${r.relayed}.`,
  ].join('\n');
}

export function soakOptionsFromArgs(args = parseArgs()): SoakOptions {
  const minutes = Number(args.string('minutes', '10'));
  return {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_soak'),
    tenants: args.int('tenants', 1000),
    ticketsPerTenant: args.int('tickets', 20),
    concurrency: args.int('concurrency', 16),
    capacitySeconds: args.int('capacity-seconds', 30),
    load: Number(args.string('load', '0.5')),
    durationSeconds: Math.round(minutes * 60),
    warmupSeconds: Math.round(Number(args.string('warmup-minutes', String(Math.min(2, minutes / 5)))) * 60),
    windowSeconds: args.int('window-seconds', 60),
    maxRssGrowth: Number(args.string('max-rss-growth', '10')),
    keep: args.flag('keep'),
  };
}

if (isMain(import.meta.url)) {
  const options = soakOptionsFromArgs();
  const result = await runSoak(options);
  console.log(reportSoak(options, result));
  process.exitCode = Object.values(result.checks).every(Boolean) ? 0 : 1;
}

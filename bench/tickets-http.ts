import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { digest } from '../src/identity/tokens.ts';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { catalogShape, hostOf, loadCatalog } from './support/fixture.ts';
import { databaseUrl, freshBenchDatabase, runStatement, withClient } from './support/server.ts';
import { table } from './support/stats.ts';
import { startDesk } from './support/desk-process.ts';
import { rawCreations, type RawResult } from './support/raw-tickets.ts';
import type { TicketsServerReady } from './support/tickets-server.ts';
import { summarizeProfile } from './profile-summary.ts';

/**
 * Targets (2 cores): ticket creation >= 1,500/s, queue listing (50 rows) >= 3,000/s, p99 <= 50 ms
 * at concurrency 32, and no ticket lost.
 *
 * A dedicated PostgreSQL database (td_bench_tickets), migrated, loaded with set-based SQL: the
 * catalog of `--tenants` tenants (bench/support/fixture.ts), one agent per tenant with an API key,
 * `--tickets` tickets spread evenly with one thread entry each, the tenants' counters; vacuumed and
 * analysed. The real app (buildApp) serves it from a child process; autocannon, in this process,
 * sends each request to a random tenant's host with that tenant's key:
 *   create  POST /api/v1/tickets {subject, body}
 *   list    GET  /api/v1/tickets?limit=50 (the newest 50 of the tenant)
 * at each concurrency, for `--duration` seconds after a `--warmup`. "stored" is the count of
 * tickets the database gained during the measured run, to compare with the 2xx answers: it may
 * exceed them by the requests in flight when the run stopped (at most the concurrency), never fall short.
 *
 * Issue 25's figures, which hold on a shared machine: first the raw-SQL limit (support/raw-tickets.ts)
 * at the highest concurrency, then every HTTP figure as a ratio to it ("÷ raw", same run), and the
 * server process's CPU time per request (from /proc: `process.cpuUsage()` of that process). `--servers
 * app,serve,start` loads each kind of server in turn (`ServerKind`), `--kinds create` one request only,
 * `--cpu-prof DIR` profiles each server (one file per process in DIR), `--no-raw` skips the raw limit.
 */
export type TicketsHttpOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  tickets: number;
  duration: number;
  warmup: number;
  concurrency: number[];
  pool: number;
  keep: boolean;
  reuse: boolean;
  /** Which servers to load, one after the other: see `ServerKind`. */
  servers: ServerKind[];
  kinds: PhaseResult['kind'][];
  /** Whether to measure the raw-SQL limit first (support/raw-tickets.ts), for the ratios. */
  raw: boolean;
  /** A checkout of an earlier commit with its server built, for the `before` server. */
  beforeDir?: string | undefined;
  /** The app server writes a CPU profile (node --cpu-prof) into this folder when it stops. */
  cpuProfileDir?: string | undefined;
};

/**
 * `app`: buildApp in a child process (no logger, no jobs), the figures of section 6 since 2026-11-23;
 * `serve` and `start`: the product's bundle as `npm run serve` and `npm start` run it (see `startProduct`);
 * `before`: `serve` from the bundle of another checkout (`--before DIR`, built with `node scripts/build.mjs
 * --server` there), an earlier commit measured in the same run.
 */
export type ServerKind = 'app' | 'serve' | 'start' | 'before';

export type PhaseResult = {
  server: ServerKind;
  kind: 'create' | 'list';
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
  errors: number;
  /** The server process's CPU time (user + system) during the run, per request answered. */
  cpuMs: number;
  stored?: number;
};

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SERVER = fileURLToPath(new URL('./support/tickets-server.ts', import.meta.url));
/** Every bench key has this secret; only its SHA-256 is stored, as for real keys. */
const SECRET = 'b'.repeat(43);
export const keyOf = (tenant: number) => `td_${tenant.toString(16).padStart(16, '0')}_${SECRET}`;

/** Creates, migrates and loads the database (or keeps a loaded one with --reuse). */
export async function prepare(options: Pick<TicketsHttpOptions, 'adminUrl' | 'database' | 'tenants' | 'tickets' | 'reuse'>): Promise<string> {
  const url = databaseUrl(options.adminUrl, options.database);
  const exists = (await withClient(options.adminUrl, (c) => c.query('select 1 from pg_database where datname = $1', [options.database]))).rowCount;
  if (exists && options.reuse) {
    console.error(`[tickets-http] reusing ${options.database}`);
    return url;
  }
  const database = await freshBenchDatabase(options.adminUrl, options.database);
  try {
    const started = Date.now();
    const db = database.owner;
    await loadCatalog(db, catalogShape(options.tenants));
    const perTenant = Math.ceil(options.tickets / options.tenants);
    await db.transaction().execute(async (tx) => {
      await sql`insert into contacts (tenant_id, kind, email, name) select id, 'agent', 'agent@' || slug || '.bench.test', 'Agent ' || id from tenants`.execute(tx);
      await sql`insert into contact_roles (tenant_id, contact_id, role_id, is_default)
        select c.tenant_id, c.id, r.id, true from contacts c, roles r where r.slug = 'agent' and r.tenant_id is null`.execute(tx);
      await sql`insert into api_keys (tenant_id, contact_id, role_id, name, prefix, secret_hash)
        select c.tenant_id, c.id, r.id, 'bench', lpad(to_hex(c.tenant_id), 16, '0'), ${digest(SECRET)}
        from contacts c, roles r where r.slug = 'agent' and r.tenant_id is null`.execute(tx);
      await sql`insert into tickets (tenant_id, number, subject, status, status_id, requester_id, source, created_at)
        select c.tenant_id, upper(t.slug) || '-' || lpad(n::text, 6, '0'), 'Bench ticket ' || n || ' of ' || t.slug, 'open', s.id, c.id, 'api',
          date_trunc('milliseconds', now()) - (n * interval '1 minute') - (c.tenant_id * interval '1 millisecond')
        from contacts c join tenants t on t.id = c.tenant_id, ticket_statuses s, generate_series(1, ${perTenant}::integer) n
        where s.slug = 'open' and s.tenant_id is null`.execute(tx);
      await sql`insert into thread_entries (tenant_id, ticket_id, kind, author_id, body_html)
        select tenant_id, id, 'reply', requester_id, '<p>' || subject || ': the printer jams again.</p>' from tickets`.execute(tx);
      await sql`insert into tenant_counters (tenant_id, name, last_value) select id, 'ticket', ${perTenant}::integer from tenants`.execute(tx);
    });
    await sql`vacuum analyze`.execute(db);
    console.error(`[tickets-http] loaded ${options.tenants} tenants and ${perTenant * options.tenants} tickets in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await database.close();
  }
  return url;
}

/** Node's flags for a CPU profile of the server, written into `dir` when it exits. */
const profileFlags = (dir?: string) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);

/** A server under load: its process (for its CPU time) and its port. */
export type BenchServer = { pid: number; port: number; stop(): Promise<void> };

/** The real app (buildApp, no logger, no jobs) in a child process: the figures of section 6 since 2026-11-23. */
async function startAppServer(url: string, pool: number, cpuProfileDir?: string): Promise<BenchServer> {
  const execArgv = ['--import', 'tsx', ...profileFlags(cpuProfileDir)];
  const child = fork(SERVER, [`--url=${url}`, `--pool=${pool}`], { cwd: REPO, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message) => {
      const ready = message as TicketsServerReady;
      if (ready?.type === 'ready') resolve(ready.port);
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited (${String(code)}) before listening`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { pid: child.pid!, port, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

/**
 * The product as an operator runs it (issue 25): the bundle of `npm start` / `npm run serve`, its
 * default log level (info), job runner and SMTP listener; `start` also seeds the demo tenants. Only
 * the per-tenant API rate is lifted (TENANT_API_RATE=0), or the load would be answered 429.
 */
async function startProduct(url: string, command: 'serve' | 'start', pool: number, cpuProfileDir?: string, beforeDir?: string): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'td-bench-data-'));
  const env = { TENANT_API_RATE: '0', LOG_LEVEL: 'info', DB_POOL_MAX: String(pool), DATA_DIR: dataDir };
  const bundle = beforeDir ? { bundle: join(beforeDir, 'dist/server/main.mjs') } : { built: true };
  const desk = await startDesk(url, env, { command, ...bundle, nodeArgs: profileFlags(cpuProfileDir) });
  return {
    pid: desk.pid,
    port: desk.port,
    stop: async () => {
      await desk.stop();
      if (desk.logged.errors.length) console.error(`[tickets-http] ${command} logged ${desk.logged.errors.length} errors, the first: ${desk.logged.errors[0]}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function startBenchServer(kind: ServerKind, url: string, options: TicketsHttpOptions): Promise<BenchServer> {
  if (kind === 'app') return startAppServer(url, options.pool, options.cpuProfileDir);
  if (kind === 'before') {
    if (!options.beforeDir) throw new Error('the before server needs --before DIR (a checkout with its server built)');
    return startProduct(url, 'serve', options.pool, options.cpuProfileDir, options.beforeDir);
  }
  return startProduct(url, kind, options.pool, options.cpuProfileDir);
}

/** utime + stime of a process, in seconds (Linux /proc; USER_HZ 100): what process.cpuUsage() gives inside it. */
export function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Tickets in the database once the requests still in flight when a run stopped have finished
 * (autocannon counts only the answers it received in time; the server completes the others).
 */
async function ticketCount(url: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return withClient(url, async (c) => Number((await c.query<{ n: string }>('select count(*) as n from tickets')).rows[0]!.n));
}

/** autocannon creating tickets or listing the queue, each request to a random tenant with its key (bench:processes too). */
export function load(port: number, kind: PhaseResult['kind'], connections: number, duration: number, tenants: number): Promise<autocannon.Result> {
  const body = JSON.stringify({ subject: 'Bench create', body: '<p>The printer on floor 2 jams.</p>' });
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        method: kind === 'create' ? 'POST' : 'GET',
        path: kind === 'create' ? '/api/v1/tickets' : '/api/v1/tickets?limit=50',
        setupRequest: (request) => {
          const tenant = 1 + Math.floor(Math.random() * tenants);
          return {
            ...request,
            headers: { host: hostOf(tenant), authorization: `Bearer ${keyOf(tenant)}`, ...(kind === 'create' ? { 'content-type': 'application/json' } : {}) },
            ...(kind === 'create' ? { body } : {}),
          };
        },
      },
    ],
  });
}

/** A measured run's span on the machine's monotonic clock, to cut out of its server's profile. */
type ProfileWindow = { name: string; from: number; to: number; requests: number };
/** CLOCK_MONOTONIC in microseconds: the clock V8's profiles are timed by, the same in every process. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/** `<server>-<kind>-c<concurrency>.txt` beside the profile the server wrote: its measured run only. */
function summarizeRuns(dir: string, pid: number, windows: ProfileWindow[]): void {
  const file = readdirSync(dir).find((f) => f.includes(`.${pid}.0.`) && f.endsWith('.cpuprofile'));
  if (!file) return console.error(`[tickets-http] no CPU profile of process ${pid} in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Parameters<typeof summarizeProfile>[0];
  for (const w of windows) {
    writeFileSync(join(dir, `${w.name}.txt`), `${summarizeProfile(profile, { top: 40, window: w, requests: w.requests })}\n`);
  }
}

export type TicketsHttpRun = { raw?: RawResult; phases: PhaseResult[]; load: [number, number] };

export async function runTicketsHttp(options: TicketsHttpOptions): Promise<TicketsHttpRun> {
  const url = await prepare(options);
  const results: PhaseResult[] = [];
  const loadBefore = loadavg()[0]!;
  let raw: RawResult | undefined;
  if (options.raw) {
    const concurrency = Math.max(...options.concurrency);
    console.error(`[tickets-http] raw SQL through pg at c=${concurrency}: warm-up ${options.warmup} s`);
    raw = await rawCreations(url, { concurrency, seconds: options.duration, warmup: options.warmup });
    console.error(`[tickets-http] raw c=${concurrency}: ${Math.round(raw.rps)} transactions/s, p50 ${raw.p50.toFixed(1)} ms, p99 ${raw.p99.toFixed(1)} ms`);
  }
  try {
    for (const server of options.servers) {
      const running = await startBenchServer(server, url, options);
      const windows: ProfileWindow[] = [];
      try {
        for (const kind of options.kinds) {
          console.error(`[tickets-http] ${server} ${kind}: warm-up ${options.warmup} s`);
          await load(running.port, kind, 8, options.warmup, options.tenants);
          for (const connections of options.concurrency) {
            const before = kind === 'create' ? await ticketCount(url) : 0;
            const cpu = cpuOf(running.pid);
            const from = monotonicMicros();
            const result = await load(running.port, kind, connections, options.duration, options.tenants);
            const cpuSeconds = cpuOf(running.pid) - cpu;
            windows.push({ name: `${server}-${kind}-c${connections}`, from, to: monotonicMicros(), requests: result.requests.total });
            const stored = kind === 'create' ? (await ticketCount(url)) - before : undefined;
            const phase: PhaseResult = {
              server,
              kind,
              connections,
              rps: result.requests.average,
              p50: result.latency.p50,
              p99: result.latency.p99,
              ok: result['2xx'],
              other: result.non2xx,
              errors: result.errors + result.timeouts,
              cpuMs: (cpuSeconds * 1000) / Math.max(1, result.requests.total),
              ...(stored !== undefined ? { stored } : {}),
            };
            console.error(`[tickets-http] ${server} ${kind} c=${connections}: ${Math.round(phase.rps)} req/s, p50 ${phase.p50} ms, p99 ${phase.p99} ms, ${phase.cpuMs.toFixed(2)} ms Node CPU per request`);
            results.push(phase);
          }
        }
      } finally {
        await running.stop();
      }
      if (options.cpuProfileDir) summarizeRuns(options.cpuProfileDir, running.pid, windows);
    }
  } finally {
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
  return { ...(raw ? { raw } : {}), phases: results, load: [loadBefore, loadavg()[0]!] };
}

export function reportTicketsHttp(options: Pick<TicketsHttpOptions, 'tenants' | 'tickets' | 'duration' | 'pool'>, run: TicketsHttpRun): string {
  const { raw } = run;
  const rows = run.phases.map((r) => [
    r.server,
    r.kind,
    String(r.connections),
    String(Math.round(r.rps)),
    String(r.p50),
    String(r.p99),
    raw ? (r.rps / raw.rps).toFixed(3) : '',
    r.cpuMs.toFixed(2),
    String(r.ok),
    r.stored === undefined ? '' : String(r.stored),
    String(r.other),
    String(r.errors),
  ]);
  return [
    `## Tickets over HTTP (${options.tenants} tenants, ${options.tickets} tickets, ${options.duration} s per run, pool of ${options.pool} connections; load average ${run.load[0].toFixed(1)} before, ${run.load[1].toFixed(1)} after)`,
    '',
    ...(raw
      ? [
          `Raw SQL through pg (ticket + first entry + audit row, one transaction, c=${raw.concurrency}): ` +
            `**${Math.round(raw.rps)}/s**, p50 ${raw.p50.toFixed(1)} ms, p99 ${raw.p99.toFixed(1)} ms, ${raw.transactions} committed, ${raw.errors} errors, ${raw.nodeCpuMs.toFixed(2)} ms of client Node CPU per transaction.`,
          '',
        ]
      : []),
    table(['server', 'run', 'concurrency', 'requests/s', 'p50 ms', 'p99 ms', '÷ raw', 'Node CPU ms / request', '2xx', 'stored', 'non-2xx', 'errors'], rows),
  ].join('\n');
}

export function ticketsHttpOptionsFromArgs(args = parseArgs()): TicketsHttpOptions {
  return {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_tickets'),
    tenants: args.int('tenants', 1_000),
    tickets: args.int('tickets', 200_000),
    duration: args.int('duration', 10),
    warmup: args.int('warmup', 3),
    concurrency: args.string('concurrency', '1,8,32').split(',').map(Number),
    pool: args.int('pool', 10),
    keep: args.flag('keep'),
    reuse: args.flag('reuse'),
    servers: args.string('servers', 'app').split(',') as ServerKind[],
    kinds: args.string('kinds', 'create,list').split(',') as PhaseResult['kind'][],
    raw: !args.flag('no-raw'),
    cpuProfileDir: args.string('cpu-prof', '') || undefined,
    beforeDir: args.string('before', '') || undefined,
  };
}

if (isMain(import.meta.url)) {
  const options = ticketsHttpOptionsFromArgs();
  console.log(reportTicketsHttp(options, await runTicketsHttp(options)));
}

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { digest } from '../src/identity/tokens.ts';
import { isMain, parseArgs } from './support/args.ts';
import { catalogShape, hostOf, loadCatalog } from './support/fixture.ts';
import { databaseUrl, freshBenchDatabase, runStatement, withClient } from './support/server.ts';
import { table } from './support/stats.ts';
import type { TicketsServerReady } from './support/tickets-server.ts';

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
  /** Runs ticket creation again once every tenant has a webhook subscription to `ticket.created`. */
  webhooks: boolean;
};

export type PhaseResult = { kind: 'create' | 'create+webhooks' | 'list'; connections: number; rps: number; p50: number; p99: number; ok: number; other: number; errors: number; stored?: number };

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SERVER = fileURLToPath(new URL('./support/tickets-server.ts', import.meta.url));
/** Every bench key has this secret; only its SHA-256 is stored, as for real keys. */
const SECRET = 'b'.repeat(43);
export const keyOf = (tenant: number) => `td_${tenant.toString(16).padStart(16, '0')}_${SECRET}`;

/** Creates, migrates and loads the database (or keeps a loaded one with --reuse). */
export async function prepare(options: TicketsHttpOptions): Promise<string> {
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

async function startServer(url: string, pool: number): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(SERVER, [`--url=${url}`, `--pool=${pool}`], { cwd: REPO, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message) => {
      const ready = message as TicketsServerReady;
      if (ready?.type === 'ready') resolve(ready.port);
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited (${String(code)}) before listening`)));
  });
  return { child, port };
}

/**
 * Tickets in the database once the requests still in flight when a run stopped have finished
 * (autocannon counts only the answers it received in time; the server completes the others).
 */
async function ticketCount(url: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return withClient(url, async (c) => Number((await c.query<{ n: string }>('select count(*) as n from tickets')).rows[0]!.n));
}

/**
 * One subscription to `ticket.created` per tenant. Only the change's own cost is measured (reading
 * the subscriptions, the delivery row and its job in the ticket's transaction): the bench server runs
 * no job runner, so the queued deliveries are never sent (their secret is a placeholder).
 */
async function subscribeEveryTenant(url: string): Promise<void> {
  await withClient(url, (c) => c.query(`insert into webhook_subscriptions (tenant_id, url, events, secret_enc) select id, 'http://127.0.0.1:9/bench', '{ticket.created}', 'bench-placeholder' from tenants`));
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
        method: kind === 'list' ? 'GET' : 'POST',
        path: kind !== 'list' ? '/api/v1/tickets' : '/api/v1/tickets?limit=50',
        setupRequest: (request) => {
          const tenant = 1 + Math.floor(Math.random() * tenants);
          return {
            ...request,
            headers: { host: hostOf(tenant), authorization: `Bearer ${keyOf(tenant)}`, ...(kind !== 'list' ? { 'content-type': 'application/json' } : {}) },
            ...(kind !== 'list' ? { body } : {}),
          };
        },
      },
    ],
  });
}

export async function runTicketsHttp(options: TicketsHttpOptions): Promise<PhaseResult[]> {
  const url = await prepare(options);
  const { child, port } = await startServer(url, options.pool);
  const results: PhaseResult[] = [];
  try {
    for (const kind of ['create', ...(options.webhooks ? ['create+webhooks' as const] : []), 'list'] as const) {
      if (kind === 'create+webhooks') await subscribeEveryTenant(url);
      console.error(`[tickets-http] ${kind}: warm-up ${options.warmup} s`);
      await load(port, kind, 8, options.warmup, options.tenants);
      for (const connections of options.concurrency) {
        const before = kind !== 'list' ? await ticketCount(url) : 0;
        const result = await load(port, kind, connections, options.duration, options.tenants);
        const stored = kind !== 'list' ? (await ticketCount(url)) - before : undefined;
        const phase: PhaseResult = {
          kind,
          connections,
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          ok: result['2xx'],
          other: result.non2xx,
          errors: result.errors + result.timeouts,
          ...(stored !== undefined ? { stored } : {}),
        };
        console.error(`[tickets-http] ${kind} c=${connections}: ${Math.round(phase.rps)} req/s, p50 ${phase.p50} ms, p99 ${phase.p99} ms`);
        results.push(phase);
      }
    }
  } finally {
    child.kill('SIGTERM');
    if (!options.keep) {
      await new Promise((resolve) => child.once('exit', resolve));
      await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
    }
  }
  return results;
}

export function reportTicketsHttp(options: Pick<TicketsHttpOptions, 'tenants' | 'tickets' | 'duration' | 'pool'>, results: PhaseResult[]): string {
  const rows = results.map((r) => [
    r.kind,
    String(r.connections),
    String(Math.round(r.rps)),
    String(r.p50),
    String(r.p99),
    String(r.ok),
    r.stored === undefined ? '' : String(r.stored),
    String(r.other),
    String(r.errors),
  ]);
  return [
    `## Tickets over HTTP (${options.tenants} tenants, ${options.tickets} tickets, ${options.duration} s per run, pool of ${options.pool} connections)`,
    '',
    table(['run', 'concurrency', 'requests/s', 'p50 ms', 'p99 ms', '2xx', 'stored', 'non-2xx', 'errors'], rows),
  ].join('\n');
}

export function ticketsHttpOptionsFromArgs(args = parseArgs()): TicketsHttpOptions {
  return {
    adminUrl: args.string('url', process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
    database: args.string('database', 'td_bench_tickets'),
    tenants: args.int('tenants', 1_000),
    tickets: args.int('tickets', 200_000),
    duration: args.int('duration', 10),
    warmup: args.int('warmup', 3),
    concurrency: args.string('concurrency', '1,8,32').split(',').map(Number),
    pool: args.int('pool', 10),
    keep: args.flag('keep'),
    reuse: args.flag('reuse'),
    webhooks: args.flag('webhooks'),
  };
}

if (isMain(import.meta.url)) {
  const options = ticketsHttpOptionsFromArgs();
  console.log(reportTicketsHttp(options, await runTicketsHttp(options)));
}

import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/database.ts';
import { JobRunner } from '../src/jobs/job-runner.ts';
import type { JobHandler } from '../src/jobs/job-type.ts';
import { secretBox } from '../src/mail/secret-box.ts';
import { parseAddressPolicy } from '../src/net/address-policy.ts';
import { createOutbound } from '../src/net/guarded-connect.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { deliverWebhookHandler } from '../src/webhooks/deliver-webhook.ts';
import { newWebhookSecret, verifyWebhook } from '../src/webhooks/standard-webhooks.ts';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { runStatement } from './support/server.ts';
import { table } from './support/stats.ts';
import { load, prepare, startBenchServer } from './tickets-http.ts';

/**
 * Issue 24's targets: 1,000 webhook events/s sustained to a receiver on the loopback, and ticket
 * creation over HTTP no more than 10% slower with an active subscription than without.
 *
 * 1. Creation: bench/tickets-http.ts's loaded database and app server (a child process, no job
 *    runner); autocannon creates tickets at random tenants for `--duration` s without any
 *    subscription, then with one `ticket.created` subscription per tenant (the routes reach the
 *    server's catalog through its version check), then without again (subscriptions disabled), so
 *    the ratio is taken against the mean of the two runs around it, in one run of the machine.
 * 2. Delivery: a producer writes `--rate` events/s for `--seconds` s as emitWebhookEvent does (a
 *    delivery row and its `webhook.deliver` job per event, in batches every 100 ms) while
 *    `--workers` concurrent job-runner loops in this process send them, signed, through the guarded
 *    fetch to a real HTTP receiver on 127.0.0.1 that verifies every signature. Reported: events
 *    delivered per second over the producing window and until the backlog is empty, the lag (event
 *    written -> receiver got it) p50/p99, and signatures that failed (must be 0).
 */
type Options = { adminUrl: string; database: string; tenants: number; tickets: number; duration: number; warmup: number; connections: number; rate: number; seconds: number; workers: number; keep: boolean };

const MAIL_SECRET = 'bench-mail-secret-0123456789abcdef0123456789';

function options(args = parseArgs()): Options {
  return {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_webhooks'),
    tenants: args.int('tenants', 50),
    tickets: args.int('tickets', 5_000),
    duration: args.int('duration', 8),
    warmup: args.int('warmup', 2),
    connections: args.int('concurrency', 8),
    rate: args.int('rate', 1_000),
    seconds: args.int('seconds', 10),
    workers: args.int('workers', 24),
    keep: args.flag('keep'),
  };
}

/** A receiver that checks each request's Standard Webhooks signature and notes when it arrived. */
async function startReceiver(secret: string) {
  const arrivals: number[] = [];
  let badSignatures = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (!verifyWebhook(secret, req.headers as Record<string, string>, body)) badSignatures++;
      arrivals.push(Date.now() - Number(JSON.parse(body).writtenAt));
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, arrivals, bad: () => badSignatures, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** One subscription to `ticket.created` per tenant, and its catalog route, all with one secret (the receiver's). */
async function subscribeEveryTenant(db: Database, url: string, secret: string): Promise<void> {
  const encrypted = secretBox(MAIL_SECRET).encrypt(secret);
  await sql`insert into webhook_subscriptions (tenant_id, url, events, secret_enc) select id, ${url}, '{ticket.created}', ${encrypted} from tenants`.execute(db.owner);
  await sql`insert into webhook_routes (subscription_id, tenant_id, events) select id, tenant_id, events from webhook_subscriptions`.execute(db.owner);
}

/** `count` events as emitWebhookEvent writes them: a delivery row and its job each, spread over the tenants. */
async function writeEvents(db: Database, count: number): Promise<void> {
  await sql`with events as (
      select s.tenant_id, s.id as subscription_id, gen_random_uuid() as id
      from generate_series(1, ${count}::integer) n join webhook_subscriptions s on s.tenant_id = (select min(tenant_id) from webhook_subscriptions) + n % (select count(*) from webhook_subscriptions)::integer
    ), deliveries as (
      insert into webhook_deliveries (tenant_id, id, subscription_id, event_id, event, payload)
      select tenant_id, id, subscription_id, gen_random_uuid(), 'ticket.created', jsonb_build_object('type', 'ticket.created', 'writtenAt', (extract(epoch from clock_timestamp()) * 1000)::bigint) from events
      returning tenant_id, id
    )
    insert into jobs (tenant_id, name, key, payload, max_attempts, lease_ms)
    select tenant_id, 'webhook.deliver', id || ':1', jsonb_build_object('deliveryId', id), 3, 60000 from deliveries`.execute(db.owner);
}

const percentile = (values: number[], p: number) => (values.length ? [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]! : 0);

async function creationPhases(o: Options, url: string, db: Database, receiverUrl: string, secret: string) {
  const server = await startBenchServer('app', url, { pool: 10 } as unknown as Parameters<typeof startBenchServer>[2]);
  const runs: { run: string; rps: number; p50: number; p99: number; ok: number }[] = [];
  const measure = async (run: string) => {
    const result = await load(server.port, 'create', o.connections, o.duration, o.tenants);
    runs.push({ run, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok: result['2xx'] });
    console.error(`[webhooks] ${run}: ${Math.round(result.requests.average)} tickets/s, p50 ${result.latency.p50} ms`);
  };
  try {
    await load(server.port, 'create', o.connections, o.warmup, o.tenants);
    await measure('create, no subscription');
    await subscribeEveryTenant(db, receiverUrl, secret);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the server's catalog check (1 s bound) sees the routes
    await load(server.port, 'create', o.connections, o.warmup, o.tenants);
    await measure('create, one subscription per tenant');
    await sql`update webhook_routes set active = false`.execute(db.owner);
    await sql`update webhook_subscriptions set active = false`.execute(db.owner);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await measure('create, no subscription (again)');
    await sql`update webhook_routes set active = true`.execute(db.owner);
    await sql`update webhook_subscriptions set active = true`.execute(db.owner);
  } finally {
    await server.stop();
  }
  return runs;
}

async function deliveryPhase(o: Options, db: Database, receiver: Awaited<ReturnType<typeof startReceiver>>) {
  // The deliveries the creation runs queued are not part of this measure.
  await sql`delete from jobs where name = 'webhook.deliver'`.execute(db.owner);
  receiver.arrivals.length = 0;
  const outbound = createOutbound({ policy: parseAddressPolicy('127.0.0.1/32'), timeoutMs: 5000 });
  const catalog = await Catalog.load(db);
  const shards = new Shards(db);
  const runner = new JobRunner({ shards, settings: DEFAULT_TENANCY, catalog: () => catalog.snapshot() }, { handlers: [deliverWebhookHandler({ outbound, box: secretBox(MAIL_SECRET) }) as unknown as JobHandler<never>] });
  let producing = true;
  const started = Date.now();
  const producer = (async () => {
    const batch = Math.round(o.rate / 10);
    for (let tick = 1; tick <= o.seconds * 10; tick++) {
      await writeEvents(db, batch);
      const wait = started + tick * 100 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    producing = false;
  })();
  // One job at a time per loop, as many loops as --workers; a loop ends when production is over and nothing is due.
  const worker = async () => {
    for (;;) {
      if (await runner.runNext(db)) continue;
      if (!producing) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  let producedBy = 0;
  await Promise.all([producer.then(() => (producedBy = receiver.arrivals.length)), ...Array.from({ length: o.workers }, worker)]);
  const elapsed = (Date.now() - started) / 1000;
  await shards.close();
  return { written: o.rate * o.seconds, delivered: receiver.arrivals.length, inWindow: producedBy / o.seconds, overall: receiver.arrivals.length / elapsed, elapsed, p50: percentile(receiver.arrivals, 50), p99: percentile(receiver.arrivals, 99), bad: receiver.bad() };
}

export async function runWebhookBench(o: Options): Promise<string> {
  const loadBefore = loadavg()[0]!;
  const url = await prepare({ adminUrl: o.adminUrl, database: o.database, tenants: o.tenants, tickets: o.tickets, reuse: false });
  const db = await openDatabase({ kind: 'postgres', url, poolMax: Math.max(4, o.workers + 2) });
  const secret = newWebhookSecret();
  const receiver = await startReceiver(secret);
  try {
    const runs = await creationPhases(o, url, db, receiver.url, secret);
    const delivery = await deliveryPhase(o, db, receiver);
    const without = (runs[0]!.rps + runs[2]!.rps) / 2;
    return [
      `## Webhooks (${o.tenants} tenants, ${o.tickets} tickets; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after)`,
      '',
      table(['run', 'tickets/s', 'p50 ms', 'p99 ms', '2xx'], runs.map((r) => [r.run, String(Math.round(r.rps)), String(r.p50), String(r.p99), String(r.ok)])),
      '',
      `With a subscription ÷ mean of the runs without: **${(runs[1]!.rps / without).toFixed(3)}** (target >= 0.90).`,
      '',
      table(
        ['events written', 'delivered', 'delivered/s while producing', 'delivered/s until empty', 'seconds', 'lag p50 ms', 'lag p99 ms', 'bad signatures'],
        [[String(delivery.written), String(delivery.delivered), String(Math.round(delivery.inWindow)), String(Math.round(delivery.overall)), delivery.elapsed.toFixed(1), String(delivery.p50), String(delivery.p99), String(delivery.bad)]],
      ),
    ].join('\n');
  } finally {
    await receiver.close();
    await db.close();
    if (!o.keep) await runStatement(o.adminUrl, `drop database if exists ${o.database} with (force)`);
  }
}

if (isMain(import.meta.url)) {
  console.log(await runWebhookBench(options()));
}

import { spawn, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { isMain, parseArgs } from './support/args.ts';
import { databaseUrl, runStatement } from './support/server.ts';
import { table } from './support/stats.ts';
import type { FloorServerReady } from './support/floor-server.ts';
import { deliver, newMessage, smtpIntakeOptionsFromArgs, smtpTarget } from './smtp-intake.ts';
import { prepare, ticketsHttpOptionsFromArgs } from './tickets-http.ts';

/**
 * What this machine can do at most for issue 6's two requests, with nothing of TenantDesk between
 * the client and the parts it cannot do without (`npm run bench:floor`):
 *
 * - **the SQL alone**: pgbench (a C client, with prepared statements, the cheapest way to send
 *   them) runs the exact statements of one ticket creation and of one 50-row queue page, as the app
 *   sends them (authentication, scope, reads, inserts; row-level security on), on a copy of
 *   td_bench_tickets, over as many connections as the app's pool (`--pool`, 10: the app serves 32
 *   concurrent requests over 10 connections, and 32 backends on 2 cores do less, not more);
 * - **HTTP alone**: a bare fastify server (no database, no validation, no tenancy) answering the
 *   same two routes with a fixed body of the same size, loaded by autocannon at concurrency 32;
 * - **mail alone** (issue 8's >= 200 messages/s): smtp-server receiving bench:smtp's messages from
 *   the same load generator (support/smtp-sender.ts), parsing each with mailparser and sanitising
 *   its HTML, then 250; no database.
 *
 * A request needs both on the same 2 cores, so the app's ceiling lies below 1 / (1/sql + 1/http):
 * when that is under a target, no code of ours can reach the target on this machine.
 */
const FLOOR_SERVER = fileURLToPath(new URL('./support/floor-server.ts', import.meta.url));
const SMTP_FLOOR_SERVER = fileURLToPath(new URL('./support/smtp-floor-server.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));

const AUTH = `select k.tenant_id as kt, c.id as cid, to_jsonb(r) as role from api_keys k
  join contacts c on c.id = k.contact_id and c.status = 'active'
  join contact_roles cr on cr.contact_id = c.id and cr.role_id = k.role_id
  left join roles r on r.id = cr.role_id
  where k.prefix = lpad(to_hex(:t::int), 16, '0') and k.revoked_at is null \\gset`;
const SCOPE = `select set_config('role', 'tenantdesk_app', true), set_config('td.read', '{' || :kt::int || '}', true),
  set_config('td.write', '{' || :kt::int || '}', true), set_config('td.write_public', 'off', true), set_config('td.untenanted', 'off', true);`;

/** One ticket creation's statements (bench:cost with COST_TRACE=1 lists the app's). */
const CREATE = `\\set t random(1, :tenants)
${AUTH}
begin;
${SCOPE}
select * from ticket_filters where tenant_id = any (array[:kt::int]) and tenant_id = :kt::int and active = true order by position, id limit 200;
select id as sid from ticket_statuses where (tenant_id is null or tenant_id = any (array[:kt::int])) and slug = 'open' order by id limit 100 \\gset
insert into tenant_counters (tenant_id, name, last_value) values (:kt::int, 'ticket', 1)
  on conflict (tenant_id, name) do update set last_value = tenant_counters.last_value + 1 returning last_value::text as n \\gset
insert into tickets (subject, tags, tenant_id, number, status, status_id, custom_fields, created_at, sla_paused_minutes)
  values ('Floor ' || :n::text, '{}', :kt::int, 'F' || :kt::int || '-' || lpad(:n::text, 6, '0'), 'open', :sid::uuid, '{}', now(), 0) returning * \\gset tk_
insert into thread_entries (ticket_id, kind, author_id, body_html, tenant_id)
  values (:tk_id::uuid, 'reply', :cid::uuid, '<p>The printer on floor 2 jams.</p>', :kt::int) returning *;
insert into audit_events (tenant_id, actor_contact_id, action, object_type, object_id, data)
  values (:kt::int, :cid::uuid, 'ticket.created', 'ticket', :tk_id::uuid, '{"subject": "Floor"}') returning *;
commit;
`;

/** One queue page: the tenant's newest 50 (and one more, for the cursor). */
// pgbench would read ':MI' inside the format as a variable: the colons are put in by replace().
const LIST = `\\set t random(1, :tenants)
${AUTH}
begin;
${SCOPE}
select *, to_char(created_at at time zone 'UTC', replace('YYYY-MM-DD"T"HH24#MI#SS.US"Z"', '#', ':')) as sort_key
  from (select * from tickets where tenant_id = any (array[:kt::int]) order by created_at desc, id limit 51) as page order by created_at desc, id;
commit;
`;

type Floor = { kind: 'create' | 'list'; connections: number; clients: number; sqlTps: number; httpRps: number };
export type FloorResult = { requests: Floor[]; mailPerSecond: number };

function pgbench(url: string, script: string, tenants: number, clients: number, seconds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'td-floor-'));
  const file = join(dir, 'script.sql');
  writeFileSync(file, script);
  const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-D', `tenants=${tenants}`, '-f', file, url];
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      const tps = /tps = ([\d.]+)/.exec(out);
      if (code !== 0 || !tps || /failed transactions: [1-9]/.test(out)) reject(new Error(`pgbench failed (${String(code)}):\n${out}`));
      else resolve(Number(tps[1]));
    });
  });
}

/** Runs `work` against a floor server started in a child process, which sends its port when it listens. */
async function withFloorServer<T>(script: string, args: string[], work: (port: number) => Promise<T>): Promise<T> {
  const child = fork(script, args, { cwd: REPO, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.on('message', (message) => (message as FloorServerReady)?.type === 'ready' && resolve((message as FloorServerReady).port));
      child.once('exit', (code) => reject(new Error(`the floor server exited (${String(code)})`)));
    });
    return await work(port);
  } finally {
    child.kill('SIGTERM');
  }
}

function httpFloor(kind: 'create' | 'list', clients: number, seconds: number, url: string): Promise<number> {
  return withFloorServer(FLOOR_SERVER, [`--url=${url}`], async (port) => {
    const body = JSON.stringify({ subject: 'Bench create', body: '<p>The printer on floor 2 jams.</p>' });
    const load = (duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: clients,
        duration,
        requests: [kind === 'create' ? { method: 'POST', path: '/api/v1/tickets', headers: { 'content-type': 'application/json' }, body } : { method: 'GET', path: '/api/v1/tickets?limit=50' }],
      });
    await load(2); // warm-up: JIT
    const result = await load(seconds);
    if (result.non2xx || result.errors) throw new Error(`the floor server answered ${result.non2xx} non-2xx, ${result.errors} errors`);
    return result.requests.average;
  });
}

/** Messages per second through SMTP and parsing alone, with bench:smtp's messages, clients and connections. */
function mailFloor(messages: number): Promise<number> {
  return withFloorServer(SMTP_FLOOR_SERVER, [], async (port) => {
    const options = smtpIntakeOptionsFromArgs(parseArgs());
    const target = smtpTarget(port, options);
    const mails = (run: string, n: number) => Array.from({ length: n }, (_, i) => newMessage(run, i, options, 20));
    await deliver(target, mails('warmup', options.warmup));
    const result = await deliver(target, mails('floor', messages));
    if (result.refused) throw new Error(`the SMTP floor server refused ${result.refused} messages`);
    return messages / result.seconds;
  });
}

export async function runThroughputFloor(args = parseArgs()): Promise<FloorResult> {
  const options = ticketsHttpOptionsFromArgs(args);
  const clients = args.int('clients', 32);
  const connections = options.pool;
  const seconds = args.int('duration', 10);
  const source = await prepare({ ...options, reuse: true });
  const copy = `${options.database}_floor`;
  await runStatement(options.adminUrl, `drop database if exists ${copy}`);
  await runStatement(options.adminUrl, `create database ${copy} template ${options.database}`);
  const url = databaseUrl(options.adminUrl, copy);
  try {
    const floors: Floor[] = [];
    for (const [kind, script] of [['create', CREATE], ['list', LIST]] as const) {
      const sqlTps = await pgbench(url, script, options.tenants, connections, seconds);
      floors.push({ kind, connections, clients, sqlTps, httpRps: await httpFloor(kind, clients, seconds, source) });
    }
    return { requests: floors, mailPerSecond: await mailFloor(args.int('messages', 2_000)) };
  } finally {
    await runStatement(options.adminUrl, `drop database if exists ${copy}`);
  }
}

export function reportThroughputFloor({ requests: floors, mailPerSecond }: FloorResult): string {
  const targets = { create: 1500, list: 3000 };
  const mail = table(['intake', 'SMTP + mailparser + sanitising alone, messages/s', 'target /s'], [['new messages over SMTP', mailPerSecond.toFixed(0), '200']]);
  return `${table(
    ['request', 'SQL alone (pgbench) /s', 'HTTP alone (bare fastify) /s', 'both on one machine, at most /s', 'target /s'],
    floors.map((f) => [`${f.kind} (${f.connections} connections, c=${f.clients})`, f.sqlTps.toFixed(0), f.httpRps.toFixed(0), (1 / (1 / f.sqlTps + 1 / f.httpRps)).toFixed(0), String(targets[f.kind])]),
  )}\n\n${mail}`;
}

if (isMain(import.meta.url)) console.log(reportThroughputFloor(await runThroughputFloor()));

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { signedMessageId } from '../src/mail/message-token.ts';
import { secretBox } from '../src/mail/secret-box.ts';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { catalogShape, HOST_SUFFIX, loadCatalog } from './support/fixture.ts';
import type { SmtpServerQueries, SmtpServerReady } from './support/smtp-intake-server.ts';
import { dataBlock, sendAll } from './support/smtp-sender.ts';
import { table } from './support/stats.ts';
import { databaseUrl, freshBenchDatabase, runStatement, withClient } from './support/server.ts';

/**
 * Target (2 cores): >= 200 messages/s through TenantDesk's SMTP listener to committed tickets, for
 * all-new tickets and with 10% replies threaded into existing tickets.
 *
 * A dedicated PostgreSQL database (td_bench_smtp), migrated, with the catalog of `--tenants` tenants
 * (bench/support/fixture.ts), each with one support address `support@t<id>.bench.test` and
 * `--past-contacts` customers from before: a desk in service. A child process runs the real SMTP
 * listener (support/smtp-intake-server.ts: the runtime and `startSmtpListener` as SMTP_PORT starts
 * them). Here, `--clients` x `--connections` SMTP sessions on loopback (support/smtp-sender.ts)
 * deliver `--messages` messages (multipart text + HTML, about 1.5 KB, composed before the clock
 * starts) spread over the tenants; with the defaults each message of the first run comes from a
 * sender the desk does not know yet, those of the second from the same senders, known by then. The
 * listener answers 250 only after the message's unit of work committed, so the time from the first
 * send to the last 250 is the time to committed tickets; the database is then counted to check that
 * every 250 is a stored entry.
 *
 * Before the runs, `--warmup` messages from senders of their own bring V8's compiled code to its
 * steady state (200 left the first run paying for about a third more server CPU per message), and
 * ANALYZE gives the tables the statistics autovacuum keeps in a desk in service (bench/README).
 *
 * Run "replies": 10% of the messages answer tickets of the first run, a third each by the
 * Message-ID the desk sent (the auto-reply's signed token, computed as send-mail.ts computes it), by
 * the Message-ID of the customer's first message (In-Reply-To), and by the `[T5-000012]` number in
 * the subject from the ticket's requester; every one must be threaded (outcome `reply`).
 */
export type SmtpIntakeOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  messages: number;
  warmup: number;
  clients: number;
  connections: number;
  replyShare: number;
  pool: number;
  /** Contacts each tenant has before the runs (none of them sends). */
  pastContacts: number;
  keep: boolean;
  /** Write a V8 CPU profile of the server process into this directory. */
  cpuProf: string | undefined;
};

export type IntakeRun = {
  name: string;
  messages: number;
  seconds: number;
  accepted: number;
  refused: number;
  entries: number;
  tickets: number;
  replies: number;
  expectedReplies: number;
  roundTrips: number;
  /** CPU time per message of the server process and of the database's PostgreSQL backends, in ms. */
  serverCpuMs: number;
  postgresCpuMs: number;
  /** This process's CPU time per message: the SMTP clients, the load generator. */
  clientCpuMs: number;
  load: [number, number];
};

const SERVER = fileURLToPath(new URL('./support/smtp-intake-server.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
export const SECRET = 'bench-smtp-intake-secret-0123456789abcdef';
export const addressOf = (tenant: number) => `support@t${tenant}.${HOST_SUFFIX}`;

export type Sent = { tenant: number; from: string; messageId: string; number: string };
export type Mail = SendMailOptions & { from: string; messageId: string; tenant: number };

export async function prepare(options: SmtpIntakeOptions): Promise<string> {
  const url = databaseUrl(options.adminUrl, options.database);
  const database = await freshBenchDatabase(options.adminUrl, options.database);
  try {
    await loadCatalog(database.owner, catalogShape(options.tenants));
    await sql`insert into mailboxes (tenant_id, address, name) select id, 'support@' || slug || ${'.' + HOST_SUFFIX}, name || ' Support' from tenants`.execute(database.owner);
    // A desk in service knows its customers: past contacts, none of them a sender of the runs.
    await sql`insert into contacts (tenant_id, kind, email, name)
      select t.id, 'customer', 'past' || g || '@t' || t.id || '.customers.test', 'Past customer ' || g from tenants t, generate_series(1, ${options.pastContacts}) g`.execute(database.owner);
    await sql`insert into contact_roles (tenant_id, contact_id, role_id, is_default)
      select c.tenant_id, c.id, r.id, true from contacts c, roles r where r.slug = 'customer' and r.tenant_id is null`.execute(database.owner);
    await sql`vacuum analyze`.execute(database.owner);
  } finally {
    await database.close();
  }
  return url;
}

async function startServer(url: string, options: SmtpIntakeOptions): Promise<{ child: ChildProcess; port: number }> {
  const execArgv = ['--import', 'tsx', ...(options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProf] : [])];
  const env = { ...process.env, DATABASE_URL: url, MAIL_SECRET: SECRET, LOG_LEVEL: 'warn', DB_POOL_MAX: String(options.pool), SMTP_PORT: '0' };
  const child = fork(SERVER, [], { cwd: REPO, execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message) => {
      if ((message as SmtpServerReady)?.type === 'ready') resolve((message as SmtpServerReady).port);
    });
    child.once('exit', (code) => reject(new Error(`the SMTP bench server exited (${String(code)}) before listening`)));
  });
  return { child, port };
}

function serverQueries(child: ChildProcess): Promise<SmtpServerQueries> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if ((message as SmtpServerQueries)?.type !== 'queries') return;
      child.off('message', onMessage);
      resolve(message as SmtpServerQueries);
    };
    child.on('message', onMessage);
    child.send({ type: 'queries' });
  });
}

/**
 * CPU seconds used so far by each PostgreSQL backend serving `database` (from /proc: the server
 * runs on this machine). CPU time, unlike wall time, hardly depends on what else the machine runs.
 */
export async function backendCpu(url: string, database: string): Promise<Map<number, number>> {
  const pids = await withClient(url, async (c) => (await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database])).rows);
  const cpu = new Map<number, number>();
  for (const { pid } of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The backend ended meanwhile.
    }
  }
  return cpu;
}

export const cpuSpent = (before: Map<number, number>, after: Map<number, number>): number =>
  [...after].reduce((sum, [pid, seconds]) => sum + seconds - (before.get(pid) ?? 0), 0);

type Counts = { entries: number; tickets: number; replies: number };

async function counts(url: string): Promise<Counts> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ entries: string; tickets: string; replies: string }>(`select
      (select count(*) from thread_entries where kind = 'reply') as entries,
      (select count(*) from tickets) as tickets,
      (select count(*) from mail_messages where direction = 'in' and outcome = 'reply') as replies`);
    return { entries: Number(rows[0]!.entries), tickets: Number(rows[0]!.tickets), replies: Number(rows[0]!.replies) };
  });
}

const BODY = 'Good morning,\n\nThe printer on the second floor jams on every second page since this morning. ' +
  'We tried another tray and fresh paper. Could someone have a look today?\n\nThanks,\n';

/** A new ticket's message: to tenant `i % tenants`, from one of that tenant's customers. */
export function newMessage(run: string, i: number, options: SmtpIntakeOptions, senders: number): Mail {
  const tenant = 1 + (i % options.tenants);
  // The warm-up's senders are its own: the runs measured meet the same new and known senders whatever its length.
  const from = `${run === 'warmup' ? 'warmup-' : ''}customer${Math.floor(i / options.tenants) % senders}@t${tenant}.customers.test`;
  const messageId = `${run}.${i}.${process.pid}@customers.test`;
  const subject = `Printer jams (${run} ${i})`;
  return { tenant, from, messageId, to: addressOf(tenant), subject, text: `${BODY}${from}`, html: `<p>${BODY.replace(/\n\n/g, '</p><p>')}${from}</p>` };
}

/** A reply to a ticket of the first run, threaded one of three ways (see the header comment). */
export function replyMessage(i: number, sent: Sent, deskIds: Map<string, string>): Mail {
  const base = { tenant: sent.tenant, from: sent.from, to: addressOf(sent.tenant), messageId: `reply.${i}.${process.pid}@customers.test`, text: 'It jams again.\n' };
  const way = i % 3;
  if (way === 0 && deskIds.has(sent.number)) return { ...base, subject: 'Re: your request', inReplyTo: `<${deskIds.get(sent.number)!}>`, references: [`<${deskIds.get(sent.number)!}>`] };
  if (way === 1) return { ...base, subject: 'Re: Printer jams', inReplyTo: `<${sent.messageId}>`, references: [`<${sent.messageId}>`] };
  return { ...base, subject: `Re: [${sent.number}] Printer jams` };
}

/** The Message-IDs the desk gives its auto-replies (send-mail.ts: signed token, outbox row id as nonce). */
export async function deskMessageIds(url: string): Promise<Map<string, string>> {
  const box = secretBox(SECRET);
  const rows = await withClient(url, async (c) =>
    (await c.query<{ id: string; tenant_id: number; ticket_id: string; number: string }>(`select o.id, o.tenant_id, o.ticket_id, t.number
      from mail_outbox o join tickets t on t.id = o.ticket_id where o.kind = 'auto-reply'`)).rows,
  );
  return new Map(rows.map((r) => [r.number, signedMessageId(box, { tenantId: r.tenant_id, ticketId: r.ticket_id }, `t${r.tenant_id}.${HOST_SUFFIX}`, r.id.replace(/-/g, ''))]));
}

/** Where the load goes: the listener's port and how many SMTP sessions send at once. */
export type SmtpTarget = { port: number; sessions: number };
export const smtpTarget = (port: number, options: Pick<SmtpIntakeOptions, 'clients' | 'connections'>): SmtpTarget => ({ port, sessions: options.clients * options.connections });

/** A mail as the bytes its sender's client would send. */
export const rawMail = (mail: Mail): Promise<Buffer> => new MailComposer({ ...mail, messageId: `<${mail.messageId}>` }).compile().build();

/**
 * Sends every mail over the target's sessions at once (support/smtp-sender.ts); resolves when each
 * has its answer. The mails are composed and dot-stuffed before the clock starts, as autocannon
 * prepares its requests: the clients share the machine with the desk, and building MIME is their
 * sender's work, not the desk's.
 */
export async function deliver(target: SmtpTarget, mails: Mail[]): Promise<{ seconds: number; clientCpuMs: number; accepted: number; refused: number; sent: Sent[] }> {
  const envelopes = await Promise.all(mails.map(async (m) => ({ from: m.from, to: m.to as string, raw: dataBlock(await rawMail(m)) })));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const answers = await sendAll(target.port, target.sessions, envelopes);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const sent: Sent[] = [];
  answers.forEach((answer, i) => {
    const number = /Accepted: (\S+)/.exec(answer.response)?.[1] ?? '';
    if (answer.ok) sent.push({ tenant: mails[i]!.tenant, from: mails[i]!.from, messageId: mails[i]!.messageId, number });
  });
  const refused = mails.length - sent.length;
  if (refused) console.error(`[smtp-intake] ${refused} refused, e.g. ${answers.find((a) => !a.ok)?.response}`);
  return { seconds, clientCpuMs: (used.user + used.system) / 1000, accepted: sent.length, refused, sent };
}

async function measured(name: string, url: string, child: ChildProcess, target: SmtpTarget, mails: Mail[], expectedReplies: number): Promise<IntakeRun & { sent: Sent[] }> {
  const before = await counts(url);
  const serverBefore = await serverQueries(child);
  const postgresBefore = await backendCpu(url, new URL(url).pathname.slice(1));
  const loadBefore = loadavg()[0]!;
  console.error(`[smtp-intake] ${name}: ${mails.length} messages`);
  const result = await deliver(target, mails);
  const serverAfter = await serverQueries(child);
  const postgresSeconds = cpuSpent(postgresBefore, await backendCpu(url, new URL(url).pathname.slice(1)));
  const after = await counts(url);
  const run = {
    name,
    messages: mails.length,
    seconds: result.seconds,
    accepted: result.accepted,
    refused: result.refused,
    entries: after.entries - before.entries,
    tickets: after.tickets - before.tickets,
    replies: after.replies - before.replies,
    expectedReplies,
    roundTrips: (serverAfter.count - serverBefore.count) / mails.length,
    serverCpuMs: (serverAfter.cpuMs - serverBefore.cpuMs) / mails.length,
    postgresCpuMs: (postgresSeconds * 1000) / mails.length,
    clientCpuMs: result.clientCpuMs / mails.length,
    load: [loadBefore, loadavg()[0]!] as [number, number],
    sent: result.sent,
  };
  console.error(`[smtp-intake] ${name}: ${Math.round(run.messages / run.seconds)} msg/s, ${run.accepted} x 250, ${run.entries} entries stored, ${run.roundTrips.toFixed(1)} round trips/msg, CPU ms/msg: server ${run.serverCpuMs.toFixed(1)}, PostgreSQL ${run.postgresCpuMs.toFixed(1)}, clients ${run.clientCpuMs.toFixed(1)}`);
  return run;
}

export async function runSmtpIntake(options: SmtpIntakeOptions): Promise<IntakeRun[]> {
  const url = await prepare(options);
  const { child, port } = await startServer(url, options);
  const target = smtpTarget(port, options);
  const total = options.warmup + 2 * options.messages;
  const senders = Math.max(20, Math.ceil(total / options.tenants / 20));
  try {
    await deliver(target, Array.from({ length: options.warmup }, (_, i) => newMessage('warmup', i, options, senders)));
    // Statistics as autovacuum keeps them in a desk in service (it analyses a table after 50 rows and
    // 10% changed). Without them the plans made for empty tables stay cached all run (see bench/README).
    await runStatement(url, 'analyze');
    const fresh = await measured('all new tickets', url, child, target, Array.from({ length: options.messages }, (_, i) => newMessage('new', i, options, senders)), 0);
    const deskIds = await deskMessageIds(url);
    const replies = Math.round(options.messages * options.replyShare);
    const mixed = Array.from({ length: options.messages }, (_, i) => newMessage('mixed', i, options, senders));
    // Every tenth message (for a 10% share) answers a distinct ticket of the first run instead.
    const every = Math.max(1, Math.floor(options.messages / Math.max(1, replies)));
    for (let r = 0; r < replies; r++) mixed[r * every] = replyMessage(r, fresh.sent[(r * 7919) % fresh.sent.length]!, deskIds);
    const threaded = await measured(`${Math.round(options.replyShare * 100)}% replies`, url, child, target, mixed, replies);
    return [fresh, threaded].map(({ sent: _sent, ...run }) => run);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
}

export function reportSmtpIntake(options: SmtpIntakeOptions, runs: IntakeRun[]): string {
  const rows = runs.map((r) => [
    r.name,
    String(r.messages),
    r.seconds.toFixed(1),
    String(Math.round(r.messages / r.seconds)),
    String(r.accepted),
    String(r.entries),
    String(r.tickets),
    `${r.replies} / ${r.expectedReplies}`,
    String(r.refused),
    r.roundTrips.toFixed(1),
    r.serverCpuMs.toFixed(1),
    r.postgresCpuMs.toFixed(1),
    r.clientCpuMs.toFixed(1),
    `${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}`,
  ]);
  return [
    `## SMTP intake (${options.tenants} tenants, ${options.clients} clients x ${options.connections} connections, pool of ${options.pool}, ${options.warmup} warm-up messages)`,
    '',
    table(['run', 'messages', 'seconds', 'msg/s', '250 answers', 'entries stored', 'new tickets', 'replies threaded', 'refused', 'DB round trips/msg', 'server CPU ms/msg', 'PostgreSQL CPU ms/msg', 'client CPU ms/msg', 'load avg (1 min)'], rows),
  ].join('\n');
}

export function smtpIntakeOptionsFromArgs(args = parseArgs()): SmtpIntakeOptions {
  const cpuProf = args.string('cpu-prof', '');
  return {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_smtp'),
    tenants: args.int('tenants', 100),
    messages: args.int('messages', 2_000),
    warmup: args.int('warmup', 2_000),
    clients: args.int('clients', 4),
    connections: args.int('connections', 4),
    replyShare: args.int('reply-percent', 10) / 100,
    pool: args.int('pool', 10),
    pastContacts: args.int('past-contacts', 100),
    keep: args.flag('keep'),
    cpuProf: cpuProf || undefined,
  };
}

if (isMain(import.meta.url)) {
  const options = smtpIntakeOptionsFromArgs();
  console.log(reportSmtpIntake(options, await runSmtpIntake(options)));
}

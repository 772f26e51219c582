import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { seedApiTenants, type ApiTenant } from './api-tenants.ts';
import { freePort } from './net.ts';
import { PrivatePostgres } from './private-postgres.ts';
import { call, errorCode, ServerProcess, type Answer } from './server-process.ts';

/**
 * Acknowledged writes under faults. Concurrent clients create tickets and add replies over HTTP,
 * each write with its own `Idempotency-Key`, retrying with the same key and body on a network
 * error, a 503, a 429 or a 409 "still in flight", while `tenantdesk serve` is SIGKILLed at random
 * moments (and started again on the same port) and its PostgreSQL (a private cluster) is
 * restarted. Then every write is looked up in the database by the marker it carries: a write
 * answered 2xx must exist exactly once, with the id it was answered with; any other at most once.
 * Used at a small size by test/resilience/fault-writes.test.ts and at full size by bench/fault-writes.ts.
 */
export type FaultWritesOptions = {
  writes: number;
  clients: number;
  tenants: number;
  kills: number;
  pgRestarts: number;
  /** Share of the writes that are replies to a ticket already acknowledged (0..1). */
  replyShare: number;
  /** A write whose answer is still 409 (its key held by a request that died) after this long is given up. */
  stuckAfterMs: number;
  log?: (line: string) => void;
};

type Write = { index: number; kind: 'ticket' | 'reply'; tenant: ApiTenant; key: string; path: string; body: object; marker: string };
type Outcome = { write: Write; status: number | 'gave-up'; id?: string; attempts: number; replayed: boolean; last?: string };

export type FaultWritesReport = {
  options: Omit<FaultWritesOptions, 'log'>;
  durationMs: number;
  kills: number;
  pgRestarts: number;
  acknowledged: { tickets: number; replies: number };
  /** Writes sent more than once (after a network error, 503, 429 or 409), and all the extra sends. */
  retriedWrites: number;
  retries: number;
  /** 2xx answers that were the stored answer of an earlier attempt (`Idempotent-Replayed`). */
  replayed: number;
  answers: Record<string, number>;
  gaveUp: string[];
  refused: string[];
  /** Acknowledged but not in the database, or there under another id. */
  lost: string[];
  /** In the database more than once. */
  duplicated: string[];
  /** Not acknowledged, yet in the database (allowed: the answer was lost with the process). */
  unacknowledgedButStored: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RETRYABLE = new Set([409, 429, 503]);

export async function runFaultWrites(options: FaultWritesOptions): Promise<FaultWritesReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const cluster = await PrivatePostgres.create();
  const dataDir = mkdtempSync(join(tmpdir(), 'td-fault-writes-'));
  let server: ServerProcess | undefined;
  try {
    const url = await cluster.createDatabase('tenantdesk');
    const tenants = await seed(url, options.tenants);
    const port = await freePort();
    const env = { DATABASE_URL: url, DATA_DIR: dataDir, TENANT_API_RATE: '0', LOG_LEVEL: 'error' };
    server = await ServerProcess.start(env, port);
    log(`[fault-writes] PostgreSQL on ${cluster.port}, server on ${port}; ${options.writes} writes by ${options.clients} clients`);

    const state = { next: 0, acked: 0, done: false, tickets: new Map<string, string[]>() };
    const outcomes: Outcome[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
    const client = async () => {
      for (let index = state.next++; index < options.writes; index = state.next++) {
        const outcome = await send(port, agent, plan(index, tenants, state.tickets, options.replyShare), options.stuckAfterMs);
        outcomes.push(outcome);
        if (typeof outcome.status === 'number' && outcome.status < 300) {
          state.acked += 1;
          if (outcome.write.kind === 'ticket') state.tickets.set(outcome.write.tenant.slug, [...(state.tickets.get(outcome.write.tenant.slug) ?? []), outcome.id!]);
        }
      }
    };
    const faults = runFaults(options, state, {
      kill: async () => {
        server!.child.kill('SIGKILL');
        await server!.exited;
        server = await ServerProcess.start(env, port);
      },
      restartPostgres: () => cluster.restart('immediate'),
    }, log);
    await Promise.all(Array.from({ length: options.clients }, client));
    state.done = true;
    const done = await faults;
    agent.destroy();
    await server.stop('SIGTERM');
    return await verify(url, outcomes, { ...done, options, durationMs: Date.now() - started });
  } finally {
    if (server?.running) await server.stop('SIGKILL');
    await cluster.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function seed(url: string, count: number): Promise<ApiTenant[]> {
  const database = await openDatabase({ kind: 'postgres', url, poolMax: 2 });
  try {
    await migrate(database);
    const slugs = Array.from({ length: count }, (_, i) => ({ slug: `t${i + 1}` }));
    return Object.values((await seedApiTenants(new Shards(database), slugs)).tenants);
  } finally {
    await database.close();
  }
}

/** Write `index`: a reply to an acknowledged ticket of its tenant when there is one and the dice say so, else a new ticket. */
function plan(index: number, tenants: ApiTenant[], acked: Map<string, string[]>, replyShare: number): Write {
  const tenant = tenants[index % tenants.length]!;
  const key = `fault-${index}`;
  const targets = acked.get(tenant.slug) ?? [];
  if (targets.length && Math.random() < replyShare) {
    const ticket = targets[Math.floor(Math.random() * targets.length)]!;
    return { index, kind: 'reply', tenant, key, path: `/api/v1/tickets/${ticket}/replies`, body: { body: `<p>fault-r${index}</p>` }, marker: `fault-r${index}` };
  }
  return { index, kind: 'ticket', tenant, key, path: '/api/v1/tickets', body: { subject: `fault-w${index}`, body: '<p>first message</p>', requesterId: tenant.customerId }, marker: `fault-w${index}` };
}

/** Sends a write until it gets a final answer, always with the same key and body. */
async function send(port: number, agent: Agent, write: Write, stuckAfterMs: number): Promise<Outcome> {
  let attempts = 0;
  let conflictSince: number | undefined;
  let last = '';
  for (let backoff = 25; ; backoff = Math.min(backoff * 2, 400)) {
    attempts += 1;
    const answer: Answer | Error = await call(port, {
      method: 'POST',
      path: write.path,
      host: write.tenant.host,
      agent,
      timeoutMs: 30_000,
      headers: { authorization: `Bearer ${write.tenant.keys[0]}`, 'idempotency-key': write.key },
      body: write.body,
    }).catch((error: Error) => error);
    if (!(answer instanceof Error) && !RETRYABLE.has(answer.status)) {
      return { write, status: answer.status, id: (answer.body as { id?: string })?.id, attempts, replayed: answer.headers['idempotent-replayed'] === 'true', last: answer.text.slice(0, 200) };
    }
    last = answer instanceof Error ? `network ${(answer as NodeJS.ErrnoException).code ?? answer.message}` : `${answer.status} ${errorCode(answer) ?? ''}`;
    if (!(answer instanceof Error) && answer.status === 409) {
      conflictSince ??= Date.now();
      if (Date.now() - conflictSince > stuckAfterMs) return { write, status: 'gave-up', attempts, replayed: false, last };
    } else conflictSince = undefined;
    await sleep(backoff + Math.random() * backoff);
  }
}

/** The kills and PostgreSQL restarts, each at a random point of the run (by writes acknowledged), one at a time. */
async function runFaults(
  options: FaultWritesOptions,
  state: { acked: number; done: boolean },
  act: { kill(): Promise<void>; restartPostgres(): Promise<void> },
  log: (line: string) => void,
): Promise<{ kills: number; pgRestarts: number }> {
  const events = [...Array<'kill'>(options.kills).fill('kill'), ...Array<'pg'>(options.pgRestarts).fill('pg')]
    .map((kind) => ({ kind, at: Math.floor(options.writes * (0.1 + 0.8 * Math.random())) }))
    .sort((a, b) => a.at - b.at);
  const done = { kills: 0, pgRestarts: 0 };
  for (const event of events) {
    while (state.acked < event.at && !state.done) await sleep(10);
    if (state.done) break;
    await sleep(Math.random() * 250);
    const at = state.acked;
    const t0 = Date.now();
    if (event.kind === 'kill') {
      await act.kill();
      done.kills += 1;
    } else {
      await act.restartPostgres();
      done.pgRestarts += 1;
    }
    log(`[fault-writes] ${event.kind === 'kill' ? 'SIGKILL + restart of the server' : 'PostgreSQL restart (immediate)'} at ${at} acknowledged writes, back in ${Date.now() - t0} ms`);
  }
  return done;
}

/** Every write looked up by its marker in the database the server wrote to. */
async function verify(url: string, outcomes: Outcome[], base: Pick<FaultWritesReport, 'kills' | 'pgRestarts' | 'options' | 'durationMs'>): Promise<FaultWritesReport> {
  const database: Database = await openDatabase({ kind: 'postgres', url, poolMax: 1 });
  try {
    const tickets = await sql<{ marker: string; ids: string[] }>`select subject as marker, array_agg(id::text) as ids from tickets where subject like 'fault-w%' group by subject`.execute(database.owner);
    const replies = await sql<{ marker: string; ids: string[] }>`select substring(body_html from 'fault-r[0-9]+') as marker, array_agg(id::text) as ids
      from thread_entries where body_html like '%fault-r%' group by 1`.execute(database.owner);
    const stored = new Map([...tickets.rows, ...replies.rows].map((r) => [r.marker, r.ids]));
    const ok = (o: Outcome) => typeof o.status === 'number' && o.status < 300;
    const answers: Record<string, number> = {};
    for (const o of outcomes) answers[String(o.status)] = (answers[String(o.status)] ?? 0) + 1;
    return {
      ...base,
      acknowledged: { tickets: outcomes.filter((o) => ok(o) && o.write.kind === 'ticket').length, replies: outcomes.filter((o) => ok(o) && o.write.kind === 'reply').length },
      retriedWrites: outcomes.filter((o) => o.attempts > 1).length,
      retries: outcomes.reduce((n, o) => n + o.attempts - 1, 0),
      replayed: outcomes.filter((o) => o.replayed).length,
      answers,
      gaveUp: outcomes.filter((o) => o.status === 'gave-up').map((o) => `${o.write.marker} (${o.last})`),
      refused: outcomes.filter((o) => !ok(o) && o.status !== 'gave-up').map((o) => `${o.write.marker}: ${o.status} ${o.last}`),
      lost: outcomes.filter((o) => ok(o) && (stored.get(o.write.marker)?.length !== 1 || stored.get(o.write.marker)![0] !== o.id)).map((o) => `${o.write.marker} answered ${o.id}, stored ${JSON.stringify(stored.get(o.write.marker) ?? [])}`),
      duplicated: [...stored].filter(([, ids]) => ids.length > 1).map(([marker, ids]) => `${marker} × ${ids.length}`),
      unacknowledgedButStored: outcomes.filter((o) => !ok(o) && stored.has(o.write.marker)).length,
    };
  } finally {
    await database.close();
  }
}

/** The report as markdown lines. */
export function describeFaultWrites(r: FaultWritesReport): string {
  const list = (items: string[]) => (items.length ? `${items.length}: ${items.slice(0, 10).join('; ')}${items.length > 10 ? '; …' : ''}` : '0');
  return [
    `| writes | clients | tenants | SIGKILLs | PostgreSQL restarts | duration |`,
    `|---|---|---|---|---|---|`,
    `| ${r.options.writes} | ${r.options.clients} | ${r.options.tenants} | ${r.kills} | ${r.pgRestarts} | ${(r.durationMs / 1000).toFixed(1)} s |`,
    '',
    `- acknowledged (2xx): ${r.acknowledged.tickets} ticket creations, ${r.acknowledged.replies} replies`,
    `- final answers: ${Object.entries(r.answers).map(([k, v]) => `${k} × ${v}`).join(', ')}`,
    `- writes retried: ${r.retriedWrites} (${r.retries} extra sends); answered from the stored answer (Idempotent-Replayed): ${r.replayed}`,
    `- acknowledged but missing or under another id: ${list(r.lost)}`,
    `- stored more than once: ${list(r.duplicated)}`,
    `- given up (409 for longer than ${r.options.stuckAfterMs / 1000} s): ${list(r.gaveUp)}`,
    `- refused: ${list(r.refused)}`,
  ].join('\n');
}

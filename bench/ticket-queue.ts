import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import type { Role } from '../src/db/schema.ts';
import type { DeskContext } from '../src/desk/desk-context.ts';
import { decodeCursor, encodeCursor, listTickets, type TicketQuery } from '../src/desk/tickets/list-tickets.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { listObjects } from '../src/tenancy/data-access.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { systemContext } from '../src/tenancy/system-context.ts';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { catalogShape, loadCatalog } from './support/fixture.ts';
import { freshBenchDatabase, runStatement } from './support/server.ts';
import { fixed, ratio, summarize, table } from './support/stats.ts';

/**
 * The agent's queues (`listTickets`) by sort, on a PostgreSQL server: `tickets` tickets over
 * `tenants` tenants (a year of them, every priority, half with a due date), loaded with set-based SQL
 * and analysed. Measured for an agent reading one tenant and for the service provider reading them
 * all: the first page of 50 and the 10th page (by cursor) of each sort, and the overdue queue; the
 * sorts are interleaved in every iteration so that the machine's load falls on all of them alike,
 * and each is reported as a ratio to the default sort (created, newest first). "before" is the queue
 * as it was before sorts: listObjects on created_at with the (created_at, id) cursor of a Date.
 */
export type QueueBenchOptions = { adminUrl: string; database: string; tenants: number; tickets: number; iterations: number; keep: boolean };

const log = (message: string) => console.error(`[queue] ${message}`);

async function load(database: Database, options: QueueBenchOptions): Promise<void> {
  await loadCatalog(database.owner, catalogShape(options.tenants));
  await sql`insert into tickets (tenant_id, subject, status, priority_id, created_at, updated_at, resolution_due_at, first_responded_at)
    select 2 + g % (${options.tenants}::integer - 1), 'Ticket ' || g, (array['open', 'open', 'pending', 'resolved', 'closed'])[1 + g % 5],
      case when g % 7 <> 0 then (select id from priorities order by rank offset g % 4 limit 1) end,
      c.at, c.at + (g % 500) * interval '1 minute',
      case when g % 2 = 0 then c.at + (g % 9000) * interval '1 minute' end, c.at + interval '5 minutes'
    from generate_series(1, ${options.tickets}::integer) g,
      lateral (select now() - ((g * 7919) % 525600) * interval '1 minute' as at) c`.execute(database.owner);
  await sql`analyze`.execute(database.owner);
}

type Case = { name: string; query: TicketQuery; pages: number; before?: true };

const CASES: Case[] = [
  { name: 'before, page 1', query: {}, pages: 1, before: true },
  { name: 'before, page 10', query: {}, pages: 10, before: true },
  ...(['created', 'updated', 'due', 'priority'] as const).flatMap((sort) => [
    { name: `${sort}, page 1`, query: { sort }, pages: 1 },
    { name: `${sort}, page 10`, query: { sort }, pages: 10 },
  ]),
  { name: 'overdue (due), page 1', query: { sort: 'due', overdue: true }, pages: 1 },
];

/** The queue as it was: newest first by the plain column, its cursor a millisecond Date. */
async function before(desk: DeskContext, cursor: string | undefined) {
  const rows = await listObjects(desk, 'ticket', { orderBy: 'created_at', descending: true, limit: 51, ...(cursor ? { after: decodeCursor(cursor) } : {}) });
  const items = rows.slice(0, 50);
  return { items, nextCursor: rows.length > 50 ? encodeCursor(items[49]!) : null };
}

/** The time to the `pages`-th page, each page following the previous one's cursor. */
async function timePages(desk: DeskContext, c: Case): Promise<number> {
  let cursor: string | undefined;
  let last = 0;
  for (let page = 0; page < c.pages; page++) {
    const t0 = performance.now();
    const answer = c.before ? await before(desk, cursor) : await listTickets(desk, { ...c.query, limit: 50, ...(cursor ? { cursor } : {}) });
    last = performance.now() - t0;
    cursor = answer.nextCursor ?? undefined;
    if (!cursor && page < c.pages - 1) throw new Error(`${c.name}: only ${page + 1} pages`);
  }
  return last;
}

export async function runQueueBench(options: QueueBenchOptions): Promise<string> {
  const database = await freshBenchDatabase(options.adminUrl, options.database, 4);
  try {
    const t0 = performance.now();
    await load(database, options);
    log(`loaded ${options.tickets} tickets in ${fixed((performance.now() - t0) / 1000, 1)} s`);
    const shards = new Shards(database);
    const catalog = (await Catalog.load(database, 0)).snapshot();
    const agent = { slug: 'agent', permissions: ['ticket.reply'] } as unknown as Role;
    const as = (read: 'all' | number[]): DeskContext => ({ ...systemContext(shards, DEFAULT_TENANCY, catalog), access: { read, write: [], writePublic: false }, actor: { contactId: '00000000-0000-0000-0000-000000000000', kind: 'agent', activeRole: agent } });
    const shapes = [{ label: 'one tenant', desk: as([5]) }, { label: 'all tenants', desk: as('all') }];
    const lines: string[][] = [];
    const load1 = loadavg()[0]!;
    for (const shape of shapes) {
      const samples = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
      for (let i = 0; i < options.iterations + 2; i++) {
        // Rotating order; the first two rounds warm the caches and are dropped.
        for (let k = 0; k < CASES.length; k++) {
          const c = CASES[(i + k) % CASES.length]!;
          const ms = await timePages(shape.desk, c);
          if (i >= 2) samples.get(c.name)!.push(ms);
        }
      }
      const base = (pages: number) => summarize(samples.get(`created, page ${pages}`)!).median;
      for (const c of CASES) {
        const s = summarize(samples.get(c.name)!);
        lines.push([shape.label, c.name, fixed(s.median, 2), fixed(s.p95, 2), ratio(s.median, base(c.pages))]);
      }
    }
    await shards.close();
    const header = `${options.tickets} tickets over ${options.tenants} tenants, ${options.iterations} iterations, load average ${fixed(load1, 1)} at the start, ${fixed(loadavg()[0]!, 1)} at the end`;
    return `${header}\n\n${table(['reader', 'queue', 'median ms', 'p95 ms', 'vs created (same page)'], lines)}`;
  } finally {
    await database.close();
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const options: QueueBenchOptions = {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_queue'),
    tenants: args.int('tenants', 200),
    tickets: args.int('tickets', 200_000),
    iterations: args.int('iterations', 20),
    keep: args.flag('keep'),
  };
  console.log(await runQueueBench(options));
}

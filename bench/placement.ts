/**
 * Placement benchmark (issue 4), on the PostgreSQL server:
 *   1. creating a pool tenant (target < 100 ms) and a silo tenant (target < 3 s);
 *   2. the service provider's merged queue ("50 newest tickets of all tenants") over 100 tenants
 *      on 3 shards (98 in the pool, 2 silos) against the same 100 tenants on one shard
 *      (target: within 2x). Both layouts hold the same tickets; calls are interleaved.
 * Usage: npm run bench:placement [-- --url postgres://... --iterations 200]
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../src/tenancy/catalog/create-tenant.ts';
import { listObjects } from '../src/tenancy/data-access.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { isMain, LOCAL_POSTGRES, parseArgs } from './support/args.ts';
import { fixed, ratio, summarize } from './support/stats.ts';

const args = parseArgs();
const SERVER = args.string('url', process.env.BENCH_DATABASE_URL ?? LOCAL_POSTGRES);
const ITERATIONS = args.int('iterations', 200);
const TICKETS_PER_TENANT = 100;
const log = (message: string) => process.stderr.write(`[placement] ${message}\n`);

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function freshDatabase(name: string): Promise<{ database: Database; shards: Shards }> {
  await dropAll(name);
  await admin(`create database ${name}`);
  const url = Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
  const database = await openDatabase({ kind: 'postgres', url, poolMax: 4 });
  await migrate(database);
  return { database, shards: new Shards(database) };
}

async function dropAll(prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    const found = await client.query<{ datname: string }>('select datname from pg_database where datname = $1 or datname like $2', [prefix, `${prefix}\\_%`]);
    for (const { datname } of found.rows) await client.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await client.end();
  }
}

async function fillTickets(database: Database, tenantIds: number[]): Promise<void> {
  await sql`insert into tickets (tenant_id, subject, created_at)
    select t, 'ticket ' || g, timestamptz '2026-01-01' + (g * 7919 % 100000) * interval '1 minute'
    from unnest(${sql.val(tenantIds)}::integer[]) t, generate_series(1, ${TICKETS_PER_TENANT}) g`.execute(database.owner);
  await sql`analyze tickets`.execute(database.owner);
}

async function creationTimes(): Promise<string[]> {
  const { database, shards } = await freshDatabase('td_bench_create');
  try {
    await createTenant(database, DEFAULT_TENANCY, { slug: 'sp', name: 'SP' }, shards);
    const pool: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      await createTenant(database, DEFAULT_TENANCY, { slug: `pool-${i}`, name: `Pool ${i}`, hosts: [`pool-${i}.bench.test`] }, shards);
      pool.push(performance.now() - started);
    }
    const silo: number[] = [];
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      await createTenant(database, DEFAULT_TENANCY, { slug: `silo-${i}`, name: `Silo ${i}`, hosts: [`silo-${i}.bench.test`], silo: true }, shards);
      silo.push(performance.now() - started);
    }
    const p = summarize(pool);
    const s = summarize(silo.slice(1));
    return [
      '| tenant creation, ms | n | median | p95 | max | target |',
      '| --- | --- | --- | --- | --- | --- |',
      `| pool tenant (with host and maintained groups) | ${p.n} | ${fixed(p.median, 1)} | ${fixed(p.p95, 1)} | ${fixed(p.max, 1)} | < 100 |`,
      `| silo tenant, first (creates and migrates the template) | 1 | ${fixed(silo[0]!, 1)} | | | |`,
      `| silo tenant, from the template | ${s.n} | ${fixed(s.median, 1)} | ${fixed(s.p95, 1)} | ${fixed(s.max, 1)} | < 3000 |`,
    ];
  } finally {
    await shards.close();
    await database.close();
    await dropAll('td_bench_create');
  }
}

type Layout = { name: string; database: Database; shards: Shards; catalog: Catalog };

async function layout(name: string, silos: number): Promise<Layout> {
  const { database, shards } = await freshDatabase(name);
  await createTenant(database, DEFAULT_TENANCY, { slug: 'sp', name: 'SP' }, shards);
  const pool: number[] = [];
  for (let i = 0; i < 100; i++) {
    const silo = i < silos;
    const tenant = await createTenant(database, DEFAULT_TENANCY, { slug: `t${i}`, name: `T${i}`, silo }, shards);
    if (silo) await fillTickets(await shards.get(tenant.shard), [tenant.id]);
    else pool.push(tenant.id);
  }
  await fillTickets(database, pool);
  return { name, database, shards, catalog: await Catalog.load(database) };
}

async function mergedQueue(): Promise<string[]> {
  log('loading one-shard and three-shard layouts (100 tenants x 100 tickets each)');
  const one = await layout('td_bench_one', 0);
  const three = await layout('td_bench_three', 2);
  try {
    const queue = (l: Layout) =>
      listObjects(
        { database: l.database, shards: l.shards, settings: DEFAULT_TENANCY, catalog: l.catalog.snapshot(), access: { read: 'all', write: [], writePublic: false } },
        'ticket',
        { orderBy: 'created_at', descending: true, limit: 50 },
      );
    const [a, b] = [await queue(one), await queue(three)];
    if (a.map((r) => r.created_at).join() !== b.map((r) => r.created_at).join()) throw new Error('the two layouts return different queues');
    const times: Record<string, number[]> = { one: [], three: [] };
    for (let i = 0; i < ITERATIONS; i++) {
      for (const l of i % 2 ? [one, three] : [three, one]) {
        const started = performance.now();
        await queue(l);
        times[l === one ? 'one' : 'three']!.push(performance.now() - started);
      }
    }
    const o = summarize(times.one!);
    const t = summarize(times.three!);
    return [
      '| SP queue, 50 newest of 100 tenants, ms | n | median | p95 |',
      '| --- | --- | --- | --- |',
      `| one shard (all 100 in the pool) | ${o.n} | ${fixed(o.median)} | ${fixed(o.p95)} |`,
      `| three shards (98 in the pool, 2 silos) | ${t.n} | ${fixed(t.median)} | ${fixed(t.p95)} |`,
      '',
      `Three shards / one shard: ${ratio(t.median, o.median)} (medians), target within 2x.`,
    ];
  } finally {
    for (const l of [one, three]) {
      await l.shards.close();
      await l.database.close();
    }
    await dropAll('td_bench_one');
    await dropAll('td_bench_three');
  }
}

/** Both measurements, as a markdown section. */
export async function runPlacement(): Promise<string> {
  log(`server ${SERVER}`);
  return ['### Placement (`npm run bench:placement`)', '', ...(await creationTimes()), '', ...(await mergedQueue())].join('\n');
}

if (isMain(import.meta.url)) process.stdout.write(`${await runPlacement()}\n`);

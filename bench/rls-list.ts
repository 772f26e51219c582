import { performance } from 'node:perf_hooks';
import { sql, type RawBuilder } from 'kysely';
import { openDatabase, redact, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { objectType } from '../src/db/registry.ts';
import { inScope, type TenantSet } from '../src/db/scope.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { readScope, resolveAccess, type Access } from '../src/tenancy/access.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { listObjects, tenantFilter, type Row } from '../src/tenancy/data-access.ts';
import { partitionFilter } from '../src/tenancy/data-partitions.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { isMain, LOCAL_POSTGRES, parseArgs } from './support/args.ts';
import { BASELINE_HELPERS } from './support/baseline-helpers.ts';
import { catalogShape, loadCatalog } from './support/fixture.ts';
import { databaseUrl, freshBenchDatabase, withClient } from './support/server.ts';
import { fixed, ratio, seededInts, summarize, table, type Summary } from './support/stats.ts';

/**
 * Target: a scoped list query over a pool of 10,000 tenants and 1,000,000 tickets costs at most
 * 10% more than the same query without RLS.
 *
 * On a real PostgreSQL server: a dedicated database (td_bench), migrated by src/db/migrate.ts,
 * loaded with set-based SQL, vacuumed and analysed. The query is what listObjects() sends for "the
 * 50 newest tickets" (select * ... where <app filter> and <no data partitions: true> and true order by created_at desc,
 * id limit 50),
 * for a role reading one tenant, a role reading a ~20-tenant group (a parent's subtenants group),
 * and a role reading all tenants. Each iteration runs, in rotating order, on one connection:
 *   owner     the query as the owner (superuser: RLS bypassed) with the app filter, one round trip;
 *   owner-tx  the same inside a transaction shaped like inScope() (same set_config statement, but
 *             the role stays the owner: no RLS), to separate transaction round trips from RLS;
 *   rls       the query through inScope() as tenantdesk_app: the app filter plus the RLS policies.
 * "statement" times only the select; "call" times the whole unit (transaction included).
 */
export type RlsOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  tickets: number;
  iterations: { one: number; group: number; all: number };
  keep: boolean;
  reuse: boolean;
  /** Measure with the RLS helpers as they were before the fix (bench/support/baseline-helpers.ts). */
  baselineHelpers: boolean;
};

type Shape = 'one' | 'group' | 'all';
type Variant = 'owner' | 'owner-tx' | 'rls';
type Timing = { call: number; statement: number };

export type ShapeResult = {
  shape: Shape;
  label: string;
  iterations: number;
  call: Record<Variant, Summary>;
  statement: Record<Variant, Summary>;
  /** Median over iterations of rls/owner statement-time ratios (paired per iteration). */
  pairedStatementRatio: number;
  explainRls: string;
  explainOwner: string;
};

export type RlsResult = {
  options: RlsOptions;
  server: Record<string, string>;
  loadSeconds: number | undefined;
  sizes: Record<string, string>;
  enforcement: string;
  shapes: ShapeResult[];
  /** One tenant written as `tenant_id = X` instead of `= any('{X}')`: the plans the ordered index allows. */
  equality: { tenant: number; owner: string; rls: string };
};

const TICKET = objectType('ticket');
const LIMIT = 50;

/** Exactly the SQL listObjects() builds for tickets ordered by created_at desc, limit 50. */
function listQuery(set: TenantSet): RawBuilder<Row> {
  return sql<Row>`select * from ${sql.table(TICKET.table)}
      where ${tenantFilter(TICKET, set)} and ${partitionFilter(TICKET, [])}
        and ${sql<boolean>`true`}
      order by ${sql.ref('created_at')} ${sql`desc`}, id
      limit ${LIMIT}`;
}

const encode = (set: TenantSet) => (set === 'all' ? '*' : `{${set.join(',')}}`);


const log = (message: string) => console.error(`[rls-list] ${message}`);

async function isLoaded(options: RlsOptions): Promise<boolean> {
  const exists = await withClient(options.adminUrl, (c) => c.query('select 1 from pg_database where datname = $1', [options.database]));
  if (!exists.rowCount) return false;
  return withClient(databaseUrl(options.adminUrl, options.database), async (c) => {
    const r = await c.query<{ tenants: number; tickets: number }>(
      `select (select count(*)::integer from tenants) as tenants, (select count(*)::integer from tickets) as tickets`,
    );
    return r.rows[0]?.tenants === options.tenants && r.rows[0]?.tickets === options.tickets;
  }).catch(() => false);
}

/** Brings a reused database up to date (new migrations, a changed security script); false if it cannot be. */
async function migratesCleanly(options: RlsOptions): Promise<boolean> {
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(options.adminUrl, options.database), poolMax: 1 });
  try {
    await migrate(database);
    return true;
  } catch (error) {
    log(`cannot reuse ${options.database}: ${(error as Error).message}`);
    return false;
  } finally {
    await database.close();
  }
}

/** Creates, migrates and loads the bench database; returns the load time in seconds. */
async function createAndLoad(options: RlsOptions): Promise<number> {
  const started = performance.now();
  const name = options.database;
  const database = await freshBenchDatabase(options.adminUrl, name);
  try {
    log(`migrated ${name}; loading ${options.tenants} tenants`);
    await loadCatalog(database.owner, catalogShape(options.tenants));
  } finally {
    await database.close();
  }
  // Tickets in chunks, set-based: tenant = 1 + g mod N (about N/T tickets each), creation times
  // spread deterministically over two years.
  const chunk = 250_000;
  await withClient(databaseUrl(options.adminUrl, name), async (c) => {
    await c.query('set synchronous_commit = off');
    for (let from = 1; from <= options.tickets; from += chunk) {
      const to = Math.min(options.tickets, from + chunk - 1);
      await c.query(
        `insert into tickets (tenant_id, subject, status, created_at, updated_at)
         select 1 + (g % $1::integer), 'Ticket ' || g, (array['open', 'pending', 'closed'])[1 + g % 3],
                t.at, t.at
         from generate_series($2::integer, $3::integer) g,
              lateral (select now() - ((g::bigint * 7919) % 63072000) * interval '1 second' as at) t`,
        [options.tenants, from, to],
      );
      log(`tickets ${to}/${options.tickets} (${fixed((performance.now() - started) / 1000, 1)} s)`);
    }
    await c.query('vacuum (analyze) tenants, tenant_hosts, tenant_groups, tenant_group_members, tickets');
  });
  return (performance.now() - started) / 1000;
}

async function serverFacts(database: Database): Promise<{ server: Record<string, string>; sizes: Record<string, string> }> {
  const server: Record<string, string> = {};
  for (const setting of ['server_version', 'shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit']) {
    const r = await sql<{ v: string }>`select current_setting(${setting}) as v`.execute(database.owner);
    server[setting] = r.rows[0]!.v;
  }
  // The tickets table (with its indexes, as the planner sees them) and each of its indexes.
  const r = await sql<{ name: string; size: string }>`select c.relname as name, pg_size_pretty(pg_total_relation_size(c.oid)) as size
    from pg_class c where c.oid = 'tickets'::regclass or c.oid in (select indexrelid from pg_index where indrelid = 'tickets'::regclass)
    order by c.relkind desc, c.relname`.execute(database.owner);
  return { server, sizes: Object.fromEntries(r.rows.map((row) => [row.name, row.size])) };
}

/** One variant, one tenant set: the statement and the whole call, in ms, and the rows' ids. */
async function runVariant(database: Database, variant: Variant, access: Access): Promise<Timing & { ids: string[] }> {
  const set = access.read;
  let statement = 0;
  let rows: Row[] = [];
  const timed = async (db: Parameters<RawBuilder<Row>['execute']>[0]) => {
    const t0 = performance.now();
    rows = (await listQuery(set).execute(db)).rows;
    statement = performance.now() - t0;
  };
  const t0 = performance.now();
  if (variant === 'owner') {
    await timed(database.owner);
  } else if (variant === 'owner-tx') {
    await database.owner.transaction().execute(async (tx) => {
      // inScope()'s statement, except that the role stays the owner ('none' = the session user).
      await sql`select set_config('role', 'none', true),
        set_config('td.read', ${encode(set)}, true),
        set_config('td.write', '{}', true),
        set_config('td.write_public', 'off', true),
        set_config('td.untenanted', 'off', true)`.execute(tx);
      await timed(tx);
    });
  } else {
    await inScope(database, readScope(access), timed);
  }
  const call = performance.now() - t0;
  return { call, statement, ids: rows.map((r) => String(r.id)) };
}

/**
 * Before timing anything: RLS really is on for the measured role, with its documented semantics
 * (a broken policy that let everything through would look fast). As tenantdesk_app, with no
 * tenant context nothing is visible, not even public rows of a tenant-optional table; in a scope
 * of one tenant and with no application filter, only that tenant's rows and the public rows are.
 */
async function checkEnforcement(database: Database, tenant: number, other: number, tickets: number): Promise<string> {
  await sql`delete from categories where name like 'bench %'`.execute(database.owner);
  await sql`insert into categories (tenant_id, name) values (null, 'bench public'), (${tenant}, 'bench mine'), (${other}, 'bench other')`.execute(
    database.owner,
  );
  const counts = (tx: Parameters<RawBuilder<Row>['execute']>[0]) =>
    sql<{ tickets: number; foreign: number; categories: string | null }>`select
      (select count(*)::integer from tickets) as tickets,
      (select count(*)::integer from tickets where tenant_id <> ${tenant}) as foreign,
      (select string_agg(name, ',' order by name) from categories where name like 'bench %') as categories`.execute(tx);
  const none = await database.app.transaction().execute(async (tx) => {
    await sql`select set_config('role', 'tenantdesk_app', true)`.execute(tx);
    return (await counts(tx)).rows[0]!;
  });
  if (none.tickets !== 0 || none.categories !== null) throw new Error(`RLS is not failing closed: ${JSON.stringify(none)}`);
  const one = await inScope(database, { read: [tenant], write: [], writePublic: false }, async (tx) => (await counts(tx)).rows[0]!);
  if (one.foreign !== 0 || one.tickets === 0 || one.categories !== 'bench mine,bench public') {
    throw new Error(`RLS does not limit reads to the scope: ${JSON.stringify(one)}`);
  }
  const all = await inScope(database, { read: 'all', write: [], writePublic: false }, async (tx) => (await counts(tx)).rows[0]!);
  if (all.tickets !== tickets) throw new Error(`a role reading all tenants sees ${all.tickets} of ${tickets} tickets`);
  await sql`delete from categories where name like 'bench %'`.execute(database.owner);
  return (
    `RLS checked before timing (as tenantdesk_app, no application filter): no tenant context sees 0 tickets and no public ` +
    `category; a scope of tenant ${tenant} sees its ${one.tickets} tickets, 0 of other tenants, and public + own categories; 'all' sees ${all.tickets}.`
  );
}

async function explain(database: Database, access: Access, rls: boolean, list: RawBuilder<Row> = listQuery(access.read)): Promise<string> {
  const query = sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, costs off) ${list}`;
  const rows = rls ? await inScope(database, readScope(access), (tx) => query.execute(tx)) : await query.execute(database.owner);
  return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function runShape(
  database: Database,
  catalog: Catalog,
  shape: Shape,
  label: string,
  accesses: readonly Access[],
  iterations: number,
): Promise<ShapeResult> {
  const pick = seededInts(shape.length * 1009);
  const variants: Variant[] = ['owner', 'owner-tx', 'rls'];
  const call: Record<Variant, number[]> = { owner: [], 'owner-tx': [], rls: [] };
  const statement: Record<Variant, number[]> = { owner: [], 'owner-tx': [], rls: [] };
  const paired: number[] = [];

  // The data-access layer itself returns the same rows as the bench query (one check per shape).
  const first = accesses[0]!;
  const viaLayer = await listObjects(
    { database, shards: new Shards(database), settings: DEFAULT_TENANCY, catalog: catalog.snapshot(), access: first },
    'ticket',
    { orderBy: 'created_at', descending: true, limit: LIMIT },
  );
  const direct = await runVariant(database, 'owner', first);
  if (viaLayer.map((r) => String(r.id)).join() !== direct.ids.join()) throw new Error(`${shape}: listObjects() and the bench query disagree`);

  const warmup = Math.max(2, Math.ceil(iterations / 10));
  for (let i = -warmup; i < iterations; i++) {
    const access = accesses[pick(accesses.length)]!;
    // Cycle through all six orders of the three variants.
    const k = ((i % 6) + 6) % 6;
    const order = [...variants.slice(k % 3), ...variants.slice(0, k % 3)];
    if (k >= 3) order.reverse();
    const got = {} as Record<Variant, Timing & { ids: string[] }>;
    for (const variant of order) got[variant] = await runVariant(database, variant, access);
    if (got.rls.ids.join() !== got.owner.ids.join() || got['owner-tx'].ids.join() !== got.owner.ids.join()) {
      throw new Error(`${shape}: RLS and owner queries returned different rows`);
    }
    if (got.owner.ids.length !== LIMIT) throw new Error(`${shape}: expected ${LIMIT} rows, got ${got.owner.ids.length}`);
    if (i < 0) continue;
    for (const variant of variants) {
      call[variant].push(got[variant].call);
      statement[variant].push(got[variant].statement);
    }
    paired.push(got.rls.statement / got.owner.statement);
  }
  const sample = accesses[0]!;
  return {
    shape,
    label,
    iterations,
    call: { owner: summarize(call.owner), 'owner-tx': summarize(call['owner-tx']), rls: summarize(call.rls) },
    statement: { owner: summarize(statement.owner), 'owner-tx': summarize(statement['owner-tx']), rls: summarize(statement.rls) },
    pairedStatementRatio: summarize(paired).median,
    explainRls: await explain(database, sample, true),
    explainOwner: await explain(database, sample, false),
  };
}

export async function runRlsList(options: RlsOptions): Promise<RlsResult> {
  let loadSeconds: number | undefined;
  if (options.reuse && (await isLoaded(options)) && (await migratesCleanly(options))) {
    log(`reusing ${options.database}`);
  } else {
    log(`creating ${options.database} on ${redact(options.adminUrl)}`);
    loadSeconds = await createAndLoad(options);
    log(`loaded in ${fixed(loadSeconds, 1)} s`);
  }
  // One connection for everything, so every variant runs on the same backend.
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(options.adminUrl, options.database), poolMax: 1 });
  try {
    const catalog = await Catalog.load(database);
    const snapshot = catalog.snapshot();
    if (options.baselineHelpers) {
      await sql.raw(BASELINE_HELPERS).execute(database.owner);
      log('installed the baseline (pre-fix) RLS helpers');
    }
    const { server, sizes } = await serverFacts(database);

    const ownTenant = (id: number) => resolveAccess(database, DEFAULT_TENANCY, { read: { kind: 'own' }, write: { kind: 'own' }, writePublic: false }, id);
    const pickTenant = seededInts(11);
    const one = await Promise.all(Array.from({ length: 500 }, () => ownTenant(1 + pickTenant(options.tenants))));
    const groups = await database.owner.selectFrom('tenant_groups').select('id').where('kind', '=', 'subtenants').orderBy('id').execute();
    const group: Access[] = [];
    for (const g of groups) {
      group.push(await resolveAccess(database, DEFAULT_TENANCY, { read: { kind: 'group', groupId: g.id }, write: { kind: 'own' }, writePublic: false }, null));
    }
    const all = await resolveAccess(database, DEFAULT_TENANCY, { read: { kind: 'all' }, write: { kind: 'all' }, writePublic: false }, null);
    const groupSize = summarize(group.map((a) => (a.read === 'all' ? 0 : a.read.length)));

    const enforcement = await checkEnforcement(database, 2, 3, options.tickets);
    log(enforcement);

    const shapes: ShapeResult[] = [];
    log(`one tenant: ${options.iterations.one} iterations`);
    shapes.push(await runShape(database, catalog, 'one', 'one tenant', one, options.iterations.one));
    log(`group: ${options.iterations.group} iterations`);
    shapes.push(
      await runShape(database, catalog, 'group', `a group of ${fixed(groupSize.median, 0)} tenants (${groups.length} groups)`, group, options.iterations.group),
    );
    log(`all: ${options.iterations.all} iterations`);
    shapes.push(await runShape(database, catalog, 'all', `all ${snapshot.byId.size} tenants`, [all], options.iterations.all));
    const tenant = one[0]!.read === 'all' ? 1 : one[0]!.read[0]!;
    const equalityQuery = sql<Row>`select * from tickets where tenant_id = ${tenant} order by created_at desc, id limit ${LIMIT}`;
    const equality = {
      tenant,
      owner: await explain(database, one[0]!, false, equalityQuery),
      rls: await explain(database, one[0]!, true, equalityQuery),
    };
    return { options, server, loadSeconds, sizes, enforcement, shapes, equality };
  } finally {
    await database.close();
    if (!options.keep) {
      await withClient(options.adminUrl, (c) => c.query(`drop database if exists ${options.database} with (force)`));
      log(`dropped ${options.database} (pass --keep to keep it)`);
    }
  }
}

export function reportRlsList(r: RlsResult): string {
  const o = r.options;
  const ms = (s: Summary) => `${fixed(s.median)} / ${fixed(s.p95)}`;
  const out: string[] = [
    `### Scoped list query with and without RLS: ${o.tenants} tenants, ${o.tickets} tickets` +
      (o.baselineHelpers ? ' (baseline: RLS helpers as before the fix)' : ''),
    '',
    `PostgreSQL ${r.server.server_version} (shared_buffers ${r.server.shared_buffers}, work_mem ${r.server.work_mem}, ` +
      `max_parallel_workers_per_gather ${r.server.max_parallel_workers_per_gather}, jit ${r.server.jit}); ` +
      `sizes: ${Object.entries(r.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}` +
      (r.loadSeconds === undefined ? '; database reused.' : `; created, migrated and loaded in ${fixed(r.loadSeconds, 1)} s.`),
    '',
    r.enforcement,
    '',
    'Times in ms, median / p95. "statement" is the select alone; "call" is the whole unit (for owner-tx and rls: begin, set_config, select, commit).',
    '',
    table(
      ['reads', 'n', 'owner statement', 'rls statement', 'rls/owner statement (medians, p95s)', 'owner call', 'owner-tx call', 'rls call', 'rls/owner call', 'rls/owner-tx call'],
      r.shapes.map((s) => [
        s.label,
        String(s.iterations),
        ms(s.statement.owner),
        ms(s.statement.rls),
        `${ratio(s.statement.rls.median, s.statement.owner.median)}, ${ratio(s.statement.rls.p95, s.statement.owner.p95)}`,
        ms(s.call.owner),
        ms(s.call['owner-tx']),
        ms(s.call.rls),
        ratio(s.call.rls.median, s.call.owner.median),
        ratio(s.call.rls.median, s.call['owner-tx'].median),
      ]),
    ),
    '',
    `Target: the RLS statement costs at most 10% more than the owner's: ` +
      r.shapes.map((s) => `${s.shape} ${ratio(s.statement.rls.median, s.statement.owner.median)} (paired median ${fixed(s.pairedStatementRatio)})`).join('; ') +
      '.',
  ];
  for (const s of r.shapes) {
    out.push('', `EXPLAIN ANALYZE, ${s.label}, through inScope() (RLS):`, '', '```', s.explainRls, '```');
    out.push('', `EXPLAIN ANALYZE, ${s.label}, as the owner (no RLS):`, '', '```', s.explainOwner, '```');
  }
  out.push(
    '',
    `For comparison, one tenant written as \`tenant_id = ${r.equality.tenant}\` (the data-access layer writes \`= any('{${r.equality.tenant}}')\`), as the owner:`,
    '',
    '```',
    r.equality.owner,
    '```',
    '',
    'and through inScope() (RLS):',
    '',
    '```',
    r.equality.rls,
    '```',
  );
  return out.join('\n');
}

export function rlsOptionsFromArgs(argv?: readonly string[]): RlsOptions {
  const args = parseArgs(argv);
  return {
    adminUrl: args.string('url', process.env.BENCH_DATABASE_URL ?? LOCAL_POSTGRES),
    database: args.string('database', 'td_bench'),
    tenants: args.int('tenants', 10_000),
    tickets: args.int('tickets', 1_000_000),
    iterations: { one: args.int('iterations-one', 1500), group: args.int('iterations-group', 1000), all: args.int('iterations-all', 40) },
    keep: args.flag('keep'),
    reuse: args.flag('reuse'),
    baselineHelpers: args.flag('baseline-helpers'),
  };
}

if (isMain(import.meta.url)) {
  const result = await runRlsList(rlsOptionsFromArgs());
  console.log(reportRlsList(result));
}

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Role } from '../src/db/schema.ts';
import type { DeskContext } from '../src/desk/desk-context.ts';
import { anonymousReader, readerOf, type KbReader } from '../src/desk/kb/kb-reader.ts';
import { searchArticles } from '../src/desk/kb/search-articles.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../src/tenancy/settings.ts';
import { systemContext } from '../src/tenancy/system-context.ts';
import { benchServerUrl, isMain, parseArgs } from './support/args.ts';
import { catalogShape, loadCatalog } from './support/fixture.ts';
import { databaseUrl, freshBenchDatabase, runStatement } from './support/server.ts';
import { fixed, quantile, ratio, seededInts, table } from './support/stats.ts';

/**
 * Target (issue 22): knowledge-base search over 100,000 articles in 1,000 tenants answers at
 * p99 <= 20 ms at concurrency 8 on PostgreSQL; the RLS-on / RLS-off ratio reported as for tickets.
 *
 * A dedicated database is migrated and loaded with set-based SQL: articles spread over the tenants
 * (1% public, the service provider's), 60% English, 25% French, 15% German (searched word for word),
 * mostly published, every visibility; words drawn from a help-desk vocabulary (common) and a long
 * tail of rare terms. The search is `searchArticles` itself, as the API runs it: both reads of
 * `kb-reader.ts` (own and inherited) and the counted search event. Readers are customers, anonymous
 * visitors and agents of random tenants, searching common words, two words, rare terms and words no
 * article has. Eight workers search at once on a pool of 16 connections.
 *
 * RLS on / off: the same searches, rounds alternating between the tables' row-level security
 * enabled (as always) and disabled (`alter table ... disable row level security`, so the app role's
 * queries run without policies), so the machine's load falls on both alike.
 */
export type KbBenchOptions = {
  adminUrl: string;
  database: string;
  tenants: number;
  articles: number;
  concurrency: number;
  searchesPerRound: number;
  rounds: number;
  keep: boolean;
  /** Use a database this benchmark loaded and kept before (`--keep`), if it holds as many articles. */
  reuse: boolean;
};

const log = (message: string) => console.error(`[kb-search] ${message}`);

const COMMON = [
  'password', 'reset', 'account', 'login', 'email', 'printer', 'network', 'vpn', 'invoice', 'billing',
  'laptop', 'install', 'update', 'error', 'connect', 'wifi', 'browser', 'mobile', 'backup', 'restore',
  'license', 'software', 'server', 'access', 'permission', 'folder', 'share', 'calendar', 'meeting', 'phone',
  'screen', 'keyboard', 'setup', 'configure', 'sync', 'storage', 'quota', 'security', 'token', 'certificate',
  'motdepasse', 'imprimante', 'réseau', 'facture', 'connexion', 'compte', 'messagerie', 'sauvegarde', 'logiciel', 'écran',
];
/** The length of the drawn word sequence articles take their words from. */
const POOL = 100_000;
const QUERIES = ['password', 'reset password', 'printer network', 'vpn', 'imprimante', 'facture compte', 'term4711', 'term123 backup', 'zzqx', 'certificate token error'];

/** The articles, set-based: tenant, language, status, visibility and words from `g`. */
async function load(database: Database, options: KbBenchOptions): Promise<void> {
  await loadCatalog(database.owner, catalogShape(options.tenants));
  await sql`select setseed(0.42)`.execute(database.owner);
  const words = sql.val(COMMON);
  // A word: half the time a common one (skewed towards the first), else a rare term of 5,000. The
  // articles take runs of one drawn sequence (an indexed range, cheap), starting at places spread by `g`.
  const word = sql`(case when random() < 0.5 then (${words}::text[])[1 + floor(random() ^ 2 * ${COMMON.length})::integer] else 'term' || floor(random() ^ 3 * 5000)::integer end)`;
  await sql`create unlogged table bench_kb_words as select i, ${word} as word from generate_series(0, ${POOL + 200}::integer) i`.execute(database.owner);
  await sql`alter table bench_kb_words add primary key (i)`.execute(database.owner);
  const phrase = (n: number, salt: number) =>
    sql`(select string_agg(word, ' ' order by i) from bench_kb_words where i between (g * 7919 + ${salt}::integer) % ${POOL}::integer and (g * 7919 + ${salt}::integer) % ${POOL}::integer + ${n - 1}::integer + g % 3)`;
  await sql`insert into kb_articles (tenant_id, language, slug, title, summary, keywords, body_html, status, visibility, published_at)
    select case when g % 100 = 0 then null else 2 + g % (${options.tenants}::integer - 1) end,
      (array['en', 'en', 'en', 'en', 'en', 'en', 'fr', 'fr', 'fr', 'de', 'fr', 'en', 'en', 'de', 'de', 'fr', 'en', 'en', 'en', 'fr'])[1 + g % 20],
      'article-' || g, ${phrase(4, 1)}, ${phrase(10, 101)}, ${phrase(3, 211)}, '<p>' || ${phrase(80, 307)} || '</p><p>' || ${phrase(60, 401)} || '</p>',
      (array['published', 'published', 'published', 'published', 'published', 'published', 'published', 'published', 'draft', 'archived'])[1 + (g / 3) % 10],
      (array['public', 'public', 'customers', 'customers', 'agents'])[1 + (g / 7) % 5],
      now()
    from generate_series(1, ${options.articles}::integer) g`.execute(database.owner);
  await sql`drop table bench_kb_words`.execute(database.owner);
  await sql`vacuum (analyze) kb_articles`.execute(database.owner);
}

type Shape = { label: string; reader: (tenant: number) => KbReader };

function shapes(shards: Shards, catalog: ReturnType<Catalog['snapshot']>): Shape[] {
  const base = systemContext(shards, DEFAULT_TENANCY, catalog);
  const role = (permissions: string[]) => ({ slug: 'bench', permissions }) as unknown as Role;
  const desk = (tenant: number, kind: 'agent' | 'customer', permissions: string[]): DeskContext => ({
    ...base,
    access: { read: [tenant], write: [tenant], writePublic: false },
    actor: { contactId: '00000000-0000-0000-0000-000000000000', kind, activeRole: role(permissions) },
  });
  return [
    { label: 'customer', reader: (t) => readerOf(desk(t, 'customer', ['ticket.create']), t) },
    { label: 'anonymous', reader: (t) => anonymousReader(base, t) },
    { label: 'agent', reader: (t) => readerOf(desk(t, 'agent', ['ticket.note', 'kb.write']), t) },
  ];
}

async function setRls(database: Database, on: boolean): Promise<void> {
  const change = on ? sql`enable` : sql`disable`;
  await sql`alter table kb_articles ${change} row level security`.execute(database.owner);
  await sql`alter table kb_events ${change} row level security`.execute(database.owner);
}

/** `count` searches by `concurrency` workers; each search's latency in ms, and the elapsed time. */
async function round(shape: Shape, options: KbBenchOptions, seed: number): Promise<{ latencies: number[]; seconds: number; results: number }> {
  const next = seededInts(seed);
  const latencies: number[] = [];
  let started = 0;
  let results = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < options.searchesPerRound) {
      started++;
      const reader = shape.reader(2 + next(options.tenants - 1));
      const q = QUERIES[next(QUERIES.length)]!;
      const t = performance.now();
      results += (await searchArticles(reader, { q })).length;
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latencies, seconds: (performance.now() - t0) / 1000, results };
}

/** The kept database, migrated again, when it holds the articles asked for; else undefined. */
async function reusable(options: KbBenchOptions): Promise<Database | undefined> {
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(options.adminUrl, options.database), poolMax: 2 * options.concurrency }).catch(() => undefined);
  if (!database) return undefined;
  const count = await sql<{ n: number }>`select count(*)::integer as n from kb_articles`.execute(database.owner).then((r) => r.rows[0]!.n, () => -1);
  if (count === options.articles && (await migrate(database).then(() => true, () => false))) return database;
  await database.close();
  return undefined;
}

const p = (samples: number[], q: number) => quantile([...samples].sort((a, b) => a - b), q);

export async function runKbSearchBench(options: KbBenchOptions): Promise<string> {
  const reused = options.reuse ? await reusable(options) : undefined;
  const database = reused ?? (await freshBenchDatabase(options.adminUrl, options.database, 2 * options.concurrency));
  try {
    const t0 = performance.now();
    if (!reused) await load(database, options);
    const loadSeconds = (performance.now() - t0) / 1000;
    log(`loaded ${options.articles} articles over ${options.tenants} tenants in ${fixed(loadSeconds, 1)} s`);
    const shards = new Shards(database);
    const catalog = (await Catalog.load(database, 0)).snapshot();
    const load1 = loadavg()[0]!;
    const lines: string[][] = [];
    for (const shape of shapes(shards, catalog)) {
      const samples = { on: [] as number[], off: [] as number[] };
      const seconds = { on: 0, off: 0 };
      let hits = 0;
      // The first two rounds (one each) warm the caches and are dropped; then on/off alternate.
      for (let i = 0; i < options.rounds + 2; i++) {
        const rls = i % 2 === 0 ? 'on' : 'off';
        await setRls(database, rls === 'on');
        const r = await round(shape, options, 1000 + Math.floor(i / 2));
        if (i < 2) continue;
        samples[rls].push(...r.latencies);
        seconds[rls] += r.seconds;
        hits += r.results;
      }
      await setRls(database, true);
      for (const rls of ['on', 'off'] as const) {
        const s = samples[rls];
        lines.push([shape.label, `RLS ${rls}`, String(s.length), fixed(p(s, 0.5), 2), fixed(p(s, 0.95), 2), fixed(p(s, 0.99), 2), fixed(s.length / seconds[rls], 0)]);
      }
      lines.push([shape.label, 'on / off', '', ratio(p(samples.on, 0.5), p(samples.off, 0.5)), ratio(p(samples.on, 0.95), p(samples.off, 0.95)), ratio(p(samples.on, 0.99), p(samples.off, 0.99)), `${fixed(hits / (samples.on.length + samples.off.length), 1)} hits/search`]);
      log(`${shape.label} done`);
    }
    const plan = await explainOne(database);
    await shards.close();
    const header = [
      `${options.articles} articles over ${options.tenants} tenants, ${reused ? 'reused' : `loaded in ${fixed(loadSeconds, 1)} s`};`,
      `concurrency ${options.concurrency}, ${options.rounds} rounds of ${options.searchesPerRound} searches per reader (RLS on and off alternating);`,
      `load average ${fixed(load1, 1)} at the start, ${fixed(loadavg()[0]!, 1)} at the end`,
    ].join(' ');
    return `${header}\n\n${table(['reader', 'RLS', 'searches', 'p50 ms', 'p95 ms', 'p99 ms', 'searches/s'], lines)}\n\nPlan of a customer's own pass (one tenant, "password"):\n\n\`\`\`\n${plan}\n\`\`\``;
  } finally {
    await database.close();
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
}

/** The plan of the own-tenant read as the search sends it (tenant 5, English branch of "password"). */
async function explainOne(database: Database): Promise<string> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (analyze, costs off, timing off)
    select * from kb_articles where (tenant_id = any('{5}') or tenant_id is null)
      and status = 'published' and visibility = any('{public,customers}')
      and ((language like 'en%' and search @@ websearch_to_tsquery('english', 'password'))
        or (language like 'fr%' and search @@ websearch_to_tsquery('french', 'password'))
        or (not (language like 'en%' or language like 'fr%') and search @@ websearch_to_tsquery('simple', 'password')))
      order by ts_rank(search, websearch_to_tsquery(kb_search_config(language), 'password')) desc limit 10`.execute(database.owner);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const options: KbBenchOptions = {
    adminUrl: benchServerUrl(args),
    database: args.string('database', 'td_bench_kb'),
    tenants: args.int('tenants', 1000),
    articles: args.int('articles', 100_000),
    concurrency: args.int('concurrency', 8),
    searchesPerRound: args.int('searches', 400),
    rounds: args.int('rounds', 6),
    keep: args.flag('keep'),
    reuse: args.flag('reuse'),
  };
  console.log(await runKbSearchBench(options));
}

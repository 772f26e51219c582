import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mysql2/promise';
import { loadConfig } from '../src/config/config.ts';
import { importDatabase, sourceUrl, type ImportDeps } from '../src/import/osticket/run-import.ts';
import { createOutbound } from '../src/net/guarded-connect.ts';
import { Catalog } from '../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../src/tenancy/placement/shards.ts';
import { tenancySettings } from '../src/tenancy/settings.ts';
import { buildOsticket } from '../test/support/osticket-fixture.ts';
import { PrivateMariadb } from '../test/support/private-mariadb.ts';
import { isMain, LOCAL_POSTGRES, parseArgs } from './support/args.ts';
import { freshBenchDatabase, runStatement } from './support/server.ts';

/**
 * Target (issue 23): 100,000 tickets with 500,000 thread entries imported from osTicket at
 * >= 1,000 tickets/s on PostgreSQL, with RSS flat (streamed, never a whole table in memory).
 *
 * The source is a private MariaDB (test/support/private-mariadb.ts) holding the tests' osTicket
 * schema, filled set-based from MariaDB's sequence engine (INSERT ... SELECT FROM seq_1_to_N), not
 * row by row. The target is a fresh database td_bench_import on the PostgreSQL server of
 * `--url`. The import runs in this process, as `tenantdesk import osticket --from` does; RSS is
 * sampled every second and printed with the tickets done by then.
 */
const log = (message: string) => console.error(`[osticket-import] ${message}`);

/** `tickets` tickets, each with `entries` entries (a message, then responses and notes) and a form value. */
async function fillSource(root: Connection, database: string, tickets: number, entries: number): Promise<void> {
  await buildOsticket(root, database, { tickets: 0, prefix: 'bench' });
  const q = (text: string) => root.query(text);
  const seq = `seq_1_to_${tickets}`;
  await q(`INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, sla_id, topic_id, staff_id, team_id, source, created, updated)
    SELECT seq, 100000 + seq, 1 + seq % 2, IF(seq % 3 = 0, 3, 1), 1, 1, 1, 2, 0, IF(seq % 2, 'Email', 'Web'),
      '2024-01-01 09:00:00' + INTERVAL seq MINUTE, '2024-01-01 09:00:00' + INTERVAL seq MINUTE FROM ${seq}`);
  await q(`INSERT INTO ost_ticket__cdata (ticket_id, subject, priority) SELECT seq, CONCAT('Ticket ', seq, ': the printer jams again'), 1 + seq % 4 FROM ${seq}`);
  await q(`INSERT INTO ost_thread (id, object_id, object_type, created) SELECT seq, seq, 'T', '2024-01-01 09:00:00' FROM ${seq}`);
  await q(`INSERT INTO ost_form_entry (id, form_id, object_id, object_type, created, updated) SELECT seq, 2, seq, 'T', '2024-01-01 09:00:00', '2024-01-01 09:00:00' FROM ${seq}`);
  await q(`INSERT INTO ost_form_entry_values (entry_id, field_id, value) SELECT seq, 2, CONCAT('PC-', seq) FROM ${seq}`);
  await q(`INSERT INTO ost_thread_entry (id, thread_id, staff_id, user_id, type, poster, body, format, created, updated)
    SELECT t.seq * 10 + e.seq, t.seq, IF(e.seq = 1, 0, 2), IF(e.seq = 1, 1 + t.seq % 2, 0), ELT(1 + (e.seq - 1) % 3, 'M', 'R', 'N'), 'Poster',
      IF(e.seq % 2, CONCAT('<p>Entry ', e.seq, ' of ticket ', t.seq, ': it <b>still</b> jams.</p>'), CONCAT('Entry ', e.seq, '\\n\\nplain text & more')),
      IF(e.seq % 2, 'html', 'text'), '2024-01-01 09:00:00' + INTERVAL t.seq MINUTE + INTERVAL e.seq SECOND, '2024-01-01 09:00:00' + INTERVAL t.seq MINUTE
    FROM ${seq} t, seq_1_to_${entries} e`);
}

type Sample = { seconds: number; tickets: number; rssMb: number };

export async function runOsticketImportBench(options: { url: string; tickets: number; entries: number; page: number; keep: boolean }): Promise<void> {
  const started = performance.now();
  const mariadb = await PrivateMariadb.create();
  const root = await mariadb.connect();
  const dataDir = mkdtempSync(join(tmpdir(), 'td-bench-import-'));
  const database = await freshBenchDatabase(options.url, 'td_bench_import', 4);
  try {
    await fillSource(root, 'bench_ost', options.tickets, options.entries);
    log(`source filled: ${options.tickets} tickets, ${options.tickets * options.entries} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const config = loadConfig({ DATA_DIR: dataDir, OUTBOUND_ALLOW: '127.0.0.1' });
    const settings = tenancySettings(config);
    const catalog = await Catalog.load(database, { maxStalenessMs: 60_000 });
    const shards = new Shards(database, {});
    await createTenant(database, settings, { slug: 'sp', name: 'SP', hosts: [], serviceProvider: true, subtenantsAllowed: true });
    const deps: ImportDeps = { database, shards, settings, catalog, outbound: createOutbound({ policy: config.outboundPolicy }), attachments: { dataDir, maxBytes: 1 << 20 } };
    const samples: Sample[] = [];
    let ticketsDone = 0;
    const t0 = performance.now();
    const sampler = setInterval(() => samples.push({ seconds: (performance.now() - t0) / 1000, tickets: ticketsDone, rssMb: process.memoryUsage().rss / 2 ** 20 }), 1000);
    const report = await importDatabase(deps, sourceUrl(mariadb.url('bench_ost')), { slug: 'bench', create: { name: 'Bench', hosts: [] } }, {
      dryRun: false,
      ticketsPerPage: options.page,
      progress: (table, done) => {
        if (table === 'tickets') ticketsDone = done;
      },
    });
    clearInterval(sampler);
    await shards.close();
    // The rate counts the whole import (settings, people, the checks at the end), not the tickets alone: it can only flatter less.
    const seconds = (performance.now() - t0) / 1000;
    printReport(options, report.objects.tickets!.created, report.objects['thread entries']!.created, seconds, samples);
    const checks = report.checks!;
    console.log(`\nChecks: ticket numbers ${checks.ticketNumbers.inTenant}/${checks.ticketNumbers.source}, thread entries ${checks.threadEntries.inTenant}/${checks.threadEntries.source}.`);
  } finally {
    await root.end();
    await mariadb.destroy();
    await database.close();
    if (!options.keep) await runStatement(options.url, 'drop database if exists td_bench_import with (force)');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function printReport(options: { tickets: number; entries: number; page: number }, tickets: number, entries: number, seconds: number, samples: readonly Sample[]): void {
  const rate = tickets / seconds;
  const rss = samples.map((s) => s.rssMb);
  // Flat: after the first tenth of the run (the warm-up), the last sample against the lowest one.
  const settled = samples.slice(Math.floor(samples.length / 10));
  const low = Math.min(...settled.map((s) => s.rssMb));
  const last = settled.at(-1)?.rssMb ?? low;
  console.log(`## osTicket import: ${options.tickets.toLocaleString('en')} tickets, ${(options.tickets * options.entries).toLocaleString('en')} entries, ${options.page} tickets per transaction`);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores)\n`);
  console.log('| tickets created | entries created | import (s) | tickets/s | RSS min / max (MB) | RSS growth after warm-up | target |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| ${tickets} | ${entries} | ${seconds.toFixed(1)} | ${rate.toFixed(0)} | ${Math.min(...rss).toFixed(0)} / ${Math.max(...rss).toFixed(0)} | ${(((last - low) / low) * 100).toFixed(1)}% | ${rate >= 1000 ? 'met' : 'NOT met'} (>= 1,000/s) |`);
  console.log('\nRSS over time (every 10th sample):\n\n| s | tickets done | RSS (MB) |\n|---|---|---|');
  for (const s of samples.filter((_, i) => i % 10 === 0 || i === samples.length - 1)) console.log(`| ${s.seconds.toFixed(0)} | ${s.tickets} | ${s.rssMb.toFixed(0)} |`);
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  await runOsticketImportBench({
    url: args.string('url', process.env.BENCH_DATABASE_URL ?? LOCAL_POSTGRES),
    tickets: args.int('tickets', 100_000),
    entries: args.int('entries', 5),
    page: args.int('page', 500),
    keep: args.flag('keep'),
  });
}

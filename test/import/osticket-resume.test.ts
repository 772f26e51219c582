import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { Connection } from 'mysql2/promise';
import { loadConfig } from '../../src/config/config.ts';
import { importDatabase, sourceUrl, type ImportDeps } from '../../src/import/osticket/run-import.ts';
import { createOutbound } from '../../src/net/guarded-connect.ts';
import { openMysqlSource, parseMysqlUrl } from '../../src/net/mysql-source.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { tenancySettings } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { PrivateMariadb } from '../support/private-mariadb.ts';
import { buildOsticket, databaseChecksum } from '../support/osticket-fixture.ts';

/** An import cut off between two tickets carries on where it stopped; the source only ever sees reads. */
let mariadb: PrivateMariadb;
let root: Connection;
const dataDir = mkdtempSync(join(tmpdir(), 'td-import-resume-'));

before(async () => {
  mariadb = await PrivateMariadb.create();
  root = await mariadb.connect();
  await buildOsticket(root, 'resume', { tickets: 6, prefix: 'resume' });
});
after(async () => {
  await root?.end();
  await mariadb?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const outbound = createOutbound({ policy: loadConfig({ OUTBOUND_ALLOW: '127.0.0.1', DATA_DIR: dataDir }).outboundPolicy });

it('sends the source nothing but reads, in a read-only transaction', async () => {
  const source = await openMysqlSource(outbound, parseMysqlUrl(mariadb.url('resume')));
  try {
    await assert.rejects(source.select('DELETE FROM ost_ticket'), /other than SELECT\/SHOW/);
    await assert.rejects(source.select('SELECT 1; DELETE FROM ost_ticket'), /./);
    assert.equal(Number((await source.select<{ n: string }>('SELECT COUNT(*) AS n FROM ost_ticket'))[0]!.n), 6);
  } finally {
    await source.close();
  }
});

forEachDatabase('an interrupted osTicket import', (get, kind) => {
  it('resumes after the last committed page of tickets, importing nothing twice', async () => {
    const database = get();
    const config = loadConfig({ DATA_DIR: dataDir, OUTBOUND_ALLOW: '127.0.0.1' });
    const settings = tenancySettings(config);
    const catalog = await Catalog.load(database, { maxStalenessMs: 60_000 });
    const shards = new Shards(database, {});
    const deps: ImportDeps = { database, shards, settings, catalog, outbound, attachments: { dataDir: join(dataDir, kind), maxBytes: 1024 * 1024 } };
    await createTenant(database, settings, { slug: 'sp', name: 'SP', hosts: [], serviceProvider: true, subtenantsAllowed: true } as Parameters<typeof createTenant>[2]);
    const checksum = await databaseChecksum(root, 'resume');
    let seen = 0;
    const cut = new Error('interrupted');
    await assert.rejects(
      importDatabase(deps, sourceUrl(mariadb.url('resume')), { slug: 'resume', create: { name: 'Resume', hosts: [] } }, {
        dryRun: false,
        ticketsPerPage: 3,
        // The run stops right after the first page of three tickets has committed, as a process killed there would.
        progress: (table, done) => {
          seen = done;
          if (table === 'tickets' && done === 3) throw cut;
        },
      }),
      (error) => error === cut,
    );
    const count = async (table: string) => Number((await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)} x join tenants t on t.id = x.tenant_id where t.slug = 'resume'`.execute(database.owner)).rows[0]!.n);
    assert.equal(seen, 3);
    assert.equal(await count('tickets'), 3);
    assert.equal(await count('thread_entries'), 9);
    const report = await importDatabase(deps, sourceUrl(mariadb.url('resume')), { slug: 'resume' }, { dryRun: false });
    assert.deepEqual([report.objects.tickets!.created, report.objects.tickets!.unchanged], [3, 3]);
    assert.equal(report.objects.agents!.unchanged, 2);
    assert.equal(await count('tickets'), 6);
    assert.equal(await count('thread_entries'), 18);
    assert.deepEqual(report.checks!.threadEntries, { source: 18, inTenant: 18 });
    assert.equal(await databaseChecksum(root, 'resume'), checksum);
    await shards.close();
  });
});

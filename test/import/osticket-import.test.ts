import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Connection } from 'mysql2/promise';
import { openDatabase, type Database } from '../../src/db/database.ts';
import type { ImportReport } from '../../src/import/osticket/import-report.ts';
import { failed, ok, runInProcess } from '../support/cli.ts';
import { databaseKinds, freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { PrivateMariadb } from '../support/private-mariadb.ts';
import { addFile, addTicket, buildMaster, buildOsticket, databaseChecksum } from '../support/osticket-fixture.ts';

/**
 * `tenantdesk import osticket` against a private MariaDB holding osTicket-shaped databases (two
 * sites and a multi-site master), into the embedded database and into PostgreSQL: import, rerun
 * after changes in the source, dry run, bad sources; the source is never written to.
 */
let mariadb: PrivateMariadb;
let root: Connection;

before(async () => {
  mariadb = await PrivateMariadb.create();
  root = await mariadb.connect();
});
after(async () => {
  await root?.end();
  await mariadb?.destroy();
});

const reportOf = (stdout: string): ImportReport[] => (JSON.parse(stdout) as { reports: ImportReport[] }).reports;

for (const kind of databaseKinds()) {
  describe(`osTicket import [${kind}]`, () => {
    let env: Record<string, string>;
    let fresh: FreshDatabase | undefined;
    let dataDir: string;
    const db = (name: string) => `${kind}_${name}`;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'td-import-'));
      if (kind === 'postgres') {
        fresh = await freshDatabase('postgres');
        await fresh.database.close();
        env = { DATABASE_URL: fresh.url!, DATA_DIR: dataDir, OUTBOUND_ALLOW: '127.0.0.1' };
      } else env = { DATA_DIR: dataDir, OUTBOUND_ALLOW: '127.0.0.1' };
      await buildOsticket(root, db('acme'), { tickets: 4, prefix: 'acme' });
      await buildOsticket(root, db('globex'), { tickets: 2, prefix: 'globex' });
      await buildOsticket(root, db('old'), { tickets: 1, signature: '00c949a6e8f84f4e7c0de1b2b1a8b6f2' });
      await buildMaster(root, db('master'), [
        { site_name: 'Globex Corporation', url: 'https://globex.example.test/', db_name: db('globex') },
        { site_name: 'Initrode', url: 'initrode.example.test', db_name: db('acme') },
      ]);
      ok(await runInProcess(['tenant', 'create', '--slug', 'sp', '--name', 'Provider', '--service-provider', '--subtenants-allowed'], env));
    });
    after(async () => {
      await fresh?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Reads the desk's own tables (owner connection), for what the report alone cannot show. */
    async function desk<T>(work: (database: Database) => Promise<T>): Promise<T> {
      const database = await openDatabase(kind === 'postgres' ? { kind: 'postgres', url: env.DATABASE_URL!, poolMax: 1 } : { kind: 'pglite', dataDir });
      try {
        return await work(database);
      } finally {
        await database.close();
      }
    }

    it('refuses a bad URL and an unknown osTicket version, writing nothing', async () => {
      failed(await runInProcess(['import', 'osticket', '--from', 'postgres://x@127.0.0.1/db', '--tenant', 'acme', '--create'], env), 'VALIDATION_FAILED', /mysql:\/\//);
      failed(await runInProcess(['import', 'osticket', '--from', mariadb.url(db('acme'), 'root', 'wrong'), '--tenant', 'acme', '--create'], env), 'VALIDATION_FAILED', /Could not open the osTicket database/);
      failed(await runInProcess(['import', 'osticket', '--from', mariadb.url('no_such_db'), '--tenant', 'acme', '--create'], env), 'VALIDATION_FAILED');
      failed(await runInProcess(['import', 'osticket', '--from', mariadb.url(db('old')), '--tenant', 'old', '--create'], env), 'VALIDATION_FAILED', /not one of osTicket 1\.14 to 1\.18/);
      const tenants = ok(await runInProcess(['tenant', 'list'], env));
      assert.doesNotMatch(tenants, /^(acme|old)\t/m);
    });

    it('dry run: reads everything, writes nothing, says what would be created', async () => {
      const before = await databaseChecksum(root, db('acme'));
      const [report] = reportOf(ok(await runInProcess(['import', 'osticket', '--from', mariadb.url(db('acme')), '--tenant', 'acme', '--create', '--name', 'Acme', '--host', 'acme.example.test', '--dry-run', '--json'], env)));
      assert.equal(report!.dryRun, true);
      assert.equal(report!.objects.tickets!.created, 4);
      assert.equal(report!.objects['thread entries']!.created, 12);
      assert.equal(report!.objects.agents!.created, 2);
      assert.match(report!.objects.tenant!.notes[0]!, /would be created: acme/);
      assert.deepEqual([report!.objects['faq articles']!.created, report!.objects['faq articles']!.unmapped.map((u) => u.id)], [2, ['3']]);
      assert.doesNotMatch(ok(await runInProcess(['tenant', 'list'], env)), /^acme\t/m);
      assert.equal(await databaseChecksum(root, db('acme')), before);
    });

    it('imports tickets with their numbers, threads and files, and checks them against the source', async () => {
      const before = await databaseChecksum(root, db('acme'));
      const [report] = reportOf(ok(await runInProcess(['import', 'osticket', '--from', mariadb.url(db('acme')), '--tenant', 'acme', '--create', '--name', 'Acme', '--host', 'acme.example.test', '--json'], env)));
      const o = report!.objects;
      assert.deepEqual([o.departments!.created, o.agents!.created, o.customers!.created, o.teams!.created, o['help topics']!.created, o['sla plans']!.created, o['ticket statuses']!.created], [2, 2, 2, 1, 1, 1, 3]);
      assert.deepEqual([o.tickets!.created, o['thread entries']!.created, o.attachments!.created], [4, 12, 2]);
      assert.deepEqual(report!.checks!.ticketNumbers, { source: 4, inTenant: 4, missing: [] });
      assert.deepEqual(report!.checks!.threadEntries, { source: 12, inTenant: 12 });
      assert.equal(report!.checks!.attachmentBytes.inTenant, report!.checks!.attachmentBytes.source);
      assert.ok(report!.checks!.attachmentBytes.source > 0);
      assert.deepEqual([o.organizations!.source, o.organizations!.inTenant], [1, 1]);
      assert.deepEqual([o['faq categories']!.created, o['faq articles']!.source, o['faq articles']!.created, o['faq articles']!.inTenant], [2, 3, 2, 2]);
      assert.match(o['faq articles']!.unmapped[0]!.reason, /empty/);
      assert.deepEqual([o['email addresses']!.created, o['email addresses']!.unmapped.map((u) => u.id)], [1, ['2']]);
      assert.match(o['email addresses']!.notes[0]!, /disabled and without credentials/);
      assert.match(o['custom form fields']!.notes[0]!, /definitions not imported/);
      assert.match(o['faq help topics']!.notes[0]!, /not imported/);
      assert.deepEqual([o['faq attachments']!.source, o['faq attachments']!.inTenant], [1, 0]);
      assert.equal(await databaseChecksum(root, db('acme')), before, 'the osTicket database is unchanged');
      await desk(async (database) => {
        const tickets = await sql<{ number: string; subject: string; status: string }>`select t.number, t.subject, t.status from tickets t join tenants n on n.id = t.tenant_id where n.slug = 'acme' order by t.number`.execute(database.owner);
        assert.deepEqual(tickets.rows.map((t) => t.number), ['100001', '100002', '100003', '100004']);
        assert.equal(tickets.rows[0]!.subject, 'Ticket 1: printer é ✓ 🖨️');
        assert.equal(tickets.rows[2]!.status, 'closed');
        const bodies = await sql<{ kind: string; body_html: string }>`select e.kind, e.body_html from thread_entries e join tickets t on t.id = e.ticket_id where t.number = '100001' order by e.created_at, e.id`.execute(database.owner);
        assert.ok(bodies.rows.every((b) => !b.body_html.includes('<script')));
        assert.ok(bodies.rows.some((b) => b.body_html.includes('🚀')));
        assert.ok(bodies.rows.some((b) => b.body_html.includes('please try &lt;this&gt; &amp; that.<br />Bob') || b.body_html.includes('please try &lt;this&gt; &amp; that.<br>Bob')));
        assert.deepEqual(bodies.rows.map((b) => b.kind).sort(), ['note', 'reply', 'reply']);
        const fields = await sql<{ custom_fields: Record<string, string> }>`select custom_fields from tickets where number = '100002'`.execute(database.owner);
        assert.deepEqual(fields.rows[0]!.custom_fields, { asset_tag: 'PC-2' });
        const chloe = await sql<{ organization: string | null; kind: string }>`select organization, kind from contacts where email = 'chloe@customer.example'`.execute(database.owner);
        assert.deepEqual({ ...chloe.rows[0] }, { organization: 'Acme Corp', kind: 'customer' });
        const articles = await sql<{ title: string; body_html: string; visibility: string; status: string; category: string }>`select a.title, a.body_html, a.visibility, a.status, c.name as category
          from kb_articles a join kb_categories c on c.id = a.category_id join tenants n on n.id = a.tenant_id where n.slug = 'acme' order by a.title`.execute(database.owner);
        assert.deepEqual(articles.rows.map((a) => [a.title, a.visibility, a.status, a.category]), [
          ['Escalation rota', 'agents', 'published', 'Internal procedures'],
          ['How do I clear a paper jam? 🖨️', 'public', 'published', 'Printers'],
        ]);
        assert.ok(!articles.rows[1]!.body_html.includes('<script'));
        const mailboxes = await sql<{ address: string; active: boolean; imap_host: string | null; imap_password_enc: string | null; auto_reply: boolean; department: string }>`select m.address, m.active, m.imap_host, m.imap_password_enc, m.auto_reply, d.name as department
          from mailboxes m join departments d on d.id = m.department_id join tenants n on n.id = m.tenant_id where n.slug = 'acme'`.execute(database.owner);
        assert.deepEqual(mailboxes.rows.map((m) => ({ ...m })), [{ address: 'support@acme.example', active: false, imap_host: null, imap_password_enc: null, auto_reply: false, department: 'Billing' }]);
        // SLA clocks from the history under the imported plan (18 h), not restarted: ticket 1 is open and long overdue, ticket 3 was closed at once.
        const clocks = await sql<{ number: string; created_at: Date; resolution_due_at: Date | null; resolution_breached_at: Date | null; sla_paused_at: Date | null; closed_at: Date | null }>`select number, created_at, resolution_due_at, resolution_breached_at, sla_paused_at, closed_at from tickets where number in ('100001', '100003') order by number`.execute(database.owner);
        const [open, closed] = clocks.rows;
        assert.ok(open!.resolution_due_at! > open!.created_at && open!.resolution_due_at! < new Date('2024-04-01'));
        assert.equal(open!.resolution_breached_at?.getTime(), open!.resolution_due_at!.getTime());
        assert.equal(closed!.resolution_breached_at, null);
        assert.equal(closed!.sla_paused_at?.getTime(), closed!.closed_at!.getTime());
        const next = await sql<{ last_value: string }>`select last_value::text from tenant_counters c join tenants n on n.id = c.tenant_id where n.slug = 'acme' and c.name = 'ticket'`.execute(database.owner);
        assert.equal(next.rows[0]!.last_value, '100004', 'new tickets are numbered after the highest imported');
      });
    });

    it('a second run imports only what changed: a new reply, a new ticket, nothing twice', async () => {
      const again = reportOf(ok(await runInProcess(['import', 'osticket', '--from', mariadb.url(db('acme')), '--tenant', 'acme', '--json'], env)))[0]!;
      assert.equal(again.objects.tickets!.unchanged, 4);
      assert.equal(again.objects.tickets!.created + again.objects.tickets!.updated, 0);
      await root.query(`USE \`${db('acme')}\``);
      await root.query(`INSERT INTO ost_thread_entry (id, thread_id, user_id, type, body, format, created, updated) VALUES (900, 2, 1, 'M', 'Still broken on Monday', 'text', '2024-04-01 08:00:00', '2024-04-01 08:00:00')`);
      await addTicket(root, 5);
      await addFile(root, 900, 900, Buffer.from('monday.log\n'));
      await root.query(`UPDATE ost_faq SET answer = '<p>Open tray B, then tray C.</p>', updated = '2024-04-01 08:00:00' WHERE faq_id = 1`);
      // Ticket 3's only change: a custom field's value.
      await root.query(`UPDATE ost_form_entry_values SET value = 'PC-3-new' WHERE entry_id = 3 AND field_id = 2`);
      const monday = reportOf(ok(await runInProcess(['import', 'osticket', '--from', mariadb.url(db('acme')), '--tenant', 'acme', '--json'], env)))[0]!;
      assert.deepEqual([monday.objects.tickets!.created, monday.objects.tickets!.updated, monday.objects.tickets!.unchanged], [1, 2, 2]);
      assert.deepEqual([again.objects['faq articles']!.created, again.objects['faq articles']!.unchanged], [0, 2]);
      assert.deepEqual([again.objects['email addresses']!.created, again.objects['email addresses']!.unchanged], [0, 1]);
      assert.deepEqual([monday.objects['faq articles']!.updated, monday.objects['faq articles']!.unchanged, monday.objects['faq categories']!.unchanged], [1, 1, 2]);
      await desk(async (database) => {
        const fields = await sql<{ custom_fields: Record<string, string> }>`select custom_fields from tickets where number = '100003'`.execute(database.owner);
        assert.deepEqual(fields.rows[0]!.custom_fields, { asset_tag: 'PC-3-new' });
        const faq = await sql<{ version: number; body_html: string }>`select version, body_html from kb_articles where title like 'How do I clear%'`.execute(database.owner);
        assert.deepEqual([faq.rows[0]!.version, faq.rows[0]!.body_html], [2, '<p>Open tray B, then tray C.</p>']);
      });
      assert.equal(monday.objects['thread entries']!.created, 4);
      assert.equal(monday.objects.attachments!.created, 2);
      assert.deepEqual(monday.checks!.threadEntries, { source: 16, inTenant: 16 });
      assert.equal(monday.checks!.attachmentBytes.inTenant, monday.checks!.attachmentBytes.source);
    });

    it('imports every site of a multi-site master into its own tenant', async () => {
      const text = ok(await runInProcess(['import', 'osticket', '--sites', mariadb.url(db('master')), '--only', 'Globex Corporation'], env));
      assert.match(text, /-> tenant globex-corporation/);
      assert.match(text, /check ticket numbers: 2 of 2 .*: ok/);
      const tenants = ok(await runInProcess(['tenant', 'list'], env));
      assert.match(tenants, /^globex-corporation\tGlobex Corporation\tactive\t.*globex\.example\.test$/m);
      assert.doesNotMatch(tenants, /^initrode\t/m);
    });
  });
}

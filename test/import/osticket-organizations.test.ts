import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { Connection } from 'mysql2/promise';
import { loadConfig } from '../../src/config/config.ts';
import { organizationSlug } from '../../src/import/osticket/import-organizations.ts';
import { importDatabase, sourceUrl, type ImportDeps } from '../../src/import/osticket/run-import.ts';
import { createOutbound } from '../../src/net/guarded-connect.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { tenancySettings } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { PrivateMariadb } from '../support/private-mariadb.ts';
import { buildOsticket } from '../support/osticket-fixture.ts';

/**
 * `--organizations subtenants`: each osTicket organization becomes a subtenant of the imported
 * tenant, holding its users' contacts and the tickets they requested; a rerun finds the same ones.
 */
let mariadb: PrivateMariadb;
let root: Connection;
const dataDir = mkdtempSync(join(tmpdir(), 'td-import-orgs-'));

before(async () => {
  mariadb = await PrivateMariadb.create();
  root = await mariadb.connect();
  await buildOsticket(root, 'orgs', { tickets: 4, prefix: 'orgs' });
  // A second organization, whose user asks a ticket with a user of the first as collaborator.
  await root.query(`INSERT INTO ost_organization (id, name) VALUES (2, 'Globex Ltd')`);
  await root.query(`INSERT INTO ost_user (id, org_id, default_email_id, name, created, updated) VALUES (3, 2, 4, 'Gina Globex', '2024-03-01 09:00:00', '2024-03-01 09:00:00')`);
  await root.query(`INSERT INTO ost_user_email (id, user_id, address) VALUES (4, 3, 'gina@globex.example')`);
  await root.query(`UPDATE ost_ticket SET user_id = 3 WHERE ticket_id = 4`);
  await root.query(`UPDATE ost_thread_entry SET user_id = 3 WHERE id = 41`);
  await root.query(`UPDATE ost_thread_collaborator SET user_id = 1 WHERE thread_id = 4`);
});
after(async () => {
  await root?.end();
  await mariadb?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const outbound = createOutbound({ policy: loadConfig({ OUTBOUND_ALLOW: '127.0.0.1', DATA_DIR: dataDir }).outboundPolicy });

it('gives an organization a slug under its tenant, within 63 characters', () => {
  assert.equal(organizationSlug('acme', 'Société Générale'), 'acme-societe-generale');
  assert.equal(organizationSlug('acme', '!!!'), 'acme-organization');
  assert.equal(organizationSlug('a'.repeat(60), 'Big Org').length, 63);
});

forEachDatabase('osTicket organizations as subtenants', (get, kind) => {
  it('places each organization in a subtenant with its users and their tickets, and a rerun reuses them', async () => {
    const database = get();
    const settings = tenancySettings(loadConfig({ DATA_DIR: dataDir, OUTBOUND_ALLOW: '127.0.0.1' }));
    const catalog = await Catalog.load(database, { maxStalenessMs: 60_000 });
    const shards = new Shards(database, {});
    const deps: ImportDeps = { database, shards, settings, catalog, outbound, attachments: { dataDir: join(dataDir, kind), maxBytes: 1024 * 1024 } };
    await createTenant(database, settings, { slug: 'sp', name: 'SP', hosts: [], serviceProvider: true, subtenantsAllowed: true });
    await createTenant(database, settings, { slug: 'flat', name: 'Flat', hosts: [] });
    // Another tenant already holds the slug the second organization would take first.
    await createTenant(database, settings, { slug: 'orgs-globex-ltd', name: 'Someone else', hosts: [] });
    await catalog.refresh();
    const from = sourceUrl(mariadb.url('orgs'));

    await assert.rejects(importDatabase(deps, from, { slug: 'flat' }, { dryRun: false, organizations: 'subtenants' }), (e: Error & { code?: string }) => e.code === 'TENANT_RULE_VIOLATION' && /does not allow subtenants/.test(e.message));

    const dry = await importDatabase(deps, from, { slug: 'orgs', create: { name: 'Orgs', hosts: [] } }, { dryRun: true, organizations: 'subtenants' });
    assert.equal(dry.objects.organizations!.created, 2);
    assert.equal((await catalog.refresh()).bySlug.get('orgs'), undefined, 'a dry run creates no tenant');

    const report = await importDatabase(deps, from, { slug: 'orgs', create: { name: 'Orgs', hosts: [] } }, { dryRun: false, organizations: 'subtenants' });
    assert.deepEqual([report.objects.organizations!.source, report.objects.organizations!.created, report.objects.organizations!.inTenant], [2, 2, 2]);
    const snapshot = await catalog.refresh();
    const orgs = snapshot.bySlug.get('orgs')!;
    assert.equal(snapshot.bySlug.get('orgs-acme-corp')?.parentId, orgs.id);
    assert.equal(snapshot.bySlug.get('orgs-globex-ltd-2')?.parentId, orgs.id, 'a taken slug gets the next free one');
    assert.equal(snapshot.bySlug.get('orgs-globex-ltd')?.parentId, null);

    const contacts = await sql<{ email: string; slug: string }>`select c.email, t.slug from contacts c join tenants t on t.id = c.tenant_id where c.email like '%customer.example' or c.email like '%globex.example' order by c.email`.execute(database.owner);
    assert.deepEqual(contacts.rows.map((r) => `${r.email} ${r.slug}`), ['chloe@customer.example orgs-acme-corp', 'dan@customer.example orgs', 'gina@globex.example orgs-globex-ltd-2']);
    const tickets = await sql<{ number: string; slug: string }>`select k.number, t.slug from tickets k join tenants t on t.id = k.tenant_id where t.slug like 'orgs%' order by k.number`.execute(database.owner);
    assert.deepEqual(tickets.rows.map((r) => `${r.number} ${r.slug}`), ['100001 orgs', '100002 orgs-acme-corp', '100003 orgs', '100004 orgs-globex-ltd-2']);
    // Chloé (Acme) collaborates on Gina's Globex ticket in osTicket: another subtenant's contact, left out.
    // Dan, of no organization, collaborates on Chloé's: a contact of the tenant above, kept. Chloé on
    // Dan's (the tenant's) and on Gina's (Globex's): a contact of a subtenant below or beside, left out.
    const collaborators = await sql<{ number: string }>`select k.number from ticket_collaborators c join tickets k on k.id = c.ticket_id join tenants t on t.id = k.tenant_id where t.slug like 'orgs%' order by k.number`.execute(database.owner);
    assert.deepEqual(collaborators.rows.map((r) => r.number), ['100002']);
    assert.match(report.objects.tickets!.notes.join('\n'), /^4: 1 collaborator\(s\) of another organization's subtenant left out/m);
    assert.deepEqual(report.checks!.ticketNumbers, { source: 4, inTenant: 4, missing: [] });
    assert.deepEqual(report.checks!.threadEntries, { source: 12, inTenant: 12 });
    assert.equal(report.checks!.attachmentBytes.inTenant, report.checks!.attachmentBytes.source);
    const counters = await sql<{ slug: string; last_value: string }>`select t.slug, c.last_value::text from tenant_counters c join tenants t on t.id = c.tenant_id where t.slug like 'orgs-%' and c.name = 'ticket' order by t.slug`.execute(database.owner);
    assert.deepEqual(counters.rows.map((r) => r.last_value), ['100004', '100004'], 'new tickets of a subtenant are numbered after the highest imported');

    const again = await importDatabase(deps, from, { slug: 'orgs' }, { dryRun: false, organizations: 'subtenants' });
    assert.deepEqual([again.objects.organizations!.created, again.objects.organizations!.unchanged], [0, 2]);
    assert.equal(again.objects.tickets!.unchanged, 4);
    assert.equal([...(await catalog.refresh()).byId.values()].filter((t) => t.parentId === orgs.id).length, 2);
    await shards.close();
  });
});

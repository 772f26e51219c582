import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { AppError } from '../../src/errors.ts';
import { tenantFilesDir } from '../../src/files/tenant-files.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { createRole } from '../../src/identity/create-role.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { setTenantQuotas } from '../../src/tenancy/catalog/tenant-quotas.ts';
import { createObject } from '../../src/tenancy/data-access.ts';
import { deleteTenant } from '../../src/tenancy/placement/delete-tenant.ts';
import { exportTenant } from '../../src/tenancy/placement/export-tenant.ts';
import { importTenant } from '../../src/tenancy/placement/import-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { copyOrder, inUtc } from '../../src/tenancy/placement/tenant-rows.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';

/** The tenant's rows with its own id blanked out: equal before export and after import. */
async function tenantRows(database: Database, tenantId: number): Promise<Record<string, string[]>> {
  return inUtc(database.owner, async (tx) => {
    const out: Record<string, string[]> = {};
    for (const type of copyOrder()) {
      // Ids of the catalog (the tenant's own, its groups') change on import; they are checked apart.
      const result = await sql<{ row: string }>`select (to_jsonb(t) - 'tenant_id' - 'write_tenant_id' - 'read_group_id')::text as row
        from ${sql.table(type.table)} t where tenant_id = ${tenantId} order by 1`.execute(tx);
      out[type.table] = result.rows.map((r) => r.row);
    }
    return out;
  });
}

async function archiveOf(shards: Shards, catalog: Catalog, slug: string, dataDir: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const progress: number[] = [];
  await exportTenant(shards, catalog, slug, out, { dataDir, progress: (done) => progress.push(done) });
  assert.ok(progress.length > 0 && progress.every((d, i) => i === 0 || d >= progress[i - 1]!), 'progress only goes forward');
  return Buffer.concat(chunks);
}

forEachDatabase('exporting and importing a tenant', (db) => {
  let shards: Shards;
  let catalog: Catalog;
  let dataDir: string;
  let archive: Buffer;
  let original: Record<string, string[]>;
  const ids: Record<string, number> = {};
  const importFrom = (bytes: Buffer, options: Parameters<typeof importTenant>[4] = {}) =>
    importTenant(shards, catalog, DEFAULT_TENANCY, Readable.from([bytes]), { dataDir, ...options });
  const tenantCount = async () => Number((await sql<{ n: number }>`select count(*)::integer as n from tenants`.execute(db().owner)).rows[0]!.n);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-archive-'));
    shards = new Shards(db());
    ids.sp = (await createTenant(db(), DEFAULT_TENANCY, { slug: 'sp', name: 'SP' })).id;
    ids.acme = (await createTenant(db(), DEFAULT_TENANCY, { slug: 'acme', name: 'ACME', hosts: ['acme.test'], subtenantsAllowed: true })).id;
    catalog = await Catalog.load(db());
    const ctx = systemContext(shards, DEFAULT_TENANCY, catalog.snapshot());
    await createRole(ctx, { slug: 'acme-lead', name: 'Acme lead', tenantId: ids.acme!, read: 'group:acme.subtenants', write: 'tenant:acme', mayWritePublic: false, permissions: ['ticket.create'], partitions: [] });
    const customer = await createContact(ctx, { tenantId: ids.acme!, kind: 'customer', email: 'c@acme.test', name: 'Zoë “quotes” \\ back' });
    for (let i = 0; i < 1200; i++) await createObject(ctx, 'ticket', { tenant_id: ids.acme, subject: `Ticket ${i}`, requester_id: customer.id });
    mkdirSync(join(tenantFilesDir(dataDir, ids.acme!), 'ab'), { recursive: true });
    writeFileSync(join(tenantFilesDir(dataDir, ids.acme!), 'ab', 'screenshot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255, 10, 13]));
    await setTenantQuotas(db(), 'acme', { apiRate: 7, mailPerHour: 99 });
    original = await tenantRows(db(), ids.acme!);
    archive = await archiveOf(shards, catalog, 'acme', dataDir);
  });
  after(async () => {
    await shards?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes a versioned, gzip-compressed archive: header, rows in copy order, files, end line', () => {
    const lines = gunzipSync(archive).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const header = lines[0] as { format: string; version: number; tables: Record<string, number>; files: number; tenant: { hosts: string[]; quotas?: unknown } };
    assert.equal(header.format, 'tenantdesk-tenant-archive');
    assert.equal(header.version, 1);
    assert.equal(header.tables.tickets, 1200);
    assert.deepEqual(header.tenant.hosts, ['acme.test']);
    assert.deepEqual(header.tenant.quotas, { apiRate: 7, mailPerHour: 99 }, "the tenant's own limits travel with it");
    assert.deepEqual(lines.at(-1), { end: true, rows: 1200 + 1 + 1 + 1, files: 1 }, 'the tickets, the customer, the role and its audit event');
    const order = [...new Set(lines.filter((l) => 'table' in l).map((l) => l.table as string))];
    const copy = copyOrder().map((t) => t.table);
    assert.deepEqual(order, copy.filter((t) => order.includes(t)), 'tables come in copy order: owners before their parts');
  });

  it('deleting the tenant removes its rows and files; importing the archive brings back every row and file', async () => {
    await deleteTenant(systemContext(shards, DEFAULT_TENANCY, await catalog.refresh()), 'acme', { dataDir });
    assert.equal(existsSync(tenantFilesDir(dataDir, ids.acme!)), false);
    const imported = await importFrom(archive);
    assert.deepEqual(imported, { slug: 'acme', rows: 1203, files: 1 });
    const tenant = catalog.snapshot().bySlug.get('acme')!;
    assert.notEqual(tenant.id, ids.acme);
    assert.equal(catalog.snapshot().byHost.get('acme.test')?.id, tenant.id);
    assert.deepEqual(tenant.limits, { apiRate: 7, mailPerHour: 99 }, 'its own limits come back with it');
    assert.deepEqual(await tenantRows(db(), tenant.id), original);
    assert.deepEqual(readFileSync(join(tenantFilesDir(dataDir, tenant.id), 'ab', 'screenshot.png')), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255, 10, 13]));
    const role = await db().owner.selectFrom('roles').selectAll().where('slug', '=', 'acme-lead').executeTakeFirstOrThrow();
    const group = await db().owner.selectFrom('tenant_groups').select('id').where('slug', '=', 'acme.subtenants').executeTakeFirstOrThrow();
    assert.equal(role.write_tenant_id, tenant.id, "a role's tenant access follows the tenant's new id");
    assert.equal(role.read_group_id, group.id, "and its group access the tenant's new group");
    ids.acme = tenant.id;
  });

  it('refuses a truncated, a damaged and an already imported archive, creating nothing', async () => {
    await deleteTenant(systemContext(shards, DEFAULT_TENANCY, await catalog.refresh()), 'acme', { dataDir });
    const before = await tenantCount();
    const lines = gunzipSync(archive).toString('utf8').trimEnd().split('\n');
    const truncated = gzipSync(lines.slice(0, -1).join('\n'));
    await assert.rejects(importFrom(truncated), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED' && /end line/.test(e.message));
    await assert.rejects(importFrom(archive.subarray(0, archive.length / 2)), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
    await assert.rejects(importFrom(Buffer.from('not an archive at all')), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
    const tampered = gzipSync([lines[0], lines[1]!.replace('"table":"', '"table":"x'), ...lines.slice(2)].join('\n'));
    await assert.rejects(importFrom(tampered), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
    assert.equal(await tenantCount(), before, 'no tenant was created');
    assert.equal((await catalog.refresh()).bySlug.has('acme'), false);
    const tickets = (await sql<{ n: number }>`select count(*)::integer as n from tickets`.execute(db().owner)).rows[0]!.n;
    assert.equal(tickets, 0, 'and no row');
    assert.deepEqual(existsSync(join(dataDir, 'files')) ? readdirSync(join(dataDir, 'files')) : [], [], 'nor any file');

    await importFrom(archive);
    await assert.rejects(importFrom(archive), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT' && e.field === 'slug');
    await assert.rejects(importFrom(archive, { slug: 'acme-copy', hosts: [] }), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT' && /already exist/.test(e.message));
    assert.equal((await catalog.refresh()).bySlug.has('acme-copy'), false);
  });

  it('exports a silo tenant the same way, and imports it into the pool', async () => {
    const silo = await createTenant(db(), DEFAULT_TENANCY, { slug: 'initech', name: 'Initech', silo: true }, shards);
    const ctx2 = systemContext(shards, DEFAULT_TENANCY, await catalog.refresh());
    const someone = await createContact(ctx2, { tenantId: silo.id, kind: 'customer', email: 'x@initech.test', name: 'X' });
    await createObject(ctx2, 'ticket', { tenant_id: silo.id, subject: 'In a silo', requester_id: someone.id });
    const rows = await tenantRows(await shards.get(silo.shard), silo.id);
    const bytes = await archiveOf(shards, catalog, 'initech', dataDir);
    await deleteTenant(systemContext(shards, DEFAULT_TENANCY, await catalog.refresh()), 'initech');
    const imported = await importFrom(bytes);
    const tenant = catalog.snapshot().bySlug.get(imported.slug)!;
    assert.equal(tenant.shard, 'pool');
    assert.deepEqual(await tenantRows(db(), tenant.id), rows);
  });
});

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql, type Kysely, type Transaction } from 'kysely';
import { migrationStatus } from '../../db/migrate.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { listTenantFiles, tenantFilesDir } from '../../files/tenant-files.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { limitOverrides } from '../catalog/snapshot.ts';
import type { Shards } from './shards.ts';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, TENANT_ID_COLUMNS, type ArchiveHeader, type Progress } from './tenant-archive.ts';
import { copyOrder, inUtc, readRows, tableShape } from './tenant-rows.ts';

/**
 * Writes the tenant's archive to `out`: every row, read in one consistent snapshot of its
 * database, and every file. Streamed: memory stays flat however large the tenant.
 */
export async function exportTenant(shards: Shards, catalog: Catalog, slug: string, out: Writable, options: { dataDir?: string | undefined; progress?: Progress } = {}): Promise<{ rows: number; files: number }> {
  const tenant = (await catalog.refresh()).bySlug.get(slug);
  if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  const database = await shards.get(tenant.shard);
  const files = options.dataDir ? await listTenantFiles(options.dataDir, tenant.id) : [];
  const { applied } = await migrationStatus(shards.pool);
  const described = await describeTenant(shards, tenant.id);
  return inUtc(
    database.system,
    async (tx) => {
      const counts: Record<string, number> = {};
      for (const type of copyOrder()) {
        counts[type.table] = (await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(type.table)} where tenant_id = ${tenant.id}`.execute(tx)).rows[0]!.n;
      }
      const header: ArchiveHeader = {
        format: ARCHIVE_FORMAT,
        version: ARCHIVE_VERSION,
        createdAt: new Date().toISOString(),
        schema: applied[applied.length - 1] ?? '',
        tenant: described,
        // Embedded, the pool is one connection: while this snapshot holds it, the catalog is read through it.
        ...(await namedReferences(database === shards.pool ? tx : shards.pool.system, tx, tenant.id)),
        tables: counts,
        files: files.length,
      };
      const total = Object.values(counts).reduce((a, b) => a + b, 0) + files.length;
      let done = 0;
      async function* lines(): AsyncGenerator<string> {
        yield `${JSON.stringify(header)}\n`;
        for (const type of copyOrder()) {
          for await (const rows of readRows(tx, await tableShape(tx, type), tenant!.id)) {
            yield rows.map((row) => `{"table":${JSON.stringify(type.table)},"row":${row}}\n`).join('');
            options.progress?.((done += rows.length), total);
          }
        }
        for (const file of files) {
          const data = await readFile(join(tenantFilesDir(options.dataDir!, tenant!.id), file));
          yield `${JSON.stringify({ file, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), data: data.toString('base64') })}\n`;
          options.progress?.((done += 1), total);
        }
        yield `${JSON.stringify({ end: true, rows: total - files.length, files: files.length })}\n`;
      }
      await pipeline(Readable.from(lines()), createGzip(), out, { end: false });
      return { rows: total - files.length, files: files.length };
    },
    true,
  );
}

async function describeTenant(shards: Shards, id: number): Promise<ArchiveHeader['tenant']> {
  const db = shards.pool.system;
  const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const parent = row.parent_id === null ? undefined : await db.selectFrom('tenants').select('slug').where('id', '=', row.parent_id).executeTakeFirst();
  const hosts = await db.selectFrom('tenant_hosts').select('host').where('tenant_id', '=', id).orderBy('host').execute();
  const quotas = await db.selectFrom('tenant_quotas').selectAll().where('tenant_id', '=', id).executeTakeFirst();
  return {
    id,
    slug: row.slug,
    name: row.name,
    status: row.status === 'suspended' ? 'suspended' : 'active',
    parent: parent?.slug ?? null,
    subtenantsAllowed: row.subtenants_allowed,
    branding: row.branding as Record<string, unknown>,
    termsOfUse: row.terms_of_use,
    hosts: hosts.map((h) => h.host),
    ...(quotas ? { quotas: limitOverrides(quotas) } : {}),
  };
}

/** The tenants and groups the tenant's rows name by id, with the slugs to find them by elsewhere. */
async function namedReferences(db: Kysely<DB>, tx: Transaction<DB>, tenantId: number): Promise<Pick<ArchiveHeader, 'tenants' | 'groups'>> {
  const tenantIds = new Set<number>();
  const groupIds = new Set<number>();
  for (const [table, columns] of Object.entries(TENANT_ID_COLUMNS)) {
    for (const column of [...columns.tenants, ...columns.groups]) {
      const result = await sql<{ id: number }>`select distinct ${sql.ref(column)} as id from ${sql.table(table)} where tenant_id = ${tenantId} and ${sql.ref(column)} is not null`.execute(tx);
      for (const { id } of result.rows) (columns.tenants.includes(column) ? tenantIds : groupIds).add(id);
    }
  }
  const tenants = tenantIds.size ? await db.selectFrom('tenants').select(['id', 'slug']).where('id', 'in', [...tenantIds]).execute() : [];
  const groups = groupIds.size
    ? await db.selectFrom('tenant_groups as g').leftJoin('tenants as t', 't.id', 'g.owner_tenant_id').select(['g.id', 'g.slug', 'g.kind', 't.slug as owner']).where('g.id', 'in', [...groupIds]).execute()
    : [];
  return {
    tenants: Object.fromEntries(tenants.map((t) => [String(t.id), { slug: t.slug }])),
    groups: Object.fromEntries(groups.map((g) => [String(g.id), { slug: g.slug, kind: g.kind, owner: g.owner }])),
  };
}

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import { migrationStatus } from '../../db/migrate.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { deleteTenantFiles, tenantFilesDir } from '../../files/tenant-files.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { createTenant } from '../catalog/create-tenant.ts';
import { writeTenantQuotas } from '../catalog/tenant-quotas.ts';
import type { TenancySettings } from '../settings.ts';
import type { Shards } from './shards.ts';
import { archiveEnd, archiveFile, archiveHeader, archiveRow, TENANT_ID_COLUMNS, type ArchiveHeader, type Progress } from './tenant-archive.ts';
import { copyOrder, tableShape, upsertRows, type TableShape } from './tenant-rows.ts';

export type ImportOptions = {
  /** Import under another slug (the archive's is the default), with other hosts, under another parent. */
  readonly slug?: string | undefined;
  readonly hosts?: readonly string[] | undefined;
  readonly parent?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly progress?: Progress;
};

const invalid = (message: string) => new AppError('VALIDATION_FAILED', `This is not a complete TenantDesk tenant archive: ${message}`, 'archive');

/**
 * Creates a tenant in the pool from an archive, with all its rows and files, in the catalog
 * transaction that creates it: a refused or incomplete archive leaves no tenant and no row.
 * (To give it a silo, move it afterwards.)
 */
export async function importTenant(shards: Shards, catalog: Catalog, settings: TenancySettings, input: Readable, options: ImportOptions = {}): Promise<{ slug: string; rows: number; files: number }> {
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const header = parse(archiveHeader, (await lines.next().catch(() => ({ value: undefined }))).value, 'the header');
  const { applied } = await migrationStatus(shards.pool);
  if (!applied.includes(header.schema)) {
    throw new AppError('CONFLICT', `The archive comes from a newer TenantDesk (schema ${header.schema}); upgrade this installation first.`, 'archive');
  }
  const slug = options.slug ?? header.tenant.slug;
  let tenantId: number | undefined;
  let counts = { rows: 0, files: 0 };
  try {
    await createTenant(
      shards.pool,
      settings,
      { slug, name: header.tenant.name, hosts: [...(options.hosts ?? header.tenant.hosts)], parentSlug: options.parent ?? header.tenant.parent ?? undefined, subtenantsAllowed: header.tenant.subtenantsAllowed, branding: header.tenant.branding, termsOfUse: header.tenant.termsOfUse },
      undefined,
      async (tx, tenant) => {
        tenantId = tenant.id;
        await tx.updateTable('tenants').set({ status: header.tenant.status }).where('id', '=', tenant.id).execute();
        if (header.tenant.quotas) await writeTenantQuotas(tx, tenant.id, header.tenant.quotas);
        counts = await fillTenant(tx, header, tenant.id, lines, options);
      },
    );
  } catch (error) {
    if (tenantId !== undefined && options.dataDir) await deleteTenantFiles(options.dataDir, tenantId);
    if (/^Z_/.test(String((error as { code?: unknown }).code))) throw invalid('it is damaged (not gzip data).');
    throw error;
  } finally {
    input.destroy();
  }
  await catalog.refresh();
  return { slug, ...counts };
}

function json(line: string | undefined, what: string): unknown {
  try {
    return line === undefined ? undefined : JSON.parse(line);
  } catch {
    throw invalid(`${what} is not JSON.`);
  }
}

function parse<T>(schema: z.ZodType<T>, line: string | undefined, what: string): T {
  const result = schema.safeParse(json(line, what));
  if (!result.success) throw invalid(`${what} is missing or malformed.`);
  return result.data;
}

async function fillTenant(tx: Transaction<DB>, header: ArchiveHeader, tenantId: number, lines: AsyncIterator<string>, options: ImportOptions) {
  const remap = await idMaps(tx, header, tenantId);
  const shapes = new Map<string, TableShape>();
  for (const type of copyOrder()) shapes.set(type.table, await tableShape(tx, type));
  const seen: Record<string, number> = {};
  const total = Object.values(header.tables).reduce((a, b) => a + b, 0) + header.files;
  let pending: { shape: TableShape; rows: Record<string, unknown>[] } | undefined;
  let rows = 0;
  let files = 0;
  const flush = async () => {
    if (!pending?.rows.length) return;
    await insertRows(tx, pending.shape, pending.rows);
    pending.rows = [];
  };
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const record = json(next.value, 'a line');
    if (typeof record !== 'object' || record === null) throw invalid('a line is not a record.');
    if ('end' in record) {
      await flush();
      const end = parse(archiveEnd, next.value, 'the end line');
      if (end.rows !== rows || end.files !== files || Object.entries(header.tables).some(([t, n]) => (seen[t] ?? 0) !== n)) throw invalid('its totals do not match its rows.');
      return { rows, files };
    }
    if ('file' in record) {
      await flush();
      await writeTenantFile(options.dataDir, tenantId, parse(archiveFile, next.value, 'a file line'));
      files += 1;
      options.progress?.(rows + files, total);
      continue;
    }
    const { table, row } = parse(archiveRow, next.value, 'a row line');
    const shape = shapes.get(table);
    if (!shape) throw invalid(`it has rows of "${table}", which is not a tenant table here.`);
    if (pending?.shape !== shape) await flush();
    pending = pending?.shape === shape ? pending : { shape, rows: [] };
    pending.rows.push(remap(table, row));
    seen[table] = (seen[table] ?? 0) + 1;
    rows += 1;
    if (pending.rows.length >= 500) await flush();
    options.progress?.(rows + files, total);
  }
  throw invalid('it ends before its end line (truncated?).');
}

async function insertRows(tx: Transaction<DB>, shape: TableShape, rows: Record<string, unknown>[]): Promise<void> {
  const keys = new Set(Object.keys(rows[0]!));
  const unknown = [...keys].find((k) => !shape.allColumns.includes(k));
  if (unknown) throw invalid(`its ${shape.type.table} rows have a column "${unknown}" unknown here.`);
  try {
    // Columns the archive lacks (an older TenantDesk) take their defaults.
    await upsertRows(tx, { ...shape, columns: shape.columns.filter((c) => keys.has(c)) }, rows.map((r) => JSON.stringify(r)), true);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new AppError('CONFLICT', `Rows of this archive already exist here (${shape.type.table}): was it imported already, or is its tenant still in this installation?`, 'archive');
    }
    throw error;
  }
}

/** Rewrites the ids of the archive's tenant, and of the tenants and groups its rows name, to this installation's. */
async function idMaps(tx: Transaction<DB>, header: ArchiveHeader, tenantId: number) {
  const tenants = new Map<number, number>([[header.tenant.id, tenantId]]);
  for (const [id, { slug }] of Object.entries(header.tenants)) {
    if (Number(id) === header.tenant.id) continue;
    const found = await tx.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!found) throw new AppError('NOT_FOUND', `The archive's roles name tenant "${slug}", which is not here; create it first.`, 'archive');
    tenants.set(Number(id), found.id);
  }
  const groups = new Map<number, number>();
  for (const [id, group] of Object.entries(header.groups)) {
    const owner = group.owner === header.tenant.slug ? tenantId : group.owner;
    let query = tx.selectFrom('tenant_groups as g').select('g.id');
    if (group.kind === 'user') query = query.where('g.slug', '=', group.slug);
    else if (typeof owner === 'number') query = query.where('g.owner_tenant_id', '=', owner).where('g.kind', '=', group.kind as never);
    else query = query.innerJoin('tenants as t', 't.id', 'g.owner_tenant_id').where('t.slug', '=', owner ?? '').where('g.kind', '=', group.kind as never);
    const found = await query.executeTakeFirst();
    if (!found) throw new AppError('NOT_FOUND', `The archive's roles name tenant group "${group.slug}", which is not here; create it first.`, 'archive');
    groups.set(Number(id), found.id);
  }
  return (table: string, row: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...row, tenant_id: tenantId };
    const columns = TENANT_ID_COLUMNS[table];
    for (const column of columns?.tenants ?? []) if (typeof row[column] === 'number') out[column] = tenants.get(row[column] as number) ?? invalidId(column);
    for (const column of columns?.groups ?? []) if (typeof row[column] === 'number') out[column] = groups.get(row[column] as number) ?? invalidId(column);
    return out;
  };
}

const invalidId = (column: string): never => {
  throw invalid(`a row names an id in ${column} that its header does not describe.`);
};

async function writeTenantFile(dataDir: string | undefined, tenantId: number, file: z.infer<typeof archiveFile>): Promise<void> {
  if (!dataDir) throw new AppError('VALIDATION_FAILED', 'The archive has files, and this installation has no data directory for them.', 'archive');
  const path = normalize(file.file);
  if (isAbsolute(path) || path.startsWith('..')) throw invalid(`it names a file outside the tenant's directory ("${file.file}").`);
  const data = Buffer.from(file.data, 'base64');
  if (data.length !== file.size || createHash('sha256').update(data).digest('hex') !== file.sha256) throw invalid(`file "${file.file}" is damaged.`);
  const target = join(tenantFilesDir(dataDir, tenantId), path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, data);
}

import { z } from 'zod';

/**
 * The tenant archive (docs/tenant-archive.md): gzip-compressed JSON lines. A header, then each
 * row as `{"table", "row"}` in copy order (owners before their parts), then each file as
 * `{"file", "size", "sha256", "data"}` (base64), then `{"end": true, ...}` with the totals. An
 * archive without its end line is incomplete and is refused whole.
 */
export const ARCHIVE_FORMAT = 'tenantdesk-tenant-archive';
export const ARCHIVE_VERSION = 1;

const tenantRef = z.object({ slug: z.string() });
const groupRef = z.object({ slug: z.string(), kind: z.string(), owner: z.string().nullable() });

export const archiveHeader = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  createdAt: z.string(),
  /** The last migration of the exporting installation. */
  schema: z.string(),
  tenant: z.object({
    id: z.number().int(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    parent: z.string().nullable(),
    subtenantsAllowed: z.boolean(),
    branding: z.record(z.string(), z.unknown()),
    termsOfUse: z.string().nullable(),
    hosts: z.array(z.string()),
    /** Its own limits (tenant_quotas), where it has any; absent in archives before 2026-11-23. */
    quotas: z.object({ apiRate: z.number(), apiBurst: z.number(), mailPerHour: z.number(), storageBytes: z.number() }).partial().strict().optional(),
  }),
  /** Other tenants and groups the rows name by id (roles' access), to be found again by slug. */
  tenants: z.record(z.string(), tenantRef),
  groups: z.record(z.string(), groupRef),
  tables: z.record(z.string(), z.number().int().nonnegative()),
  files: z.number().int().nonnegative(),
});
export type ArchiveHeader = z.infer<typeof archiveHeader>;

export const archiveRow = z.object({ table: z.string(), row: z.record(z.string(), z.unknown()) });
export const archiveFile = z.object({ file: z.string(), size: z.number().int().nonnegative(), sha256: z.string(), data: z.string() });
export const archiveEnd = z.object({ end: z.literal(true), rows: z.number().int(), files: z.number().int() });

/** Columns outside `tenant_id` that hold a tenant or a tenant group id, by table. */
export const TENANT_ID_COLUMNS: Record<string, { tenants: string[]; groups: string[] }> = {
  roles: { tenants: ['read_tenant_id', 'write_tenant_id'], groups: ['read_group_id', 'write_group_id'] },
};

export type Progress = (done: number, total: number) => void;

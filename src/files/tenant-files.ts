import { readdir, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

/**
 * Where a tenant's files (attachments) live: one directory per tenant under the data directory,
 * so exporting or deleting a tenant's files is a matter of one directory.
 */
export function tenantFilesDir(dataDir: string, tenantId: number): string {
  return join(resolve(dataDir), 'files', String(tenantId));
}

/** Every file under the tenant's directory, as paths relative to it, sorted. */
export async function listTenantFiles(dataDir: string, tenantId: number): Promise<string[]> {
  const root = tenantFilesDir(dataDir, tenantId);
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

export async function deleteTenantFiles(dataDir: string, tenantId: number): Promise<void> {
  await rm(tenantFilesDir(dataDir, tenantId), { recursive: true, force: true });
}

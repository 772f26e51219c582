import { AppError } from '../../errors.ts';
import type { CatalogSnapshot } from '../../tenancy/catalog/snapshot.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { findObject, inTransaction } from '../../tenancy/data-access.ts';
import { rowDigest } from './import-ledger.ts';
import { emptyCounts, type ObjectCounts } from './import-report.ts';
import type { ImportRun } from './import-osticket.ts';
import { siteSlug } from './osticket-mapping.ts';

/**
 * osTicket organizations, kept one of two ways (`--organizations`): as the `organization`
 * attribute of their users (the default), or as subtenants of the imported tenant, each user's
 * contact (and so the tickets it requests, a ticket taking its requester's tenant) placed in its
 * organization's subtenant. A subtenant is remembered in `import_sources` (table `organization`,
 * target type `tenant`), so a rerun finds the same one.
 */
export type OrganizationMode = 'attribute' | 'subtenants';

/** What making subtenants needs of the catalog, given by the command (the domain does not create tenants itself). */
export type SubtenantMaker = {
  /** Creates a pool subtenant of the imported tenant; returns its id. */
  create(slug: string, name: string): Promise<number>;
  /** The catalog as it is now (refreshed after each creation). */
  snapshot(): CatalogSnapshot;
  /** The import's context rebuilt over the refreshed catalog, so the new subtenants are writable. */
  context(): TenancyContext;
};

type OrganizationRow = { id: unknown; name: unknown };

export async function importOrganizations(run: ImportRun): Promise<void> {
  const rows = await run.source.select<OrganizationRow>(`SELECT id, name FROM ${run.source.t('organization')} ORDER BY id`);
  const counts = (run.report.objects.organizations = emptyCounts(rows.length));
  for (const row of rows) {
    const name = String(row.name ?? '').trim().slice(0, 200);
    if (!name) counts.unmapped.push({ id: String(row.id), reason: 'no name' });
    else run.organizations.set(String(row.id), name);
  }
  if (run.options.organizations === 'subtenants') await asSubtenants(run, rows, counts);
  else {
    counts.inTenant = run.organizations.size;
    counts.notes.push('kept as the organization attribute of their users (customers), not as objects of their own (--organizations subtenants makes them subtenants)');
  }
}

async function asSubtenants(run: ImportRun, rows: readonly OrganizationRow[], counts: ObjectCounts): Promise<void> {
  const maker = run.options.subtenants;
  const parent = run.options.tenantId;
  const known = await run.ledger.load('organization');
  for (const row of rows) {
    const id = String(row.id);
    const name = run.organizations.get(id);
    if (!name) continue;
    const mine = known.get(id);
    if (mine) {
      run.organizationTenants.set(id, Number(mine.targetId));
      counts.unchanged++;
      if (mine.digest !== rowDigest(row)) counts.notes.push(`${id}: renamed "${name}" in osTicket; the subtenant keeps its name and slug`);
      continue;
    }
    if (run.options.dryRun || !maker || parent === undefined) {
      counts.created++;
      run.ledger.plan('organization', id);
      continue;
    }
    const tenantId = await subtenantFor(maker, parent, name).catch((error: unknown) => {
      if (error instanceof AppError) counts.unmapped.push({ id, reason: `no subtenant: ${error.message} (its users stay in the tenant, with the organization as an attribute)` });
      else throw error;
      return undefined;
    });
    if (tenantId === undefined) continue;
    await inTransaction(run.ctx, (tx) => run.ledger.record(tx, 'organization', id, 'tenant', String(tenantId), rowDigest(row)), parent);
    run.organizationTenants.set(id, tenantId);
    counts.created++;
  }
  if (maker && counts.created && !run.options.dryRun) run.ctx = { ...maker.context(), known: run.ctx.known };
  counts.inTenant = run.options.dryRun ? counts.created + counts.unchanged : run.organizationTenants.size;
  counts.notes.push(`each became a subtenant of ${run.options.tenantSlug}; its users' contacts and their tickets live in it`);
}

/**
 * The subtenant of an organization not yet in the ledger: a child of the tenant with the
 * organization's slug and name is one an interrupted run created (its ledger row never committed);
 * otherwise a new one under the first free slug (`<tenant>-<organization>`, then `-2`, `-3`...).
 */
async function subtenantFor(maker: SubtenantMaker, parent: number, name: string): Promise<number> {
  const catalog = maker.snapshot();
  const base = organizationSlug(catalog.byId.get(parent)!.slug, name);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base.slice(0, 63 - String(n).length - 1).replace(/-+$/, '')}-${n}`;
    const holder = catalog.bySlug.get(slug);
    if (!holder) return maker.create(slug, name);
    if (holder.parentId === parent && holder.name === name) return holder.id;
  }
}

/** `<tenant slug>-<organization name as a slug>`, within a slug's 63 characters. */
export function organizationSlug(tenantSlug: string, name: string): string {
  const own = siteSlug(name);
  return `${tenantSlug}-${own.ok ? own.value : 'organization'}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * The tenant of an imported contact: the imported tenant, or one of its organizations' subtenants.
 * Looked up once per contact, and only when there are subtenants.
 */
export async function contactTenant(run: ImportRun, contactId: string): Promise<number> {
  if (!run.organizationTenants.size) return run.options.tenantId!;
  const cached = run.contactTenants.get(contactId);
  if (cached !== undefined) return cached;
  const tenantId = Number((await findObject(run.ctx, 'contact', contactId)).tenant_id);
  run.contactTenants.set(contactId, tenantId);
  return tenantId;
}

/** The imported tenant and its organizations' subtenants: where the import's tickets live. */
export function importedTenants(run: ImportRun): number[] {
  return [run.options.tenantId!, ...new Set(run.organizationTenants.values())];
}

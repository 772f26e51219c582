import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { MysqlSourceError, openMysqlSource, parseMysqlUrl, withDatabase, type MysqlUrl } from '../../net/mysql-source.ts';
import type { Outbound } from '../../net/guarded-connect.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import { createTenant } from '../../tenancy/catalog/create-tenant.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import { systemContext } from '../../tenancy/system-context.ts';
import { importOsticket, type ImportProgress } from './import-osticket.ts';
import type { OrganizationMode, SubtenantMaker } from './import-organizations.ts';
import type { ImportReport } from './import-report.ts';
import { siteHost, siteSlug } from './osticket-mapping.ts';
import { OsticketSource } from './osticket-source.ts';

/** What an import needs of the installation. */
export type ImportDeps = {
  readonly database: Database;
  readonly shards: Shards;
  readonly settings: TenancySettings;
  readonly catalog: Catalog;
  readonly outbound: Outbound;
  readonly attachments: { readonly dataDir: string; readonly maxBytes: number };
  /** The installation's sender domains (MAIL_FROM's and MAIL_SENDER_DOMAINS): a mailbox's address is checked against them. */
  readonly senderDomains?: readonly string[];
};

export type RunOptions = {
  readonly dryRun: boolean;
  /** Organizations as their users' attribute (default) or as subtenants of the imported tenant. */
  readonly organizations?: OrganizationMode | undefined;
  readonly filesDir?: string | undefined;
  readonly progress?: ImportProgress | undefined;
  /** Tickets per page and per transaction (tests and the benchmark set it). */
  readonly ticketsPerPage?: number | undefined;
};

/** The tenant to import into, and how to create it when it does not exist (`--create`). */
export type ImportTarget = { readonly slug: string; readonly create?: { readonly name: string; readonly hosts: readonly string[]; readonly parent?: string | undefined } | undefined };

/** A source problem (unreachable, wrong password, not osTicket) as the one error type, nothing written yet. */
const sourceError = (error: unknown): never => {
  if (error instanceof MysqlSourceError) throw new AppError('VALIDATION_FAILED', error.message, 'from');
  throw error;
};

/** A source URL parsed, or the clear error of a bad one. */
export function sourceUrl(text: string): MysqlUrl {
  try {
    return parseMysqlUrl(text);
  } catch (error) {
    return sourceError(error);
  }
}

/**
 * `import osticket --from`: opens the source read-only and checks it before anything is written
 * (a bad URL, password, table or version stops here), creates the tenant if asked, then imports.
 */
export async function importDatabase(deps: ImportDeps, url: MysqlUrl, target: ImportTarget, options: RunOptions): Promise<ImportReport> {
  const db = await openMysqlSource(deps.outbound, url).catch(sourceError);
  try {
    const source = await OsticketSource.open(db);
    let tenant = (await deps.catalog.refresh()).bySlug.get(target.slug);
    if (!tenant && !target.create) throw new AppError('NOT_FOUND', `No tenant "${target.slug}": create it first, or add --create --name NAME [--host HOST].`, 'tenant');
    const subtenants = options.organizations === 'subtenants';
    if (tenant && subtenants) await assertSubtenantsPossible(deps, tenant.slug);
    if (!tenant && !options.dryRun) {
      const { create } = target;
      await createTenant(deps.database, deps.settings, { slug: target.slug, name: create!.name, hosts: [...create!.hosts], parentSlug: create!.parent, ...(subtenants ? { subtenantsAllowed: true } : {}) }, deps.shards);
      tenant = (await deps.catalog.refresh()).bySlug.get(target.slug);
    }
    const ctx = systemContext(deps.shards, deps.settings, deps.catalog.snapshot());
    const report = await importOsticket(ctx, source, {
      organizations: options.organizations,
      subtenants: tenant && subtenants ? subtenantMaker(deps, tenant.slug) : undefined,
      tenantId: tenant?.id,
      tenantSlug: target.slug,
      dryRun: options.dryRun,
      attachments: deps.attachments,
      filesDir: options.filesDir,
      progress: options.progress,
      ticketsPerPage: options.ticketsPerPage,
      mailboxes: { outbound: deps.outbound, box: undefined, config: { senderDomains: deps.senderDomains ?? [] } },
    });
    if (!tenant) report.objects.tenant = { source: 1, inTenant: 0, created: 1, updated: 0, unchanged: 0, unmapped: [], notes: [`would be created: ${target.slug} (${target.create!.name})${target.create!.hosts.length ? ` at ${target.create!.hosts.join(', ')}` : ''}`] };
    return report;
  } finally {
    await db.close();
  }
}

/**
 * Organizations become subtenants only of a pool tenant that allows subtenants: a silo's contacts
 * and their ledger rows would live in two databases. Refused before anything is written.
 */
async function assertSubtenantsPossible(deps: ImportDeps, slug: string): Promise<void> {
  const row = await deps.database.system.selectFrom('tenants').select(['subtenants_allowed', 'shard']).where('slug', '=', slug).executeTakeFirstOrThrow();
  if (!row.subtenants_allowed) throw new AppError('TENANT_RULE_VIOLATION', `Tenant "${slug}" does not allow subtenants, so its organizations cannot become subtenants: allow them first (the service provider's console, or PATCH /api/v1/sp/tenants/${slug} with subtenantsAllowed), or keep organizations as an attribute.`, 'organizations');
  if (row.shard !== 'pool') throw new AppError('VALIDATION_FAILED', `Tenant "${slug}" has a database of its own; organizations become subtenants only of a tenant in the pool (keep them as an attribute, or move the tenant to the pool for the import).`, 'organizations');
}

/** Subtenants of the imported tenant, created in the catalog as `tenant create --parent` would. */
function subtenantMaker(deps: ImportDeps, parentSlug: string): SubtenantMaker {
  return {
    async create(slug, name) {
      const created = await createTenant(deps.database, deps.settings, { slug, name, parentSlug }, deps.shards);
      await deps.catalog.refresh();
      return created.id;
    },
    snapshot: () => deps.catalog.snapshot(),
    context: () => systemContext(deps.shards, deps.settings, deps.catalog.snapshot()),
  };
}

/** One row of the master database's sites table, as a tenant and a database to import. */
export type Site = { readonly name: string; readonly slug: string; readonly host: string; readonly url: MysqlUrl };

/**
 * The sites of a multi-site installation (seed 000: `ost_sites (site_name, url, db_name)` in a master
 * database): each row's database is on the master's server unless the row names another
 * (`db_host`, `db_port`, `db_user`, `db_pass`). A row that cannot be mapped is refused with its reason.
 */
export async function readSites(deps: Pick<ImportDeps, 'outbound'>, masterUrl: string, table = 'ost_sites'): Promise<{ sites: Site[]; refused: { site: string; reason: string }[] }> {
  const master = sourceUrl(masterUrl);
  if (!/^[A-Za-z0-9_]{1,64}$/.test(table)) throw new AppError('VALIDATION_FAILED', `--sites-table "${table}" is not a table name.`, 'sitesTable');
  const db = await openMysqlSource(deps.outbound, master).catch(sourceError);
  try {
    const rows = await db.select(`SELECT * FROM \`${table}\``).catch((error: Error) => {
      throw new AppError('VALIDATION_FAILED', `The master database ${db.place} has no readable table ${table}: ${error.message}`, 'sitesTable');
    });
    const sites: Site[] = [];
    const refused: { site: string; reason: string }[] = [];
    for (const row of rows) {
      const name = String(row.site_name ?? '').trim();
      const slug = siteSlug(name);
      const host = siteHost(String(row.url ?? ''));
      const database = String(row.db_name ?? '').trim();
      if (!slug.ok || !host.ok || !database) {
        refused.push({ site: name || '(no name)', reason: !slug.ok ? slug.reason : !host.ok ? host.reason : 'no db_name' });
        continue;
      }
      const other = row.db_host ? { host: String(row.db_host), port: Number(row.db_port) || 3306, user: String(row.db_user ?? master.user), password: String(row.db_pass ?? master.password) } : {};
      sites.push({ name, slug: slug.value, host: host.value, url: { ...withDatabase(master, database), ...other } });
    }
    return { sites, refused };
  } finally {
    await db.close();
  }
}

import { migrate } from '../db/migrate.ts';
import { createTenant } from '../tenancy/catalog/create-tenant.ts';
import { addTenantHost, removeTenantHost } from '../tenancy/catalog/tenant-hosts.ts';
import { changeTenantGroupMembers, createTenantGroup, listTenantGroups } from '../tenancy/catalog/tenant-groups.ts';
import { updateTenant } from '../tenancy/catalog/update-tenant.ts';
import { listTenants } from '../tenancy/catalog/tenant-directory.ts';
import { AppError } from '../errors.ts';
import type { Runtime } from './runtime.ts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Shards } from '../tenancy/placement/shards.ts';
import type { ContactKind } from '../db/schema.ts';
import { mailCommands } from './mail-commands.ts';
import { ssoCommands } from './sso-commands.ts';
import { webhookCommands } from './webhook-commands.ts';
import { kbCommands } from './kb-commands.ts';
import { admin, tenantId } from './admin-context.ts';
import { tenantQuotaCommand } from './quota-commands.ts';
import { listSenderDomains, removeSenderDomain, verifySenderDomain } from '../tenancy/catalog/sender-domains.ts';

/**
 * The administrative commands, runnable in the CLI's own process or, when the embedded database
 * is held by a running server, inside that server (admin-socket.ts). Each returns what to print.
 * Each loads the modules only it needs when it runs: a CLI process runs one command, and should not
 * pay for loading the mail parser, the password hasher or the tenant mover to list tenants.
 */
export type AdminOptions = Record<string, string | boolean | string[] | undefined>;
type AdminCommand = (rt: Runtime, options: AdminOptions) => Promise<string>;

const str = (options: AdminOptions, key: string): string => {
  const value = options[key];
  if (typeof value !== 'string' || !value) throw new AppError('VALIDATION_FAILED', `--${key} is required.`, key);
  return value;
};
const invalidTarget = (): never => {
  throw new AppError('VALIDATION_FAILED', '--to is pool or silo.', 'to');
};
const list = (value: AdminOptions[string]): string[] => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []);

async function tenantTable(rt: Runtime, slug?: string): Promise<string> {
  await rt.catalog.refresh();
  const rows = (await listTenants(rt.database))
    .filter((t) => !slug || t.slug === slug)
    .sort((a, b) => a.slug.localeCompare(b.slug))
    .map((t) => [t.slug, t.name, t.status, t.parent ?? '-', t.serviceProvider ? 'yes' : 'no', t.hosts.join(',') || '-'].join('\t'));
  if (slug && rows.length === 0) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  return ['slug\tname\tstatus\tparent\tservice-provider\thosts', ...rows].join('\n');
}

const setStatus = (status: 'active' | 'suspended'): AdminCommand => async (rt, o) => {
  const tenant = await updateTenant(rt.database, rt.settings, str(o, 'slug'), { status });
  await rt.catalog.refresh();
  return `Tenant ${tenant.slug} is now ${tenant.status}.`;
};

async function contactId(rt: Runtime, tenant: string, email: string): Promise<string> {
  const { listObjects } = await import('../tenancy/data-access.ts');
  const ctx = await admin(rt);
  const [contact] = await listObjects(ctx, 'contact', { where: { tenant_id: await tenantId(rt, tenant), email: email.toLowerCase() }, limit: 1 });
  if (!contact) throw new AppError('NOT_FOUND', `No contact ${email} in tenant "${tenant}".`, 'contact');
  return String(contact.id);
}

const identityCommands: Record<string, AdminCommand> = {
  'contact.create': async (rt, o) => {
    const { createContact } = await import('../identity/create-contact.ts');
    const ctx = await admin(rt);
    const contact = await createContact(ctx, {
      tenantId: await tenantId(rt, str(o, 'tenant')),
      ...(typeof o.kind === 'string' ? { kind: o.kind as ContactKind } : {}),
      email: str(o, 'email'),
      name: str(o, 'name'),
      ...(typeof o.password === 'string' ? { password: o.password } : {}),
      roles: list(o.role),
    });
    return `Created contact ${contact.email} in ${str(o, 'tenant')}.`;
  },
  'role.create': async (rt, o) => {
    const { createRole } = await import('../identity/create-role.ts');
    const ctx = await admin(rt);
    const role = await createRole(ctx, {
      slug: str(o, 'slug'),
      name: str(o, 'name'),
      tenantId: typeof o.tenant === 'string' ? await tenantId(rt, o.tenant) : null,
      read: str(o, 'read'),
      write: str(o, 'write'),
      mayWritePublic: o.writePublic === true,
      permissions: list(o.permission),
      partitions: list(o.partition).map((text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new AppError('VALIDATION_FAILED', `--partition must be JSON, e.g. '{"type":"ticket","field":"requester_id","op":"=","value":"@me"}'.`, 'partition');
        }
      }),
    });
    return `Created role ${role.slug}.`;
  },
  'role.grant': async (rt, o) => {
    const { grantRole } = await import('../identity/grant-role.ts');
    const role = await grantRole(await admin(rt), { contactId: await contactId(rt, str(o, 'tenant'), str(o, 'contact')), roleSlug: str(o, 'role') });
    return `Granted ${role.slug} to ${str(o, 'contact')}.`;
  },
  'role.list': async (rt, o) => {
    const { listObjects } = await import('../tenancy/data-access.ts');
    const ctx = await admin(rt);
    const rows = await listObjects(ctx, 'role', { orderBy: 'slug', limit: 1000, ...(typeof o.tenant === 'string' ? { where: { tenant_id: await tenantId(rt, o.tenant) } } : {}) });
    const slugOf = (id: unknown) => (typeof id === 'number' ? rt.catalog.snapshot().byId.get(id)?.slug : undefined) ?? 'public';
    return ['slug\ttenant\tread\twrite\tpermissions', ...rows.map((r) => [r.slug, slugOf(r.tenant_id), r.read_access, r.write_access, (r.permissions as string[]).join(',')].join('\t'))].join('\n');
  },
  'apikey.create': async (rt, o) => {
    const { createApiKey } = await import('../identity/api-keys.ts');
    const created = await createApiKey(await admin(rt), null, {
      contactId: await contactId(rt, str(o, 'tenant'), str(o, 'contact')),
      ...(typeof o.role === 'string' ? { roleSlug: o.role } : {}),
      ...(typeof o.name === 'string' ? { name: o.name } : {}),
      allowedIps: list(o.allowIp),
    });
    // The key alone on the last line, so scripts can take it with `tail -n1`.
    return `Created API key ${created.id}. It is shown only now:\n${created.key}`;
  },
  'apikey.revoke': async (rt, o) => {
    const { revokeApiKey } = await import('../identity/api-keys.ts');
    await revokeApiKey(await admin(rt), null, str(o, 'id'));
    return `Revoked API key ${str(o, 'id')}.`;
  },
};

/** What `migrate` prints. */
export const describeMigrations = (applied: string[]): string =>
  applied.length ? `Applied migrations: ${applied.join(', ')}.` : 'The database is up to date.';

/** Migrates the pool, then every silo; what it prints. A failed silo fails the command, after the others. */
export async function migrateEveryShard(shards: Shards, log?: Runtime['log']): Promise<string> {
  const lines = [describeMigrations(await migrate(shards.pool))];
  const { migrateSilos } = await import('../tenancy/placement/migrate-shards.ts');
  const silos = await migrateSilos(shards, log);
  for (const silo of silos) lines.push(silo.error ? `Silo ${silo.shard} FAILED: ${silo.error}` : `Silo ${silo.shard}: ${describeMigrations(silo.applied)}`);
  const failed = silos.filter((s) => s.error).length;
  if (failed) throw new AppError('SERVICE_UNAVAILABLE', `${lines.join('\n')}\n${failed} silo(s) failed to migrate; the others are migrated.`);
  return lines.join('\n');
}

export const adminCommands: Record<string, AdminCommand> = {
  ...identityCommands,
  ...mailCommands,
  ...ssoCommands,
  ...webhookCommands,
  ...kbCommands,
  migrate: (rt) => migrateEveryShard(rt.shards, rt.log),
  demo: async (rt) => {
    const { seedDemo } = await import('../demo/seed-demo.ts');
    const seeded = await seedDemo(rt.shards, rt.settings, rt.log);
    await rt.catalog.refresh();
    return seeded ? 'Demo tenants and logins created.' : 'The catalog already has tenants; the demo was not seeded.';
  },
  'tenant.create': async (rt, o) => {
    const tenant = await createTenant(rt.database, rt.settings, {
      slug: str(o, 'slug'),
      name: str(o, 'name'),
      hosts: list(o.host),
      parentSlug: typeof o.parent === 'string' ? o.parent : undefined,
      serviceProvider: o.serviceProvider === true,
      subtenantsAllowed: o.subtenantsAllowed === true ? true : undefined,
      silo: o.silo === true,
      siloServerUrl: typeof o.server === 'string' ? o.server : undefined,
      template: typeof o.template === 'string' ? o.template : undefined,
    } as Parameters<typeof createTenant>[2], rt.shards);
    await rt.catalog.refresh();
    return `Created tenant ${tenant.slug}${typeof o.template === 'string' ? ` from the configuration of ${o.template}` : ''}${tenant.is_service_provider ? ' (the service provider)' : ''}${tenant.shard !== 'pool' ? ` in its own database (${tenant.shard})` : ''}.`;
  },
  'tenant.list': (rt) => tenantTable(rt),
  'tenant.show': (rt, o) => tenantTable(rt, str(o, 'slug')),
  'tenant.delete': async (rt, o) => {
    const { deleteTenant } = await import('../tenancy/placement/delete-tenant.ts');
    await deleteTenant(await admin(rt), str(o, 'slug'), { dataDir: rt.config.dataDir });
    await rt.catalog.refresh();
    return `Deleted tenant ${str(o, 'slug')} and all its data.`;
  },
  'tenant.move': async (rt, o) => {
    const { moveTenant } = await import('../tenancy/placement/move-tenant.ts');
    const report = await moveTenant(rt.shards, rt.catalog, str(o, 'slug'), {
      ...(o.to === 'pool' || o.to === 'silo' ? { to: o.to } : {}),
      ...(o.to !== undefined && o.to !== 'pool' && o.to !== 'silo' ? invalidTarget() : {}),
      serverUrl: typeof o.server === 'string' ? o.server : undefined,
      abort: o.abort === true,
      // Writes are fenced; this wait is for reads, before a bulk copy into the pool: every request
      // knows of the move after the staleness bound (and a request's length). Embedded: one process.
      settleMs: rt.config.databaseUrl ? 2 * rt.config.hostCacheTtlMs + 500 : 0,
    });
    if (o.abort === true) return `Abandoned the move of ${report.tenant}; it stays on ${report.from}.`;
    const rows = Object.values(report.rows).reduce((a, b) => a + b, 0);
    return `Moved ${report.tenant} from ${report.from} to ${report.to}: ${rows} rows in ${Object.keys(report.rows).length} tables copied and verified; writes were paused for ${report.frozenMs} ms.`;
  },
  'tenant.import': async (rt, o) => {
    const file = str(o, 'file');
    if (!(await stat(file).catch(() => undefined))?.isFile()) throw new AppError('NOT_FOUND', `No archive file ${file}.`, 'file');
    const { importTenant } = await import('../tenancy/placement/import-tenant.ts');
    const imported = await importTenant(rt.shards, rt.catalog, rt.settings, createReadStream(file), {
      slug: typeof o.slug === 'string' ? o.slug : undefined,
      hosts: o.host === undefined ? undefined : list(o.host),
      parent: typeof o.parent === 'string' ? o.parent : undefined,
      dataDir: rt.config.dataDir,
    });
    return `Imported tenant ${imported.slug} into the pool: ${imported.rows} rows and ${imported.files} files.`;
  },
  'import.osticket': async (rt, o) => (await import('./import-commands.ts')).importOsticketCommand(rt, o),
  'tenant.suspend': setStatus('suspended'),
  'tenant.quota': tenantQuotaCommand,
  'tenant.resume': setStatus('active'),
  // Sender domains: the service provider has checked the tenant owns the domain (decision 0021).
  'tenant.sender-domain.add': async (rt, o) => {
    const { domain } = await verifySenderDomain(rt.database, { slug: str(o, 'slug'), domain: str(o, 'domain'), verifiedBy: 'cli', installationDomains: rt.config.mail.senderDomains });
    await rt.catalog.refresh();
    return `Tenant ${str(o, 'slug')} may now send mail from ${domain}.`;
  },
  'tenant.sender-domain.remove': async (rt, o) => {
    await removeSenderDomain(rt.database, str(o, 'slug'), str(o, 'domain'));
    await rt.catalog.refresh();
    return `Tenant ${str(o, 'slug')} no longer sends from ${str(o, 'domain')}: its mail goes out from ${rt.config.mail.defaultFrom} with Reply-To its address.`;
  },
  'tenant.sender-domain.list': async (rt, o) => {
    const domains = await listSenderDomains(rt.database, str(o, 'slug'));
    return domains.length ? domains.map((d) => `${d.domain}\t${d.verifiedBy}\t${d.createdAt.toISOString()}`).join('\n') : `Tenant ${str(o, 'slug')} has no sender domain: its mail goes out from ${rt.config.mail.defaultFrom}.`;
  },
  'tenant.host.add': async (rt, o) => {
    const host = await addTenantHost(rt.database, str(o, 'slug'), str(o, 'host'));
    await rt.catalog.refresh();
    return `Host ${host} now serves tenant ${str(o, 'slug')}.`;
  },
  'tenant.host.remove': async (rt, o) => {
    await removeTenantHost(rt.database, str(o, 'slug'), str(o, 'host'));
    await rt.catalog.refresh();
    return `Host ${str(o, 'host')} removed from tenant ${str(o, 'slug')}.`;
  },
  'group.create': async (rt, o) => {
    const group = await createTenantGroup(rt.database, { slug: str(o, 'slug'), name: str(o, 'name'), description: typeof o.description === 'string' ? o.description : '' });
    return `Created tenant group ${group.slug}.`;
  },
  'group.add': async (rt, o) => {
    await changeTenantGroupMembers(rt.database, str(o, 'group'), 'add', list(o.tenants));
    return `Added ${list(o.tenants).join(', ')} to ${str(o, 'group')}.`;
  },
  'group.remove': async (rt, o) => {
    await changeTenantGroupMembers(rt.database, str(o, 'group'), 'remove', list(o.tenants));
    return `Removed ${list(o.tenants).join(', ')} from ${str(o, 'group')}.`;
  },
  'group.list': async (rt, o) => {
    const groups = await listTenantGroups(rt.database, { includeMaintained: o.all === true });
    return ['slug\tkind\tname\tmembers', ...groups.map((g) => [g.slug, g.kind, g.name, g.members.join(',') || '-'].join('\t'))].join('\n');
  },
};

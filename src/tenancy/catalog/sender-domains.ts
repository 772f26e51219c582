import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';

const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** `Acme.COM.` → `acme.com`, or VALIDATION_FAILED naming `domain`. */
export function senderDomainName(value: string): string {
  const domain = value.trim().replace(/\.$/, '').toLowerCase();
  if (!DOMAIN.test(domain)) throw new AppError('VALIDATION_FAILED', `"${value}" is not a domain name (e.g. acme.com).`, 'domain');
  return domain;
}

export type SenderDomain = { domain: string; verifiedBy: string; createdAt: Date };

/**
 * Records that the service provider verified `domain` for a tenant: its mail may then be sent from
 * addresses of that domain. Catalog administration (the caller is the service provider's
 * administration: the SP API scope or the CLI). Tenant boundary: a domain belongs to one tenant at
 * most (the primary key), and the installation's own domains to none, so no tenant can claim
 * another's or the service provider's.
 */
export async function verifySenderDomain(database: Database, input: { slug: string; domain: string; verifiedBy: string; installationDomains: readonly string[] }): Promise<SenderDomain> {
  const domain = senderDomainName(input.domain);
  if (input.installationDomains.includes(domain)) {
    throw new AppError('CONFLICT', `${domain} is a sender domain of the installation itself (MAIL_FROM, MAIL_SENDER_DOMAINS): it cannot be given to a tenant.`, 'domain');
  }
  return database.system.transaction().execute(async (tx) => {
    const tenant = await tx.selectFrom('tenants').select('id').where('slug', '=', input.slug).executeTakeFirst();
    if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${input.slug}".`, 'tenant');
    const existing = await tx.selectFrom('tenant_sender_domains').selectAll().where('domain', '=', domain).forUpdate().executeTakeFirst();
    if (existing && existing.tenant_id !== tenant.id) throw new AppError('CONFLICT', `${domain} is already a sender domain of another tenant.`, 'domain');
    const row =
      existing ??
      (await tx
        .insertInto('tenant_sender_domains')
        .values({ domain, tenant_id: tenant.id, verified_by: input.verifiedBy })
        .onConflict((oc) => oc.column('domain').doNothing())
        .returningAll()
        .executeTakeFirst());
    // Another transaction took the domain between the read and the insert.
    if (!row) throw new AppError('CONFLICT', `${domain} is already a sender domain of another tenant.`, 'domain');
    return { domain: row.domain, verifiedBy: row.verified_by, createdAt: new Date(row.created_at) };
  });
}

/** Withdraws a verified domain; the tenant's mail from it goes out from the installation's address again. */
export async function removeSenderDomain(database: Database, slug: string, value: string): Promise<void> {
  const domain = senderDomainName(value);
  await database.system.transaction().execute(async (tx) => {
    const tenant = await tx.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
    const removed = await tx.deleteFrom('tenant_sender_domains').where('domain', '=', domain).where('tenant_id', '=', tenant.id).executeTakeFirst();
    if (!Number(removed.numDeletedRows)) throw new AppError('NOT_FOUND', `${domain} is not a sender domain of ${slug}.`, 'domain');
  });
}

export async function listSenderDomains(database: Database, slug: string): Promise<SenderDomain[]> {
  const tenant = await database.system.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst();
  if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  const rows = await database.system.selectFrom('tenant_sender_domains').selectAll().where('tenant_id', '=', tenant.id).orderBy('domain').execute();
  return rows.map((r) => ({ domain: r.domain, verifiedBy: r.verified_by, createdAt: new Date(r.created_at) }));
}

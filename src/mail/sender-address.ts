import type { MailConfig } from '../config/config.ts';
import type { TenantInfo } from '../tenancy/catalog/snapshot.ts';
import type { Row } from '../tenancy/data-access.ts';

/** Who a message says it is from, and where replies go when that is not the tenant's own address. */
export type MailSender = { readonly from: { readonly name: string; readonly address: string }; readonly replyTo?: string };

/**
 * Whether a tenant's mail may say it is from an address of `domain`. Tenant boundary: the service
 * provider's tenant may use the installation's domains (MAIL_FROM's, MAIL_SENDER_DOMAINS); any tenant
 * may use the domains the service provider verified for it (tenant_sender_domains, one tenant per
 * domain); no other tenant ever uses an installation domain, even one also recorded for it.
 */
export function senderDomainAllowed(tenant: TenantInfo | undefined, domain: string, installationDomains: readonly string[]): boolean {
  if (!tenant) return false;
  const wanted = domain.toLowerCase();
  if (installationDomains.includes(wanted)) return tenant.isServiceProvider;
  return tenant.senderDomains?.includes(wanted) ?? false;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The sender of a tenant's outgoing message: the mailbox's sender address (else its support address)
 * when its domain is one the tenant may send from; otherwise the installation's address (MAIL_FROM) under the tenant's name,
 * with Reply-To the mailbox's support address, so answers still reach the tenant:
 * `"Acme Support" <desk@provider.example>`, Reply-To `support@acme.example`.
 */
export function mailSender(tenant: TenantInfo | undefined, mailbox: Row | undefined, config: Pick<MailConfig, 'defaultFrom' | 'senderDomains'>): MailSender {
  const name = (mailbox?.name as string | undefined) || (tenant?.name ?? '');
  const candidates = [mailbox?.from_address, mailbox?.address].filter((a): a is string => typeof a === 'string' && a.length > 0);
  const allowed = candidates.find((address) => senderDomainAllowed(tenant, domainOf(address), config.senderDomains));
  if (allowed) return { from: { name, address: allowed } };
  return { from: { name, address: config.defaultFrom }, ...(mailbox ? { replyTo: mailbox.address as string } : {}) };
}

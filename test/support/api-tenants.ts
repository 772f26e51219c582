import type { Database } from '../../src/db/database.ts';
import { createApiKey } from '../../src/identity/api-keys.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import type { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';

/**
 * Tenants to drive over HTTP with API keys, as integrations do: a service provider `sp` (host
 * `sp.localhost`, an sp-admin key) and the given tenants (`<slug>.localhost`), each with agents
 * holding keys. Made through the domain functions, on a database the server then serves.
 */
/** A tenant driven over the API: its host, its agents' keys, and a customer to request its tickets. */
export type ApiTenant = { slug: string; host: string; keys: string[]; customerId?: string };
export type ApiInstallation = { sp: ApiTenant; tenants: Record<string, ApiTenant> };

export async function seedApiTenants(
  shards: Shards,
  tenants: { slug: string; agents?: number; silo?: { serverUrl?: string } }[],
): Promise<ApiInstallation> {
  const pool: Database = shards.pool;
  await createTenant(pool, DEFAULT_TENANCY, { slug: 'sp', name: 'Service provider', hosts: ['sp.localhost'] }, shards);
  for (const t of tenants) {
    await createTenant(pool, DEFAULT_TENANCY, { slug: t.slug, name: `Tenant ${t.slug}`, hosts: [`${t.slug}.localhost`], ...(t.silo ? { silo: true, ...(t.silo.serverUrl ? { siloServerUrl: t.silo.serverUrl } : {}) } : {}) }, shards);
  }
  const catalog = await Catalog.load(pool, 0);
  const ctx = systemContext(shards, DEFAULT_TENANCY, catalog.snapshot());
  const keyFor = async (slug: string, email: string, kind: 'agent' | 'staff', role: string) => {
    const contact = await createContact(ctx, { tenantId: catalog.snapshot().bySlug.get(slug)!.id, kind, email, name: email.split('@')[0]!, roles: [role] });
    return (await createApiKey(ctx, null, { contactId: String(contact.id) })).key;
  };
  const sp: ApiTenant = { slug: 'sp', host: 'sp.localhost', keys: [await keyFor('sp', 'admin@sp.test', 'staff', 'sp-admin')] };
  const result: Record<string, ApiTenant> = {};
  for (const t of tenants) {
    const keys: string[] = [];
    for (let i = 1; i <= (t.agents ?? 1); i += 1) keys.push(await keyFor(t.slug, `agent${i}@${t.slug}.test`, 'agent', 'agent'));
    const customer = await createContact(ctx, { tenantId: catalog.snapshot().bySlug.get(t.slug)!.id, email: `customer@${t.slug}.test`, name: 'customer', roles: ['customer'] });
    result[t.slug] = { slug: t.slug, host: `${t.slug}.localhost`, keys, customerId: String(customer.id) };
  }
  return { sp, tenants: result };
}

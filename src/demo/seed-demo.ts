import type { Logger } from '../config/logger.ts';
import type { Shards } from '../tenancy/placement/shards.ts';
import { createContact } from '../identity/create-contact.ts';
import { Catalog } from '../tenancy/catalog/catalog.ts';
import { createTenant } from '../tenancy/catalog/create-tenant.ts';
import type { TenancySettings } from '../tenancy/settings.ts';
import { systemContext } from '../tenancy/system-context.ts';
import type { Row } from '../tenancy/data-access.ts';
import { seedDemoDesk } from './seed-desk.ts';

/** The demo installation printed at start: a service provider and three customer tenants. */
export const DEMO_PASSWORD = 'tenantdesk-demo';

type DemoTenant = { slug: string; name: string; host: string; parent?: string; subtenantsAllowed?: boolean; primaryColor: string };

export const DEMO_TENANTS: DemoTenant[] = [
  { slug: 'northwind', name: 'Northwind Services', host: 'desk.localhost', primaryColor: '#1f4e79' },
  { slug: 'acme', name: 'Acme Corporation', host: 'acme.localhost', subtenantsAllowed: true, primaryColor: '#b3261e' },
  { slug: 'acme-eu', name: 'Acme Europe', host: 'acme-eu.localhost', parent: 'acme', primaryColor: '#8c1d18' },
  { slug: 'globex', name: 'Globex', host: 'globex.localhost', primaryColor: '#2e6b30' },
];

export type DemoLogin = { tenant: string; url: string; email: string; role: string };

export function demoLogins(port: number): DemoLogin[] {
  const url = (host: string) => `http://${host}:${port}/`;
  const [sp, ...customers] = DEMO_TENANTS;
  return [
    { tenant: sp!.slug, url: url(sp!.host), email: 'admin@northwind.test', role: 'sp-admin' },
    { tenant: sp!.slug, url: url(sp!.host), email: 'agent@northwind.test', role: 'sp-agent' },
    ...customers.flatMap((t) => [
      { tenant: t.slug, url: url(t.host), email: `agent@${t.slug}.test`, role: 'agent' },
      { tenant: t.slug, url: url(t.host), email: `customer@${t.slug}.test`, role: 'customer' },
    ]),
  ];
}

/** Seeds the demo once: returns false, changing nothing, when the catalog already has tenants. */
export async function seedDemo(shards: Shards, settings: TenancySettings, log?: Logger): Promise<boolean> {
  const database = shards.pool;
  const existing = await database.system.selectFrom('tenants').select('slug').limit(1).executeTakeFirst();
  if (existing) return false;
  for (const t of DEMO_TENANTS) {
    await createTenant(database, settings, {
      slug: t.slug,
      name: t.name,
      hosts: [t.host],
      parentSlug: t.parent,
      subtenantsAllowed: t.subtenantsAllowed ?? t.slug === 'northwind',
      branding: { primaryColor: t.primaryColor },
    });
  }
  const catalog = await Catalog.load(database);
  const ctx = systemContext(shards, settings, catalog.snapshot(), log);
  const contacts = new Map<string, Row>();
  for (const login of demoLogins(0)) {
    const tenant = catalog.snapshot().bySlug.get(login.tenant)!;
    const contact = await createContact(ctx, {
      tenantId: tenant.id,
      kind: login.role.startsWith('sp-') ? 'staff' : login.role === 'customer' ? 'customer' : 'agent',
      email: login.email,
      name: `${tenant.name} ${login.role.replace('sp-', '')}`,
      password: DEMO_PASSWORD,
      roles: [login.role],
    });
    contacts.set(login.email, contact);
  }
  for (const t of DEMO_TENANTS.slice(1)) {
    const people = { tenantId: catalog.snapshot().bySlug.get(t.slug)!.id, agent: contacts.get(`agent@${t.slug}.test`)!, customer: contacts.get(`customer@${t.slug}.test`)! };
    await seedDemoDesk(ctx, people);
  }
  return true;
}

import type { Database } from '../db/database.ts';
import type { AccessKind } from '../db/schema.ts';
import type { CatalogSnapshot, WebhookRoute } from '../tenancy/catalog/snapshot.ts';
import type { TenancySettings } from '../tenancy/settings.ts';
import type { Row } from '../tenancy/data-access.ts';

/**
 * Whether an all-readable route's access reads `tenantId`, resolved against the snapshot at the
 * event (decision 0164): a tenant created later, a subtenant joining a group, are reached as soon
 * as the catalog says so. Tenant boundary: a tenant the access does not read is never fed.
 */
export function routeReads(catalog: CatalogSnapshot, settings: TenancySettings, route: WebhookRoute, tenantId: number): boolean {
  if (!route.read || !catalog.byId.has(tenantId)) return false;
  if (settings.state !== 'on') return true;
  switch (route.read.kind) {
    case 'all':
      return true;
    case 'own':
      return tenantId === route.tenantId;
    case 'tenant':
      return tenantId === route.read.tenantId;
    case 'group':
      return route.read.groupId !== null && (catalog.byId.get(tenantId)!.groups ?? []).includes(route.read.groupId);
  }
}

/**
 * The active routes a change at `tenantId` feeds with `event`: the tenant's own subscriptions that
 * asked for it, and the service provider's all-readable ones that read the tenant. From memory, so
 * a tenant with none costs its changes no query (decision 0166).
 */
export function routesFor(catalog: CatalogSnapshot, settings: TenancySettings, tenantId: number, event: string): WebhookRoute[] {
  return catalog.webhookRoutes.filter(
    (r) => r.active && r.events.includes(event) && (r.scope === 'all-readable' ? routeReads(catalog, settings, r, tenantId) : r.tenantId === tenantId),
  );
}

/**
 * Writes a subscription's route to the catalog (every process reloads it through NOTIFY). Called
 * before a subscription is created and after it changes: a route without its subscription only
 * costs a change one read that finds nothing, a subscription without its route would miss events.
 */
export async function saveRoute(database: Database, subscription: Row): Promise<void> {
  const values = {
    subscription_id: subscription.id as string,
    tenant_id: subscription.tenant_id as number,
    events: subscription.events as string[],
    active: (subscription.active as boolean | undefined) ?? true,
    tenant_scope: (subscription.tenant_scope as 'tenant' | 'all-readable' | undefined) ?? 'tenant',
    read_access: (subscription.read_access as AccessKind | null | undefined) ?? null,
    read_tenant_id: (subscription.read_tenant_id as number | null | undefined) ?? null,
    read_group_id: (subscription.read_group_id as number | null | undefined) ?? null,
  };
  await database.system
    .insertInto('webhook_routes')
    .values(values)
    .onConflict((oc) => oc.column('subscription_id').doUpdateSet({ events: values.events, active: values.active }))
    .execute();
}

export async function removeRoute(database: Database, subscriptionId: string): Promise<void> {
  await database.system.deleteFrom('webhook_routes').where('subscription_id', '=', subscriptionId).execute();
}

import { sql, type Selectable } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { AccessKind, TenantStatus, WebhookRoutesTable } from '../../db/schema.ts';
import type { TenantLimits } from '../../config/config.ts';

/** What request handling needs to know of one tenant, held in memory. */
export type TenantInfo = {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly status: TenantStatus;
  readonly parentId: number | null;
  readonly isServiceProvider: boolean;
  readonly shard: string;
  /** The placement epoch: writes routed by this snapshot carry it, and commit only where it is current (placement/fences.ts). */
  readonly epoch: number;
  /** Name, colours, logo: what a tenant's pages show (set by its administrators). */
  readonly branding: Readonly<Record<string, unknown>>;
  /** Set while the tenant is moved to another shard (placement/move-tenant.ts). */
  readonly move?: { readonly to: string; readonly frozen: boolean };
  /** This tenant's own limits (tenant_quotas), overriding the defaults; see tenancy/tenant-limits.ts. */
  readonly limits?: Partial<TenantLimits>;
  /** The domains the service provider verified for this tenant's mail (tenant_sender_domains); see mail/sender-address.ts. */
  readonly senderDomains?: readonly string[];
  /** The tenant groups holding this tenant (tenant_group_members): what a group-wide role reaches it through. */
  readonly groups?: readonly number[];
};

/**
 * A webhook subscription as every process holds it (webhook_routes, migration 0062): enough to know,
 * with no query, whether a change has a subscription to feed (webhooks/webhook-routes.ts).
 */
export type WebhookRoute = {
  readonly subscriptionId: string;
  /** The tenant the subscription belongs to. */
  readonly tenantId: number;
  readonly events: readonly string[];
  readonly active: boolean;
  /** `all-readable`: the service provider's subscription to every tenant `read` reaches. */
  readonly scope: 'tenant' | 'all-readable';
  readonly read?: { readonly kind: AccessKind; readonly tenantId: number | null; readonly groupId: number | null };
};

/** An in-memory copy of the catalog's tenants and hosts at one catalog version. */
export class CatalogSnapshot {
  readonly byId: ReadonlyMap<number, TenantInfo>;
  readonly bySlug: ReadonlyMap<string, TenantInfo>;
  readonly byHost: ReadonlyMap<string, TenantInfo>;
  readonly serviceProvider: TenantInfo | undefined;
  /** Each tenant's first configured host (hosts come oldest first): its public address in mail. */
  readonly primaryHosts: ReadonlyMap<number, string>;

  constructor(
    readonly version: number,
    tenants: TenantInfo[],
    hosts: { host: string; tenant_id: number }[],
    readonly webhookRoutes: readonly WebhookRoute[] = [],
  ) {
    this.byId = new Map(tenants.map((t) => [t.id, t]));
    this.bySlug = new Map(tenants.map((t) => [t.slug, t]));
    this.byHost = new Map(hosts.flatMap((h) => (this.byId.has(h.tenant_id) ? [[h.host, this.byId.get(h.tenant_id)!]] : [])));
    this.serviceProvider = tenants.find((t) => t.isServiceProvider);
    const primary = new Map<number, string>();
    for (const h of hosts) if (!primary.has(h.tenant_id)) primary.set(h.tenant_id, h.host);
    this.primaryHosts = primary;
  }

  /** T and its ancestors, nearest first (T.supertenants, which is also T.foreign-key). */
  supertenants(id: number): number[] {
    const out: number[] = [];
    for (let t = this.byId.get(id); t && !out.includes(t.id); t = t.parentId === null ? undefined : this.byId.get(t.parentId)) {
      out.push(t.id);
    }
    return out;
  }

  /** T and all its descendants (T.subtenants). */
  subtenants(id: number): number[] {
    const children = new Map<number, number[]>();
    for (const t of this.byId.values()) {
      if (t.parentId !== null) children.set(t.parentId, [...(children.get(t.parentId) ?? []), t.id]);
    }
    const out: number[] = [];
    const stack = this.byId.has(id) ? [id] : [];
    while (stack.length) {
      const next = stack.pop()!;
      out.push(next);
      stack.push(...(children.get(next) ?? []));
    }
    return out;
  }
}

export async function catalogVersion(database: Database): Promise<number> {
  const row = await database.system.selectFrom('catalog_state').select('version').executeTakeFirstOrThrow();
  return Number(row.version);
}

export async function loadSnapshot(database: Database): Promise<CatalogSnapshot> {
  return database.system.transaction().execute(async (tx) => {
    // One repeatable-read view, so the version matches the rows read with it.
    await sql`set transaction isolation level repeatable read`.execute(tx);
    const version = await tx.selectFrom('catalog_state').select('version').executeTakeFirstOrThrow();
    const tenants = await tx
      .selectFrom('tenants')
      .select(['id', 'slug', 'name', 'status', 'parent_id', 'is_service_provider', 'shard', 'placement_epoch', 'branding'])
      .execute();
    // Oldest first, as `primaryHost` (tenant-hosts.ts) orders them: the first is a tenant's primary host.
    const hosts = await tx.selectFrom('tenant_hosts').select(['host', 'tenant_id']).orderBy('created_at').orderBy('host').execute();
    const moves = new Map((await tx.selectFrom('tenant_moves').select(['tenant_id', 'to_shard', 'phase']).execute()).map((m) => [m.tenant_id, m]));
    const domains = new Map<number, string[]>();
    for (const d of await tx.selectFrom('tenant_sender_domains').select(['tenant_id', 'domain']).orderBy('domain').execute()) domains.set(d.tenant_id, [...(domains.get(d.tenant_id) ?? []), d.domain]);
    const groups = new Map<number, number[]>();
    for (const m of await tx.selectFrom('tenant_group_members').select(['tenant_id', 'group_id']).orderBy('group_id').execute()) groups.set(m.tenant_id, [...(groups.get(m.tenant_id) ?? []), m.group_id]);
    const limits = new Map((await tx.selectFrom('tenant_quotas').selectAll().execute()).map((q) => [q.tenant_id, limitOverrides(q)]));
    const routes = await tx.selectFrom('webhook_routes').selectAll().orderBy('subscription_id').execute();
    return new CatalogSnapshot(
      Number(version.version),
      tenants.map((t) => ({
        id: t.id,
        slug: t.slug,
        name: t.name,
        status: t.status,
        parentId: t.parent_id,
        isServiceProvider: t.is_service_provider,
        shard: t.shard,
        epoch: Number(t.placement_epoch),
        branding: (t.branding ?? {}) as Record<string, unknown>,
        ...(moves.has(t.id) ? { move: { to: moves.get(t.id)!.to_shard, frozen: moves.get(t.id)!.phase === 'frozen' } } : {}),
        ...(limits.has(t.id) ? { limits: limits.get(t.id)! } : {}),
        ...(domains.has(t.id) ? { senderDomains: domains.get(t.id)! } : {}),
        ...(groups.has(t.id) ? { groups: groups.get(t.id)! } : {}),
      })),
      hosts,
      routes.map(webhookRoute),
    );
  });
}

function webhookRoute(row: Selectable<WebhookRoutesTable>): WebhookRoute {
  return {
    subscriptionId: row.subscription_id,
    tenantId: row.tenant_id,
    events: row.events,
    active: row.active,
    scope: row.tenant_scope,
    ...(row.read_access ? { read: { kind: row.read_access, tenantId: row.read_tenant_id, groupId: row.read_group_id } } : {}),
  };
}

/** The columns of a tenant_quotas row that are set, as limits. */
export function limitOverrides(row: { api_rate: number | null; api_burst: number | null; mail_per_hour: number | null; storage_bytes: string | number | null }): Partial<TenantLimits> {
  return {
    ...(row.api_rate !== null ? { apiRate: row.api_rate } : {}),
    ...(row.api_burst !== null ? { apiBurst: row.api_burst } : {}),
    ...(row.mail_per_hour !== null ? { mailPerHour: row.mail_per_hour } : {}),
    ...(row.storage_bytes !== null ? { storageBytes: Number(row.storage_bytes) } : {}),
  };
}

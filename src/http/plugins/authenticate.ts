import '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { resolveApiKey } from '../../identity/api-keys.ts';
import { tenantDatabases, type TenantDatabases } from '../../identity/tenant-databases.ts';
import { contactDepartmentIds, resolveSession, type Actor } from '../../identity/sessions.ts';
import { resolveAccess, roleAccessSpec } from '../../tenancy/access.ts';
import { conditionsOf, parsePartitions, resolvePartitions } from '../../tenancy/data-partitions.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import { requestHost } from './tenant-host.ts';

export const SESSION_COOKIE = 'td_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in contact and its active role; set on every authenticated route. */
    actor: Actor;
    /** The tenancy context built from the actor's active role, for domain calls. */
    ctx: TenancyContext;
    /** The databases of the request's tenant (its shard) and of public data (the pool). */
    tenantDbs: TenantDatabases;
  }
}

export type AuthOptions = {
  database: Database;
  shards: Shards;
  catalog: Catalog;
  settings: TenancySettings;
  trustProxy: boolean;
  /** Read the API key from this header alone (osTicket's `X-API-Key`), and accept no session cookie. */
  apiKeyHeader?: string;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie-authenticated write must come from a page of this same host: the browser's Origin (or
 * Referer) must name it. This blocks cross-site request forgery without a token round trip.
 */
export function assertSameOrigin(request: FastifyRequest, host: string): void {
  const origin = request.headers.origin ?? request.headers.referer;
  let originHost: string | undefined;
  try {
    originHost = origin ? new URL(origin).hostname.toLowerCase() : undefined;
  } catch {
    originHost = undefined;
  }
  if (originHost !== host) throw new AppError('FORBIDDEN', 'This request must come from a page of this help desk (Origin check).');
}

/** Requires a live session on this host for every route of the subtree it is registered on. */
export async function authenticate(app: FastifyInstance, options: AuthOptions): Promise<void> {
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('ctx', null as unknown as TenancyContext);
  app.decorateRequest('tenantDbs', null as unknown as TenantDatabases);
  app.addHook('preHandler', async (request) => {
    const host = requestHost(request, options.trustProxy)!;
    const keyHeader = options.apiKeyHeader ? request.headers[options.apiKeyHeader] : undefined;
    const bearer = options.apiKeyHeader ? (typeof keyHeader === 'string' ? keyHeader.trim() : undefined) : /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const token = options.apiKeyHeader ? undefined : request.cookies[SESSION_COOKIE];
    const dbs = await tenantDatabases(options.shards, options.catalog.snapshot(), request.tenant.id);
    let actor: Actor | undefined;
    if (bearer) actor = await resolveApiKey(dbs, bearer, request.tenant.id, request.ip);
    else if (token) actor = await resolveSession(dbs, token, host);
    // Tenant boundary: a session or key only works on the host (so the tenant) of its contact.
    if (!actor || actor.tenantId !== request.tenant.id) throw new AppError('UNAUTHENTICATED', 'Please sign in.');
    // Browsers send cookies on cross-site requests, never Authorization headers: only cookies need it.
    if (!bearer && !SAFE_METHODS.has(request.method)) assertSameOrigin(request, host);
    request.actor = actor;
    request.tenantDbs = dbs;
    request.ctx = await actorContext(options, dbs, actor, request.log);
  });
}

/**
 * The tenancy context of an authenticated actor: its active role's tenant access and data
 * partitions, placeholders resolved. Every authenticated request reads and writes with it.
 */
export async function actorContext(
  options: Pick<AuthOptions, 'database' | 'shards' | 'catalog' | 'settings'>,
  dbs: TenantDatabases,
  actor: Actor,
  log?: TenancyContext['log'],
): Promise<TenancyContext> {
  const tenantAccess = await resolveAccess(options.database, options.settings, roleAccessSpec(actor.activeRole), actor.tenantId);
  const stored = parsePartitions(actor.activeRole.data_partitions);
  const usesDepartments = stored.some((p) => conditionsOf(p).some((c) => c.value === '@my_departments'));
  const partitions = resolvePartitions(stored, {
    contactId: actor.contactId,
    tenantId: actor.tenantId,
    departmentIds: usesDepartments ? await contactDepartmentIds(dbs.tenant, actor.contactId) : [],
  });
  const access = { ...tenantAccess, partitions };
  const known = new Map([[`contact:${actor.contactId}`, actor.tenantId]]);
  return { database: options.database, shards: options.shards, settings: options.settings, catalog: options.catalog.snapshot(), access, ...(log ? { log } : {}), known };
}

import '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { resolveApiKey } from '../../identity/api-keys.ts';
import type { CredentialCache } from '../../identity/credential-cache.ts';
import { tenantDatabases, type TenantDatabases } from '../../identity/tenant-databases.ts';
import { contactDepartmentIds, resolveSession, type Actor } from '../../identity/sessions.ts';
import { resolveAccess, roleAccessSpec } from '../../tenancy/access.ts';
import { conditionsOf, parsePartitions, resolvePartitions } from '../../tenancy/data-partitions.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import { authorizeRoute } from './route-policy.ts';
import { requestHost } from './tenant-host.ts';
import { normaliseHost } from '../../tenancy/catalog/validate-host.ts';

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
  /** The scheme browsers use when a trusted proxy does not say (PUBLIC_SCHEME), for the Origin check. */
  publicScheme: 'http' | 'https';
  /** Read the API key from this header alone (osTicket's `X-API-Key`), and accept no session cookie. */
  apiKeyHeader?: 'x-api-key';
  /** Verified API keys kept between requests (identity/credential-cache.ts); without it each request reads its key. */
  credentials?: CredentialCache;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Where the public scheme comes from: a trusted proxy's X-Forwarded-Proto, else the configured one. */
export type OriginOptions = { trustProxy: boolean; publicScheme: 'http' | 'https' };

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/**
 * The origin (scheme, host, port) a browser shows for this request. The scheme is the connection's
 * own, or behind a trusted proxy its X-Forwarded-Proto, or the configured public scheme when that
 * proxy does not say; the host and port are those the request was sent to (X-Forwarded-Host behind a
 * trusted proxy), the port being the scheme's default when none is written.
 */
export function requestOrigin(request: FastifyRequest, options: OriginOptions): string | undefined {
  const host = requestHost(request, options.trustProxy);
  if (!host) return undefined;
  const forwardedHost = request.headers['x-forwarded-host'];
  const raw = options.trustProxy && typeof forwardedHost === 'string' && forwardedHost ? forwardedHost.split(',').at(-1)! : request.headers.host ?? '';
  const scheme = options.trustProxy && !request.headers['x-forwarded-proto'] ? options.publicScheme : request.protocol;
  const port = /:(\d{1,5})$/.exec(raw.trim())?.[1];
  return `${scheme}://${host}:${Number(port ?? DEFAULT_PORTS[scheme])}`;
}

/** The same `scheme://host:port` of an Origin or Referer header, or undefined when it is not a URL. */
function originOf(header: string): string | undefined {
  try {
    const url = new URL(header);
    const scheme = url.protocol.slice(0, -1);
    const host = normaliseHost(url.hostname);
    return host && scheme in DEFAULT_PORTS ? `${scheme}://${host}:${Number(url.port || DEFAULT_PORTS[scheme])}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A cookie-authenticated write must come from a page of this same origin: the browser's Origin (or
 * Referer) must name its scheme, host and port. This blocks cross-site request forgery without a
 * token round trip, including from a plain-http page or another port of the same host name.
 */
export function assertSameOrigin(request: FastifyRequest, options: OriginOptions): void {
  const header = request.headers.origin ?? request.headers.referer;
  const expected = requestOrigin(request, options);
  if (!header || !expected || originOf(header) !== expected) {
    throw new AppError('FORBIDDEN', 'This request must come from a page of this help desk (Origin check).');
  }
}

/**
 * Requires a live session (or API key) on this host for every route of the subtree it is registered
 * on, then the route's policy (plugins/route-policy.ts). Both run when the request arrives, before
 * its body is read or validated: a caller who may not call a route learns nothing about its schema.
 */
export async function authenticate(app: FastifyInstance, options: AuthOptions): Promise<void> {
  app.decorate('authenticatesBy', options.apiKeyHeader ?? 'session');
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('ctx', null as unknown as TenancyContext);
  app.decorateRequest('tenantDbs', null as unknown as TenantDatabases);
  app.addHook('onRequest', async (request) => {
    const dbs = await tenantDatabases(options.shards, options.catalog.snapshot(), request.tenant.id);
    const found = await callerOf(request, options, dbs);
    if (!found) throw new AppError('UNAUTHENTICATED', 'Please sign in.');
    const { actor, bearer } = found;
    // Browsers send cookies on cross-site requests, never Authorization headers: only cookies need it.
    if (!bearer && !SAFE_METHODS.has(request.method)) assertSameOrigin(request, options);
    request.actor = actor;
    // Before any more database work: a caller the route's policy refuses costs no more than this.
    authorizeRoute(request);
    request.tenantDbs = dbs;
    request.ctx = await actorContext(options, dbs, actor, request.log);
  });
}

/**
 * The contact a request's session cookie or API key stands for, on this host; undefined when it
 * carries none, or one that is not (or no longer) valid here. Public routes that answer signed-in
 * callers more (the knowledge base) ask this themselves.
 */
export async function callerOf(request: FastifyRequest, options: Pick<AuthOptions, 'trustProxy' | 'apiKeyHeader' | 'credentials'>, dbs: TenantDatabases): Promise<{ actor: Actor; bearer: boolean } | undefined> {
  const host = requestHost(request, options.trustProxy)!;
  const keyHeader = options.apiKeyHeader ? request.headers[options.apiKeyHeader] : undefined;
  const bearer = options.apiKeyHeader ? (typeof keyHeader === 'string' ? keyHeader.trim() : undefined) : /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const token = options.apiKeyHeader ? undefined : request.cookies[SESSION_COOKIE];
  let actor: Actor | undefined;
  if (bearer) actor = await resolveApiKey(dbs, bearer, request.tenant.id, request.ip, options.credentials);
  else if (token) actor = await resolveSession(dbs, token, host);
  // Tenant boundary: a session or key only works on the host (so the tenant) of its contact.
  if (!actor || actor.tenantId !== request.tenant.id) return undefined;
  return { actor, bearer: !!bearer };
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

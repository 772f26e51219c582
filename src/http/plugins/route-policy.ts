import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../../errors.ts';
import { hasPermission, worksAsAgent } from '../../identity/permissions.ts';
import { FRONT_END_FILE, isPublic, policyOf, ROUTE_POLICIES, type RoutePolicies, type RoutePolicy } from '../route-policies.ts';

/** How the scope a route is registered in authenticates its callers (plugins/authenticate.ts). */
export type Credential = 'session' | 'x-api-key';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's entry of the policy table, attached when the route is registered. */
    policy?: RoutePolicy;
  }
  interface FastifyInstance {
    /** Set by `authenticate` on the scope it guards: every route inside requires this credential. */
    authenticatesBy?: Credential;
  }
}

const CREDENTIAL_NAMES: Record<Credential, string> = { session: 'a session (cookie or Bearer key)', 'x-api-key': 'an X-API-Key' };

/** The built front end's files, registered one route each by @fastify/static (which names the file in the route's config). */
const isStaticFile = (route: RouteOptions): boolean => typeof (route.config as { file?: unknown } | undefined)?.file === 'string';

function policyOfRoute(route: RouteOptions, table: RoutePolicies): RoutePolicy {
  const methods = [route.method].flat();
  const found = methods.map((method) => policyOf(method, route.url, table) ?? (isStaticFile(route) && (method === 'GET' || method === 'HEAD') ? table.get(FRONT_END_FILE) : undefined));
  const missing = methods.filter((_, i) => !found[i]);
  if (missing.length) {
    throw new Error(`${missing.join(',')} ${route.url} has no entry in the route policy table (src/http/route-policies.ts): say who may call it and what they see.`);
  }
  if (new Set(found).size > 1) throw new Error(`${methods.join(',')} ${route.url}: one route, several policies; register the methods separately.`);
  return found[0]!;
}

/**
 * Deny by default, at start-up: a route with no entry in the policy table is refused, so the app
 * does not start; so is a route whose entry does not match the scope it is registered in (a
 * protected route outside an authenticating scope would answer anyone). Register before any route.
 * The table is the product's (`ROUTE_POLICIES`); a test adding routes of its own passes a larger one.
 */
export function routePolicies(app: FastifyInstance, table: RoutePolicies = ROUTE_POLICIES): void {
  app.addHook('onRoute', function (route) {
    const policy = policyOfRoute(route, table);
    const credential = this.hasDecorator('authenticatesBy') ? this.authenticatesBy : undefined;
    const wanted: Credential | undefined = isPublic(policy) ? undefined : (policy.credential ?? 'session');
    if (credential !== wanted) {
      const declared = wanted ? `for callers with ${CREDENTIAL_NAMES[wanted]}` : 'public';
      throw new Error(`${[route.method].flat().join(',')} ${route.url} is declared ${declared} but registered where ${credential ? `${CREDENTIAL_NAMES[credential]} is required` : 'nobody signs in'}.`);
    }
    route.config = { ...route.config, policy };
  });
}

/**
 * Checks the signed-in caller against its route's entry, before the body is read or validated.
 * Runs in the authenticating scope's request hook, right after the caller is known.
 */
export function authorizeRoute(request: FastifyRequest): void {
  const policy = request.routeOptions.config.policy;
  // Deny by default: a route that somehow carries no entry answers nobody.
  if (!policy) throw new AppError('FORBIDDEN', 'This route has no access policy.');
  const { who } = policy;
  if ('anyone' in who || 'signedIn' in who) return;
  const refuse = (message: string) => (policy.refuseAsNotFound ? new AppError('NOT_FOUND', 'Nothing of the kind here.') : new AppError('FORBIDDEN', message));
  const role = request.actor.activeRole;
  if ('agent' in who) {
    if (!worksAsAgent(request.actor)) throw refuse(`This is for agents; your active role (${role.slug}) is not an agent's.`);
    return;
  }
  if (who.serviceProviderHost && !request.tenant.isServiceProvider) {
    throw new AppError('FORBIDDEN', 'Tenants are administered by the service provider, at its own address; this help desk cannot do it.');
  }
  if (!hasPermission(role, who.permission)) throw refuse(`Your active role (${role.slug}) does not grant "${who.permission}".`);
}

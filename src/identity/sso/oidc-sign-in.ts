import * as client from 'openid-client';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { recordAudit } from '../audit.ts';
import { contactRoles, openSession } from '../sessions.ts';
import type { TenantDatabases } from '../tenant-databases.ts';
import { digest } from '../tokens.ts';
import { oidcConfiguration, plainOidcError, type OidcDeps } from './oidc-client.ts';
import { provisionedContact } from './provision-contact.ts';

/** How long a browser has to come back from the provider. */
const LOGIN_TTL_MS = 10 * 60_000;

/** Where a sign-in happens: the host's tenant (as a context reading and writing that tenant only), its databases and the host. */
export type SsoSite = {
  /** Tenant boundary: a context of the host's tenant alone, so nothing of another tenant is read or written. */
  readonly ctx: TenancyContext;
  readonly dbs: TenantDatabases;
  readonly tenantId: number;
  /** The host the session is bound to (no port). */
  readonly host: string;
  /** The browser's `scheme://host[:port]`, which the provider sends it back to. */
  readonly origin: string;
};

export const callbackUrl = (site: Pick<SsoSite, 'origin'>): string => `${site.origin}/api/v1/auth/oidc/callback`;

/** An active connection of the host's tenant, or NOT_FOUND (another tenant's connection does not exist here). */
export async function siteConnection(site: SsoSite, connectionId: string): Promise<Row> {
  const [connection] = /^[0-9a-f-]{36}$/i.test(connectionId) ? await listObjects(site.ctx, 'ssoConnection', { where: { id: connectionId, tenant_id: site.tenantId, active: true }, limit: 1 }) : [];
  if (!connection) throw new AppError('NOT_FOUND', 'This help desk has no such single sign-on connection.');
  return connection;
}

/** The connections the sign-in page offers: name and id only. */
export async function signInChoices(site: SsoSite): Promise<{ connections: { id: string; name: string }[]; localPasswords: boolean }> {
  const rows = await listObjects(site.ctx, 'ssoConnection', { where: { tenant_id: site.tenantId, active: true }, orderBy: 'name', limit: 20 });
  return { connections: rows.map((r) => ({ id: r.id as string, name: r.name as string })), localPasswords: rows.every((r) => r.local_passwords) };
}

/**
 * Starts a sign-in with a connection: a state, a nonce and a PKCE verifier, kept (the state as its
 * digest) with the host they were made for; the browser gets the state in a cookie and goes to the provider.
 */
export async function startOidcSignIn(site: SsoSite, deps: OidcDeps, connectionId: string): Promise<{ url: string; state: string }> {
  const connection = await siteConnection(site, connectionId);
  const config = await oidcConfiguration(connection, deps);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  // Sign-ins never finished leave their rows: each start clears the tenant's expired ones.
  await site.dbs.tenant.system.deleteFrom('sso_logins').where('tenant_id', '=', site.tenantId).where('expires_at', '<', new Date()).execute();
  await site.dbs.tenant.system
    .insertInto('sso_logins')
    .values({ tenant_id: site.tenantId, id: digest(state), connection_id: connection.id as string, host: site.host, nonce, code_verifier: verifier, expires_at: new Date(Date.now() + LOGIN_TTL_MS) })
    .execute();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(site),
    scope: connection.scopes as string,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, state };
}

/**
 * The sign-in under way that `state` names, taken (deleted) so it is used once: only at the host and
 * tenant it started at, and only by the browser holding its cookie.
 */
async function takeLogin(site: SsoSite, state: string | undefined, cookieState: string | undefined): Promise<Row> {
  if (!state || !cookieState || state !== cookieState) throw new AppError('UNAUTHENTICATED', 'This sign-in did not start in this browser: start again from the sign-in page.');
  const login = await site.dbs.tenant.system
    .deleteFrom('sso_logins')
    .where('tenant_id', '=', site.tenantId)
    .where('id', '=', digest(state))
    .where('host', '=', site.host)
    .returningAll()
    .executeTakeFirst();
  if (!login || login.expires_at < new Date()) throw new AppError('UNAUTHENTICATED', 'This sign-in has expired or was already used: start again from the sign-in page.');
  return login;
}

/** The verified email the connection's claim carries, within the connection's allowed domains. */
function emailOf(connection: Row, claims: Record<string, unknown>): string {
  const raw = claims[connection.email_claim as string];
  if (typeof raw !== 'string' || !raw.includes('@')) throw new AppError('UNAUTHENTICATED', `${connection.name as string} sent no email address (claim "${connection.email_claim as string}").`);
  if (claims.email_verified === false) throw new AppError('UNAUTHENTICATED', `${connection.name as string} says the address ${raw} is not verified.`);
  const email = raw.trim().toLowerCase();
  const domains = connection.allowed_domains as string[];
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (domains.length && !domains.includes(domain)) throw new AppError('UNAUTHENTICATED', `Addresses of ${domain} may not sign in here with ${connection.name as string}.`);
  return email;
}

/** The groups claim as a list of names (a string is one group). */
export function groupsOf(connection: Row, claims: Record<string, unknown>): string[] {
  const raw = claims[connection.groups_claim as string];
  return Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
}

/**
 * Finishes a sign-in at the callback: the state taken, the code exchanged with PKCE, the ID token's
 * signature, issuer, audience, expiry and nonce checked by openid-client, then the contact found (or
 * provisioned), its mapped roles granted, and a session opened on this host.
 */
export async function finishOidcSignIn(
  site: SsoSite,
  deps: OidcDeps,
  input: { currentUrl: URL; cookieState: string | undefined; ip: string; ttlMs: number },
): Promise<{ token: string; contactId: string }> {
  const state = input.currentUrl.searchParams.get('state') ?? undefined;
  const login = await takeLogin(site, state, input.cookieState);
  const connection = await siteConnection(site, login.connection_id as string);
  let claims: Record<string, unknown>;
  let idToken: string | undefined;
  try {
    const config = await oidcConfiguration(connection, deps);
    // The provider answers at our callback URL; the current URL's own scheme and host may be a proxy's.
    const answered = new URL(callbackUrl(site));
    answered.search = input.currentUrl.search;
    const tokens = await client.authorizationCodeGrant(config, answered, {
      pkceCodeVerifier: login.code_verifier as string,
      expectedState: state,
      expectedNonce: login.nonce as string,
      idTokenExpected: true,
    });
    claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    idToken = tokens.id_token;
  } catch (error) {
    const plain = plainOidcError(error, connection);
    await recordAudit(site.dbs.tenant.system, { tenantId: site.tenantId, actorContactId: null, action: 'auth.sso_failed', data: { connection: connection.name, reason: plain.message }, ip: input.ip });
    throw plain;
  }
  const email = emailOf(connection, claims);
  const contact = await provisionedContact(site.ctx, connection, { email, name: typeof claims.name === 'string' ? claims.name : email, groups: groupsOf(connection, claims) });
  if (contact.status !== 'active') throw new AppError('UNAUTHENTICATED', 'This account is disabled: ask the help desk’s administrator.');
  const roles = await contactRoles(site.dbs, contact.id as string);
  const mapped = new Set(contact.mappedRoleIds);
  const role = roles.find((r) => mapped.has(r.id)) ?? roles[0];
  if (!role) throw new AppError('UNAUTHENTICATED', 'This account holds no role: ask the help desk’s administrator.');
  const token = await openSession(site.dbs.tenant, { tenantId: site.tenantId, contactId: contact.id as string, roleId: role.id, host: site.host, ttlMs: input.ttlMs });
  await site.dbs.tenant.system.updateTable('sessions').set({ sso_connection_id: connection.id as string, sso_id_token: idToken ?? null }).where('id', '=', digest(token)).execute();
  await recordAudit(site.dbs.tenant.system, { tenantId: site.tenantId, actorContactId: contact.id as string, action: 'auth.signed_in', data: { role: role.slug, via: connection.name }, ip: input.ip });
  return { token, contactId: contact.id as string };
}

/** Whether this tenant's contacts may still sign in with a password: not when an active connection says otherwise. */
export async function localPasswordsAllowed(dbs: TenantDatabases, tenantId: number): Promise<boolean> {
  const closed = await dbs.tenant.system.selectFrom('sso_connections').select('id').where('tenant_id', '=', tenantId).where('active', '=', true).where('local_passwords', '=', false).executeTakeFirst();
  return !closed;
}

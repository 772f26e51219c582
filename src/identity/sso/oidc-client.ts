import * as client from 'openid-client';
import { AppError } from '../../errors.ts';
import type { SecretBox } from '../../mail/secret-box.ts';
import { guardedFetch } from '../../net/guarded-fetch.ts';
import { OutboundError, type Outbound } from '../../net/guarded-connect.ts';
import type { Row } from '../../tenancy/data-access.ts';

/** What talking to identity providers needs: the guarded connector (OUTBOUND_ALLOW) and MAIL_SECRET's box for client secrets. */
export type OidcDeps = { readonly outbound: Outbound; readonly box: SecretBox | undefined };

/** How long one request to an identity provider may take, in seconds (openid-client's timeout; the connector has its own for connecting). */
const TIMEOUT_SECONDS = 10;
/** A provider's discovery document and keys are kept this long per connection, so a sign-in costs one discovery at most this often. */
const CACHE_MS = 5 * 60_000;

const configurations = new Map<string, { at: number; config: Promise<client.Configuration> }>();

/**
 * openid-client's requests through the guarded connector: the issuer, its endpoints and its keys are
 * reached only at addresses the installation's policy allows, checked again at every connection.
 */
function fetchThrough(outbound: Outbound): client.CustomFetch {
  return async (url, options) => {
    const body = options.body;
    const sendable = typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array ? body : body instanceof ArrayBuffer ? new Uint8Array(body) : null;
    return guardedFetch(outbound, url, { method: options.method, headers: options.headers, body: sendable, signal: options.signal ?? null, what: 'identity provider' });
  };
}

/**
 * The provider's configuration for a connection (discovery, then our client's credentials), cached
 * briefly. A connection whose issuer, client or secret changed gets a fresh one (the key names them).
 */
export function oidcConfiguration(connection: Row, deps: OidcDeps): Promise<client.Configuration> {
  const key = [connection.id, connection.issuer, connection.client_id, connection.client_secret_enc].join('\n');
  const cached = configurations.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.config;
  const config = discover(connection, deps);
  configurations.set(key, { at: Date.now(), config });
  // A failed discovery is not kept: the next sign-in tries again.
  config.catch(() => configurations.delete(key));
  return config;
}

async function discover(connection: Row, deps: OidcDeps): Promise<client.Configuration> {
  const issuer = new URL(connection.issuer as string);
  const secret = connection.client_secret_enc ? deps.box?.decrypt(connection.client_secret_enc as string) : undefined;
  if (connection.client_secret_enc && secret === undefined) throw new AppError('SERVICE_UNAVAILABLE', 'Set MAIL_SECRET, which decrypts the client secrets of single sign-on connections.');
  const auth = secret === undefined ? client.None() : client.ClientSecretBasic(secret);
  const insecure = issuer.protocol === 'http:';
  try {
    const config = await client.discovery(issuer, connection.client_id as string, secret, auth, {
      [client.customFetch]: fetchThrough(deps.outbound),
      timeout: TIMEOUT_SECONDS,
      // http is accepted only for an issuer on the loopback (sso-connections.ts issuerUrl).
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
    config.timeout = TIMEOUT_SECONDS;
    return config;
  } catch (error) {
    throw plainOidcError(error, connection);
  }
}

/**
 * An error of the sign-in as one sentence saying what failed, for the person signing in and the
 * administrator: never a stack, never a token. Provider-side refusals and token checks are
 * UNAUTHENTICATED; a provider we cannot reach is SERVICE_UNAVAILABLE.
 */
export function plainOidcError(error: unknown, connection: Row): AppError {
  if (error instanceof AppError) return error;
  const name = connection.name as string;
  const issuer = connection.issuer as string;
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof OutboundError || cause instanceof OutboundError) {
    const outbound = (error instanceof OutboundError ? error : cause) as OutboundError;
    return new AppError('SERVICE_UNAVAILABLE', `Issuer unreachable: ${name} (${issuer}) could not be reached. ${outbound.message}`);
  }
  if (error instanceof client.ResponseBodyError) {
    return new AppError('UNAUTHENTICATED', `${name} refused the sign-in: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}.`);
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new AppError('UNAUTHENTICATED', `${name} did not sign you in: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}.`);
  }
  // openid-client wraps oauth4webapi's check errors in generic ones ("unexpected JWT claim value
  // encountered"); the claim that failed is named only in the cause's message.
  const message = [error, cause].map((e) => (e instanceof Error ? e.message : String(e ?? ''))).join(' ');
  const checks: [RegExp, string][] = [
    [/"aud"|"azp"/, 'Token audience mismatch: the ID token was not issued for this connection\'s client.'],
    [/"iss"/, 'Token issuer mismatch: the ID token was not issued by this connection\'s issuer.'],
    [/"exp"|"iat"|"nbf"/, 'The ID token has expired or is not yet valid.'],
    [/"nonce"/, 'Token nonce mismatch: this sign-in was already used or did not start here.'],
    [/"state"/, 'The sign-in answer does not belong to the sign-in started in this browser.'],
    [/signature|JWS|key selection|KEY_SELECTION/i, 'The ID token\'s signature could not be verified with the provider\'s keys.'],
  ];
  const found = checks.find(([pattern]) => pattern.test(message));
  if (found) return new AppError('UNAUTHENTICATED', found[1]);
  const code = (error as { code?: unknown }).code;
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_INVALID_SERVER_METADATA' || code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    return new AppError('SERVICE_UNAVAILABLE', `Issuer unreachable: ${issuer} serves no valid OpenID Connect discovery document for this issuer.`);
  }
  if ((error as { name?: string }).name === 'AbortError' || (error as { name?: string }).name === 'TimeoutError') {
    return new AppError('SERVICE_UNAVAILABLE', `Issuer unreachable: ${name} (${issuer}) did not answer within ${TIMEOUT_SECONDS} s.`);
  }
  return new AppError('UNAUTHENTICATED', `The sign-in with ${name} failed: ${message.split('\n')[0]}.`);
}

/** Where a browser goes to sign out of the provider too (RP-initiated logout), when the provider offers it. */
export function endSessionUrl(config: client.Configuration, idToken: string, returnTo: string): string | undefined {
  if (!config.serverMetadata().end_session_endpoint) return undefined;
  return client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: returnTo }).href;
}

import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from './net.ts';

/** A person the test provider signs in (the login name is the account id). */
export type TestAccount = { email: string; name?: string; groups?: string[]; emailVerified?: boolean };
export type TestClient = { clientId: string; clientSecret: string; redirectUris: string[]; postLogoutRedirectUris?: string[] };

export type TestProvider = {
  readonly issuer: string;
  readonly provider: Provider;
  /**
   * From now on, the ID token of each token answer is replaced by one with `change` applied to its
   * claims, signed by the test with the provider's own published key (so only the changed claim can
   * make a client refuse it); `undefined` stops. oidc-provider itself cannot be told to issue an
   * expired token (its ttl must be positive, and clients allow 30 s of skew) nor one for another
   * audience (the audience is always the authenticated client).
   */
  reissueIdTokens(change: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined): void;
  close(): Promise<void>;
};

/**
 * A real OpenID provider (the certified `oidc-provider` package) on the loopback, with its
 * development login form: any login name is accepted as the account id, whose claims come from
 * `accounts`. Not a fake: discovery, keys, codes, tokens and their checks are the package's own.
 */
export async function startTestProvider(options: { clients: TestClient[]; accounts: Record<string, TestAccount>; configure?: Partial<Configuration> }): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = 'test-provider-key';
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] },
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    async findAccount(_ctx, id) {
      const account = options.accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: account.email, email_verified: account.emailVerified ?? true, name: account.name ?? id, groups: account.groups ?? [] };
        },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // ID tokens carry the claims themselves (no userinfo round trip), as most providers configure it.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['test-provider-cookie-key'] },
    ...options.configure,
  });
  let change: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined;
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (change && ctx.path === '/token' && typeof body?.id_token === 'string') {
      body.id_token = resignedJwt(body.id_token, change, signingKey, kid);
    }
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    provider,
    reissueIdTokens: (next) => {
      change = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The JWT `jwt` with `change` applied to its claims, signed RS256 with `key` under `kid`. */
function resignedJwt(jwt: string, change: (claims: Record<string, unknown>) => Record<string, unknown>, key: KeyObject, kid: string): string {
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${part({ alg: 'RS256', kid, typ: 'JWT' })}.${part(change(claims))}`;
  return `${signingInput}.${createSign('RSA-SHA256').update(signingInput).sign(key).toString('base64url')}`;
}

/** A browser's cookie jar, reduced to what the provider's flow needs (one host, names and values). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Plays a browser at the provider: follows the authorization URL, signs in as `login` on the
 * development form, consents, and returns where the provider sends the browser back (our callback
 * with its code and state). Redirects to other hosts are returned, not followed.
 */
export async function signInAtProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Jar();
  let url = new URL(authorizationUrl);
  const origin = url.origin;
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(url, { method: body ? 'POST' : 'GET', redirect: 'manual', headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(body ? { body } : {}) });
    jar.take(response);
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.origin !== origin) return url;
      continue;
    }
    const page = await response.text();
    assert.equal(response.status, 200, page.slice(0, 500));
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    assert.ok(action, `no form on the provider's page: ${page.slice(0, 300)}`);
    const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1] ?? 'login';
    url = new URL(action.replace(/&amp;/g, '&'), url);
    body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
  }
  throw new Error('the provider did not send the browser back');
}

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from './net.ts';

/** A person the test provider signs in (the login name is the account id). */
export type TestAccount = { email: string; name?: string; groups?: string[]; emailVerified?: boolean };
export type TestClient = { clientId: string; clientSecret: string; redirectUris: string[]; postLogoutRedirectUris?: string[] };

export type TestProvider = {
  readonly issuer: string;
  readonly provider: Provider;
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
  const provider = new Provider(issuer, {
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
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    provider,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
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

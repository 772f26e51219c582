import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createOutbound } from '../../src/net/guarded-connect.ts';
import { parseAddressPolicy } from '../../src/net/address-policy.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';
import { freePort } from '../support/net.ts';
import { signInAtProvider, startTestProvider, type TestProvider } from '../support/oidc-provider.ts';
import { addTenantAdmins, TEST_SECRET } from '../mail/mail-fixtures.ts';

const callback = (host: string) => `http://${host}/api/v1/auth/oidc/callback`;

/** One real provider shared by three tenants, each with its own client (as Entra ID or Okta would be). */
const CLIENTS = [
  { clientId: 'acme-client', clientSecret: 'acme-secret-0123456789', redirectUris: [callback('acme.localhost')], postLogoutRedirectUris: ['http://acme.localhost/'] },
  { clientId: 'globex-client', clientSecret: 'globex-secret-0123456789', redirectUris: [callback('globex.localhost')] },
  { clientId: 'northwind-client', clientSecret: 'northwind-secret-0123456789', redirectUris: [callback('desk.localhost')] },
];
const ACCOUNTS = {
  'acme-agent': { email: 'Agent@Acme.test', groups: [] },
  'acme-new': { email: 'new.customer@acme.test', name: 'New Customer', groups: ['helpdesk'] },
  'acme-helper': { email: 'helper@acme.test', name: 'Helper', groups: ['helpdesk'] },
  'acme-nobody': { email: 'nobody@acme.test' },
  'acme-unverified': { email: 'unverified@acme.test', emailVerified: false },
  outsider: { email: 'someone@elsewhere.example' },
  'globex-customer': { email: 'customer@globex.test' },
  'sp-admin': { email: 'admin@northwind.test' },
};

forEachDatabase('single sign-on at the tenant’s own host (a real OpenID provider)', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  let as: (email: string) => Promise<Caller>;
  let idp: TestProvider;
  const ids: Record<string, string> = {};

  const connection = (issuer: string, client: (typeof CLIENTS)[number], extra: object = {}) => ({ name: 'Company login', issuer, clientId: client.clientId, clientSecret: client.clientSecret, scopes: 'openid email profile groups', ...extra });

  /** A browser at `host` clicking "Sign in with ...", signing in at the provider as `login`, and coming back to `returnHost`. */
  async function signInWith(host: string, connectionId: string, login: string, options: { returnHost?: string; stateCookie?: string; rewrite?: (u: URL) => void } = {}) {
    const start = await call({ url: `/api/v1/auth/oidc/${connectionId}`, host });
    assert.equal(start.statusCode, 302, start.body);
    const state = start.cookies.find((c) => c.name === 'td_sso_state')!.value;
    const authorize = new URL(start.headers.location as string);
    options.rewrite?.(authorize);
    const back = await signInAtProvider(authorize.href, login);
    const url = `${back.pathname}${back.search}`;
    const answer = await call({ url, host: options.returnHost ?? host, cookie: `td_sso_state=${options.stateCookie ?? state}` });
    return { answer, url, state, session: answer.cookies.find((c) => c.name === 'td_session')?.value };
  }

  const refusal = (answer: LightMyRequestResponse) => {
    assert.equal(answer.statusCode, 303, answer.body);
    assert.ok(!answer.cookies.some((c) => c.name === 'td_session' && c.value), 'no session cookie');
    const location = new URL(answer.headers.location as string, 'http://x');
    assert.equal(location.pathname, '/login');
    return location.searchParams.get('ssoMessage') ?? '';
  };

  before(async () => {
    idp = await startTestProvider({ clients: CLIENTS, accounts: ACCOUNTS });
    const desk = await demoDeskApp(db(), { mailSecret: TEST_SECRET, outbound: createOutbound({ policy: parseAddressPolicy('127.0.0.1/32'), timeoutMs: 3000 }), identity: { publicScheme: 'http' } });
    ({ app, call, as } = desk);
    await addTenantAdmins(desk);
    const acme = await as('admin@acme.test');
    const created = await acme({ method: 'POST', url: '/api/v1/sso/connections', body: connection(idp.issuer, CLIENTS[0]!, { allowedDomains: ['acme.test'], jit: 'customers', jitRole: 'customer', roleMapping: [{ group: 'helpdesk', role: 'agent' }] }) });
    assert.equal(created.statusCode, 201, created.body);
    ids.acme = created.json().id;
    const globex = await (await as('admin@globex.test'))({ method: 'POST', url: '/api/v1/sso/connections', body: connection(idp.issuer, CLIENTS[1]!, { jit: 'customers', jitRole: 'customer' }) });
    assert.equal(globex.statusCode, 201, globex.body);
    ids.globex = globex.json().id;
    const sp = await (await as('admin@northwind.test'))({ method: 'POST', url: '/api/v1/sso/connections', body: { tenant: 'northwind', ...connection(idp.issuer, CLIENTS[2]!) } });
    assert.equal(sp.statusCode, 201, sp.body);
    ids.northwind = sp.json().id;
  });
  after(async () => {
    await app?.close();
    await idp?.close();
  });

  it('keeps connections per tenant: the secret never shown, another tenant’s is 404, agents 403, strangers 401', async () => {
    const acme = await as('admin@acme.test');
    const one = await acme({ url: `/api/v1/sso/connections/${ids.acme}` });
    assert.equal(one.statusCode, 200, one.body);
    assert.deepEqual([one.json().tenant, one.json().clientSecretSet, one.json().jitRole, one.json().roleMapping], ['acme', true, 'customer', [{ group: 'helpdesk', role: 'agent' }]]);
    assert.doesNotMatch(one.body, /acme-secret|clientSecretEnc/);
    const globex = await as('admin@globex.test');
    assert.deepEqual((await globex({ url: '/api/v1/sso/connections' })).json().connections.map((c: { id: string }) => c.id), [ids.globex]);
    assert.equal((await globex({ url: `/api/v1/sso/connections/${ids.acme}` })).statusCode, 404);
    assert.equal((await globex({ method: 'DELETE', url: `/api/v1/sso/connections/${ids.acme}` })).statusCode, 404);
    assert.equal((await globex({ method: 'PATCH', url: `/api/v1/sso/connections/${ids.acme}`, body: { name: 'x' } })).statusCode, 404);
    assert.equal((await (await as('agent@acme.test'))({ url: '/api/v1/sso/connections' })).statusCode, 403);
    assert.equal((await call({ url: '/api/v1/sso/connections', host: 'acme.localhost' })).statusCode, 401);
  });

  it('refuses a bad connection with a clear error naming the field, storing nothing', async () => {
    const acme = await as('admin@acme.test');
    const attempts: [object, string][] = [
      [{ issuer: 'ftp://idp.example' }, 'issuer'],
      [{ issuer: 'http://idp.example' }, 'issuer'],
      [{ jit: 'customers', jitRole: null }, 'jitRole'],
      [{ jitRole: 'no-such-role', jit: 'customers' }, 'jitRole'],
      [{ allowedDomains: ['not a domain'] }, 'allowedDomains'],
      [{ roleMapping: [{ group: 'x', role: 'sp-admin' }] }, 'roleMapping'],
    ];
    for (const [body, field] of attempts) {
      const answer = await acme({ method: 'POST', url: '/api/v1/sso/connections', body: connection('https://idp.example', CLIENTS[0]!, { name: 'Bad', ...body }) });
      assert.ok([400, 403, 404].includes(answer.statusCode), `${JSON.stringify(body)}: ${answer.body}`);
      if (answer.statusCode !== 403) assert.equal(answer.json().error.field, field, answer.body);
    }
    assert.ok(!(await acme({ url: '/api/v1/sso/connections' })).json().connections.some((c: { name: string }) => c.name === 'Bad'));
  });

  it('offers the tenant’s own connections on its sign-in page, and none of another tenant’s', async () => {
    const choices = (await call({ url: '/api/v1/auth/oidc', host: 'acme.localhost' })).json();
    assert.deepEqual(choices, { connections: [{ id: ids.acme, name: 'Company login' }], localPasswords: true });
    assert.equal((await call({ url: `/api/v1/auth/oidc/${ids.globex}`, host: 'acme.localhost' })).statusCode, 404);
  });

  it('signs a known contact in at its tenant’s host into a host-bound session', async () => {
    const { answer, session } = await signInWith('acme.localhost', ids.acme!, 'acme-agent');
    assert.equal(answer.statusCode, 303, answer.body);
    assert.equal(answer.headers.location, '/');
    assert.ok(session);
    const me = await call({ url: '/api/v1/me', host: 'acme.localhost', cookie: `td_session=${session}` });
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().contact?.email ?? me.json().email, 'agent@acme.test');
    assert.equal((await call({ url: '/api/v1/me', host: 'globex.localhost', cookie: `td_session=${session}` })).statusCode, 401, 'the session is bound to acme’s host');
  });

  it('never opens a session at another tenant’s host with a sign-in started at this one', async () => {
    const { answer } = await signInWith('acme.localhost', ids.acme!, 'acme-agent', { returnHost: 'globex.localhost' });
    assert.match(refusal(answer), /expired or was already used/);
  });

  it('refuses at tenant B a code issued for tenant A’s client, even from the same provider', async () => {
    // B's sign-in (B's state, nonce, PKCE) sent to the provider as A's client: the code comes back for A's client.
    const { answer } = await signInWith('globex.localhost', ids.globex!, 'globex-customer', {
      rewrite: (u) => {
        u.searchParams.set('client_id', 'acme-client');
        u.searchParams.set('redirect_uri', callback('acme.localhost'));
      },
      returnHost: 'globex.localhost',
    });
    assert.match(refusal(answer), /refused the sign-in: invalid_grant/);
  });

  it('refuses a replayed answer (state and nonce used once) and an answer without this browser’s state', async () => {
    const first = await signInWith('acme.localhost', ids.acme!, 'acme-agent');
    assert.ok(first.session);
    const replay = await call({ url: first.url, host: 'acme.localhost', cookie: `td_sso_state=${first.state}` });
    assert.match(refusal(replay), /expired or was already used/);
    const { answer } = await signInWith('acme.localhost', ids.acme!, 'acme-agent', { stateCookie: 'another-browsers-state' });
    assert.match(refusal(answer), /did not start in this browser/);
  });

  it('provisions a customer just in time, and agents only when the connection says so, by the groups claim', async () => {
    const created = await signInWith('acme.localhost', ids.acme!, 'acme-new');
    assert.ok(created.session, created.answer.headers.location as string);
    const me = (await call({ url: '/api/v1/me', host: 'acme.localhost', cookie: `td_session=${created.session}` })).json();
    assert.equal(me.activeRole.slug, 'customer', 'customers only: the agent role of the group is not given');
    const acme = await as('admin@acme.test');
    assert.equal((await acme({ method: 'PATCH', url: `/api/v1/sso/connections/${ids.acme}`, body: { jit: 'customers_and_agents' } })).statusCode, 200);
    const helper = await signInWith('acme.localhost', ids.acme!, 'acme-helper');
    const helperMe = (await call({ url: '/api/v1/me', host: 'acme.localhost', cookie: `td_session=${helper.session}` })).json();
    assert.equal(helperMe.activeRole.slug, 'agent', 'the helpdesk group maps to the agent role');
    assert.equal(helperMe.kind ?? helperMe.contact?.kind, 'agent');
  });

  it('refuses an unknown person when provisioning is off, an address outside the allowed domains, and an unverified one', async () => {
    const acme = await as('admin@acme.test');
    assert.equal((await acme({ method: 'PATCH', url: `/api/v1/sso/connections/${ids.acme}`, body: { jit: 'off' } })).statusCode, 200);
    assert.match(refusal((await signInWith('acme.localhost', ids.acme!, 'acme-nobody')).answer), /has no account at this help desk/);
    assert.match(refusal((await signInWith('acme.localhost', ids.acme!, 'outsider')).answer), /elsewhere\.example may not sign in here/);
    assert.match(refusal((await signInWith('acme.localhost', ids.acme!, 'acme-unverified')).answer), /not verified/);
  });

  it('refuses an expired ID token and one issued for another client (re-signed with the provider’s own key), and accepts the untouched one', async () => {
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const cases: [string, (claims: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
      ['expired an hour ago', (c) => ({ ...c, iat: hourAgo - 300, exp: hourAgo }), /has expired/],
      ['for globex’s client', (c) => ({ ...c, aud: 'globex-client' }), /^Token audience mismatch/],
      ['for two clients, ours not the authorized party', (c) => ({ ...c, aud: ['acme-client', 'globex-client'], azp: 'globex-client' }), /^Token audience mismatch/],
    ];
    try {
      for (const [what, change, message] of cases) {
        idp.reissueIdTokens(change);
        assert.match(refusal((await signInWith('acme.localhost', ids.acme!, 'acme-agent')).answer), message, what);
      }
      idp.reissueIdTokens((c) => c);
      assert.ok((await signInWith('acme.localhost', ids.acme!, 'acme-agent')).session, 'a token re-signed unchanged is accepted: only the changed claim refused the others');
    } finally {
      idp.reissueIdTokens(undefined);
    }
  });

  it('refuses a disabled contact', async () => {
    const acme = await as('admin@acme.test');
    const contacts = (await acme({ url: '/api/v1/contacts?search=helper' })).json();
    const helper = (contacts.contacts ?? contacts.items ?? contacts).find((c: { email: string }) => c.email === 'helper@acme.test');
    assert.ok(helper, JSON.stringify(contacts).slice(0, 300));
    assert.equal((await acme({ method: 'PATCH', url: `/api/v1/contacts/${helper.id}`, body: { status: 'disabled' } })).statusCode, 200);
    assert.match(refusal((await signInWith('acme.localhost', ids.acme!, 'acme-helper')).answer), /disabled/);
  });

  it('signs the service provider’s staff in at the SP host with the SP’s connection, reading other tenants as before', async () => {
    const { session } = await signInWith('desk.localhost', ids.northwind!, 'sp-admin');
    assert.ok(session);
    const tenants = (await call({ url: '/api/v1/me/tenants', host: 'desk.localhost', cookie: `td_session=${session}` })).json();
    assert.ok(JSON.stringify(tenants).includes('globex') && JSON.stringify(tenants).includes('acme'), JSON.stringify(tenants));
  });

  it('logs out locally and hands back the provider’s logout address', async () => {
    const { session } = await signInWith('acme.localhost', ids.acme!, 'acme-agent');
    const out = await call({ method: 'POST', url: '/api/v1/auth/logout', host: 'acme.localhost', cookie: `td_session=${session}` });
    assert.equal(out.statusCode, 200, out.body);
    assert.ok(String(out.json().providerLogoutUrl).startsWith(`${idp.issuer}/session/end`), out.body);
    assert.equal((await call({ url: '/api/v1/me', host: 'acme.localhost', cookie: `td_session=${session}` })).statusCode, 401);
  });

  it('turns password sign-in off when the tenant says so', async () => {
    const acme = await as('admin@acme.test');
    assert.equal((await acme({ method: 'PATCH', url: `/api/v1/sso/connections/${ids.acme}`, body: { localPasswords: false } })).statusCode, 200);
    const login = await call({ method: 'POST', url: '/api/v1/auth/login', host: 'acme.localhost', body: { email: 'agent@acme.test', password: 'x' } });
    assert.equal(login.statusCode, 403, login.body);
    assert.equal((await call({ url: '/api/v1/auth/oidc', host: 'acme.localhost' })).json().localPasswords, false);
    assert.equal((await call({ method: 'POST', url: '/api/v1/auth/login', host: 'globex.localhost', body: { email: 'agent@globex.test', password: 'demo-password-wrong' } })).statusCode, 401, 'globex still signs in with passwords');
    await acme({ method: 'PATCH', url: `/api/v1/sso/connections/${ids.acme}`, body: { localPasswords: true } });
  });

  it('says plainly when the issuer cannot be reached or is not allowed, with no stack', async () => {
    const acme = await as('admin@acme.test');
    const closed = await freePort();
    for (const [issuer, message] of [
      [`http://127.0.0.1:${closed}`, /Issuer unreachable.*ECONNREFUSED/],
      ['https://10.1.2.3', /Issuer unreachable.*private/],
    ] as const) {
      const created = await acme({ method: 'POST', url: '/api/v1/sso/connections', body: connection(issuer, CLIENTS[0]!, { name: `Down ${issuer}` }) });
      assert.equal(created.statusCode, 201, created.body);
      const start = await call({ url: `/api/v1/auth/oidc/${created.json().id as string}`, host: 'acme.localhost' });
      assert.equal(start.statusCode, 303, start.body);
      const text = new URL(start.headers.location as string, 'http://x').searchParams.get('ssoMessage') ?? '';
      assert.match(text, message);
      assert.doesNotMatch(text, /\n\s+at /);
      await acme({ method: 'DELETE', url: `/api/v1/sso/connections/${created.json().id as string}` });
    }
  });
});

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Browser, Page, Route } from 'playwright-core';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';
import { demoAndBrowser, expectTrouble, screenshot, SIGNED_OUT, type DemoServer } from './harness.ts';

/*
 * Single sign-on in a real Chromium against a real OpenID provider on the loopback: acme's sign-in
 * page offers "Sign in with Acme Login", the provider's own login form signs the person in, and the
 * browser comes back to acme's host signed in; a new person becomes a customer just in time; an
 * address outside the allowed domains is sent back with the reason; logout ends both sessions.
 */

const ENV = { MAIL_SECRET: 'e2e-mail-secret-0123456789abcdef0123456789', OUTBOUND_ALLOW: '127.0.0.1/32', PUBLIC_SCHEME: 'http' };

describe('single sign-on at a tenant’s host (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let idp: TestProvider | undefined;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    idp = await startTestProvider({
      clients: [
        { clientId: 'acme-client', clientSecret: 'acme-secret-0123456789', redirectUris: [server.url('acme.localhost', '/api/v1/auth/oidc/callback')], postLogoutRedirectUris: [server.url('acme.localhost', '/')] },
      ],
      accounts: {
        alice: { email: 'agent@acme.test', name: 'Acme Agent' },
        newbie: { email: 'new.person@acme.test', name: 'New Person' },
        stranger: { email: 'someone@elsewhere.example' },
      },
    });
    await server.admin('sso.add', {
      tenant: 'acme',
      name: 'Acme Login',
      issuer: idp.issuer,
      clientId: 'acme-client',
      clientSecret: 'acme-secret-0123456789',
      domain: ['acme.test'],
      jit: 'customers',
      jitRole: 'customer',
    });
  }, ENV);
  after(async () => idp?.close());

  /** A fresh browser session at acme's sign-in page, through the provider's login form as `login`. */
  async function signInThroughProvider(login: string, shot?: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    context.setDefaultTimeout(30_000);
    // The provider's own pages (the test's oidc-provider) import a web font from the internet: the
    // browser gets an empty stylesheet instead, the same with or without a network (how it fails
    // offline differs: ERR_NAME_NOT_RESOLVED here, ERR_INTERNET_DISCONNECTED in a closed namespace).
    await context.route('https://fonts.googleapis.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
    const page = await context.newPage();
    // Signed out at first and after the provider's logout.
    expectTrouble(page, SIGNED_OUT);
    await page.goto(server.url('acme.localhost', '/'));
    const button = page.getByRole('link', { name: 'Sign in with Acme Login' });
    await button.waitFor();
    if (shot) await screenshot(page, shot);
    await button.click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    return page;
  }

  it('signs a known agent in through the provider, back at acme’s host with a session of acme', async () => {
    const page = await signInThroughProvider('alice', 'sign-in-sso');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.equal(new URL(page.url()).host, `acme.localhost:${server.port}`);
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.contact?.email ?? me.email, 'agent@acme.test');

    // Logout: the session ends here and at the provider, which sends the browser back to acme. The
    // reads in flight are dropped before the session ends: none is refused (no 401 but /me's). A
    // screen's reads, held here until the logout is answered, would reach the server too late.
    const held: Route[] = [];
    let holding = true;
    await page.route('**/api/v1/**', (route) => (holding && route.request().method() === 'GET' ? void held.push(route) : route.continue()));
    await page.getByRole('link', { name: 'Dashboard' }).click();
    while (!held.length) await page.waitForTimeout(20);
    const loggedOut = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/auth/logout');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await loggedOut;
    holding = false;
    // A read the page has given up is aborted already: continuing it fails, which is the point.
    await Promise.all(held.map((route) => route.continue().catch(() => undefined)));
    await page.unroute('**/api/v1/**');
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('link', { name: 'Sign in with Acme Login' }).waitFor();
    assert.equal(new URL(page.url()).host, `acme.localhost:${server.port}`);
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/me')).status), 401);
    await page.context().close();
  });

  it('makes a person acme does not know yet a customer, just in time', async () => {
    const page = await signInThroughProvider('newbie');
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.activeRole.slug, 'customer');
    await page.context().close();
  });

  it('sends an address outside the allowed domains back to the sign-in page with the reason', async () => {
    const page = await signInThroughProvider('stranger');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Addresses of elsewhere\.example may not sign in here/);
    await screenshot(page, 'sign-in-sso-refused');
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/me')).status), 401);
    await page.context().close();
  });
});

import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { assertAccessible, demoAndBrowser, expectTrouble, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';
import { menuPages } from './menu-pages.ts';

/*
 * axe-core over every page each role reaches from its menus (the screenshots check the screens
 * the other tests stop at): signed out, customer, agent, tenant administrator, service-provider
 * agent and administrator. A serious or critical violation fails the test.
 */

async function checkEveryPage(browser: Browser, server: DemoServer, host: string, email: string, home: string): Promise<void> {
  const { page, context } = await signedIn(browser, server, host, email);
  for (const path of await menuPages(page, server, host, home)) {
    await page.goto(server.url(host, path));
    await page.locator('main').waitFor();
    await page.waitForLoadState('networkidle');
    await assertAccessible(page, `${email} at ${path}`);
  }
  await context.close();
}

describe('accessibility of every page, for each role (browser)', { timeout: 600_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme administrator', password: DEMO_PASSWORD, role: ['tenant-admin'] });
  });

  it('finds nothing serious on the signed-out pages', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    expectTrouble(page, SIGNED_OUT);
    for (const path of ['/', '/forgot-password', '/status']) {
      await page.goto(server.url('acme.localhost', path));
      await page.locator('main').waitFor();
      await page.waitForLoadState('networkidle');
      await assertAccessible(page, `signed out at ${path}`);
    }
    await context.close();
  });

  it("finds nothing serious on a customer's pages", () => checkEveryPage(browser, server, 'acme.localhost', 'customer@acme.test', '/tickets'));
  it("finds nothing serious on an agent's pages", () => checkEveryPage(browser, server, 'acme.localhost', 'agent@acme.test', '/queue'));
  it("finds nothing serious on a tenant administrator's pages", () => checkEveryPage(browser, server, 'acme.localhost', 'admin@acme.test', '/queue'));
  it("finds nothing serious on the service provider's agent's pages", () => checkEveryPage(browser, server, 'desk.localhost', 'agent@northwind.test', '/queue'));
  it("finds nothing serious on the service provider's administrator's pages", () => checkEveryPage(browser, server, 'desk.localhost', 'admin@northwind.test', '/queue'));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { demoAndBrowser, expectTrouble, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';
import { englishLeftovers, type Leftover } from './english-leftovers.ts';
import { menuPages } from './menu-pages.ts';

/*
 * Issue 21 point 12: the desk under French says nothing in English and no US date, on every page
 * each role reaches from its menus. The browser itself is American (en-US), so a date, a time or a
 * number formatted in the browser's locale instead of the reader's shows up as such.
 */

const AMERICAN = 'en-US';

async function inFrench(page: Page): Promise<void> {
  await page.evaluate(() => localStorage.setItem('tenantdesk.language', 'fr'));
}

/** Opens each path in French and gathers what is left in English, path by path. */
async function walk(page: Page, server: DemoServer, host: string, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    await page.goto(server.url(host, path));
    await page.locator('main').waitFor();
    await page.waitForLoadState('networkidle');
    // The lists arrive by their own requests; a page still saying "Chargement…" is not read yet.
    await page.getByText('Chargement…').first().waitFor({ state: 'detached' }).catch(() => undefined);
    found.push(...(await englishLeftovers(page)).map((l: Leftover) => `${path}: ${l.why} “${l.text}” in ${l.where}`));
  }
  return found;
}

async function walkAs(browser: Browser, server: DemoServer, host: string, email: string, home: string, extra: string[] = []): Promise<void> {
  const { page, context } = await signedIn(browser, server, host, email, undefined, AMERICAN);
  await inFrench(page);
  const paths = [...(await menuPages(page, server, host, home)), ...extra];
  assert.deepEqual(await walk(page, server, host, paths), [], `English or US formats left for ${email}`);
  await context.close();
}

describe('the desk in French, every page (browser)', { timeout: 600_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme administrator', password: DEMO_PASSWORD, role: ['tenant-admin'] });
  });

  it('says nothing in English on the signed-out pages', async () => {
    const context = await browser.newContext({ locale: AMERICAN });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    expectTrouble(page, SIGNED_OUT);
    await page.goto(server.url('acme.localhost'));
    await inFrench(page);
    assert.deepEqual(await walk(page, server, 'acme.localhost', ['/', '/forgot-password', '/status', '/kb']), []);
    await context.close();
  });

  it("says nothing in English on a customer's pages", () => walkAs(browser, server, 'acme.localhost', 'customer@acme.test', '/tickets'));
  it("says nothing in English on an agent's pages, a worked ticket's events included", async () => {
    const { page, context } = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test', undefined, AMERICAN);
    await inFrench(page);
    await page.goto(server.url('acme.localhost', '/queue'));
    await page.locator('tr[data-ticket] a').first().click();
    const form = page.locator('form').filter({ has: page.locator('select[name="status"]') });
    await form.locator('select[name="status"]').selectOption('pending');
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.getByText('Enregistré.').waitFor();
    const ticket = new URL(page.url()).pathname;
    await context.close();
    await walkAs(browser, server, 'acme.localhost', 'agent@acme.test', '/queue', [ticket]);
  });
  it("says nothing in English on a tenant administrator's pages", () => walkAs(browser, server, 'acme.localhost', 'admin@acme.test', '/queue'));
  it("says nothing in English on the service provider's administrator's pages", () => walkAs(browser, server, 'desk.localhost', 'admin@northwind.test', '/queue'));
});

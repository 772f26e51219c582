import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { demoAndBrowser, expectTrouble, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * The service provider's console at desk.localhost, and the tenant boundary as a browser meets
 * it: one merged queue over acme and globex, a tenant asked for on new tickets, another tenant's
 * ticket unreachable by URL, and access that follows the active role at once.
 */

describe('service-provider console and tenant boundaries (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let sp: Page;
  let globexTicketPath = '';

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    // A second role for the SP agent: "agent" reads its own tenant (northwind) only.
    await server.admin('role.grant', { tenant: 'northwind', contact: 'agent@northwind.test', role: 'agent' });
    sp = (await signedIn(browser, server, 'desk.localhost', 'agent@northwind.test')).page;
  });

  it("shows the SP agent acme's and globex's tickets in one queue, with a tenant column and filter", async () => {
    await sp.getByRole('heading', { name: 'All tenants’ queue' }).waitFor();
    const acme = sp.locator('tr[data-ticket^="ACME-0"]');
    const globex = sp.locator('tr[data-ticket^="GLOBEX-"]');
    await acme.first().waitFor();
    await globex.first().waitFor();
    assert.equal(await acme.first().locator('.tag').textContent(), 'acme');
    assert.equal(await globex.first().locator('.tag').textContent(), 'globex');
    // The priority column names each ticket's priority (a lookup that needs a tenant for this role).
    const priority = globex.first().locator('td[data-label="Priority"]');
    await priority.filter({ hasText: /^(Low|Normal|High|Urgent)$/ }).waitFor({ timeout: 15_000 });
    await screenshot(sp, 'sp-queue');
    globexTicketPath = (await globex.first().getByRole('link').getAttribute('href')) ?? '';
    assert.match(globexTicketPath, /^\/tickets\/[0-9a-f-]{36}$/);

    await sp.getByLabel('Tenant').selectOption({ label: 'Globex' });
    await sp.waitForURL(/tenant=globex/);
    await acme.first().waitFor({ state: 'detached' });
    await globex.nth(1).waitFor();
    assert.equal(await sp.locator('tr[data-ticket^="ACME-"]').count(), 0);
  });

  it('asks which tenant a new ticket is for, and files it there', async () => {
    await sp.goto(server.url('desk.localhost', '/tickets/new'));
    const topic = sp.getByLabel('Help topic');
    assert.equal(await topic.isDisabled(), true, 'no topic before a tenant is chosen');
    await sp.getByLabel('Tenant').selectOption({ label: 'Globex' });
    await topic.selectOption({ label: 'General question' });
    await sp.getByLabel('Subject').fill('Quarterly maintenance window');
    await sp.getByLabel('Message').fill('We will patch the servers on Saturday.');
    await screenshot(sp, 'sp-new-ticket');
    await sp.getByRole('button', { name: 'Open ticket' }).click();
    await sp.getByText(/Ticket GLOBEX-\d{6} has been opened/).waitFor();
  });

  it("shows an acme agent a clear not-found page for a globex ticket's URL", async () => {
    const { page, context } = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test');
    expectTrouble(page, new RegExp(`^404 GET /api/v1${globexTicketPath}$`));
    await page.goto(server.url('acme.localhost', globexTicketPath));
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.getByText('This ticket does not exist, or you may not see it.').waitFor();
    assert.ok(!((await page.locator('main').textContent()) ?? '').includes('GLOBEX'));
    await screenshot(page, 'not-found');
    await context.close();
  });

  it("lets the SP administrator see each tenant's configuration, marked by tenant, and add to it", async () => {
    const { page, context } = await signedIn(browser, server, 'desk.localhost', 'admin@northwind.test');
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Departments' }).waitFor();
    const rows = page.locator('.config-list li');
    await rows.filter({ hasText: 'globex' }).first().waitFor();
    assert.ok((await rows.filter({ hasText: 'acme' }).count()) >= 2);
    await page.getByLabel('Tenant').selectOption({ label: 'Globex' });
    await page.getByLabel('Name').fill('Field service');
    await page.getByRole('button', { name: 'Create' }).click();
    await rows.filter({ hasText: 'Field service' }).filter({ hasText: 'globex' }).waitFor();
    await screenshot(page, 'admin-departments');
    await context.close();
  });

  it('changes what is visible as soon as the active role changes', async () => {
    await sp.goto(server.url('desk.localhost', '/queue'));
    await sp.locator('tr[data-ticket^="GLOBEX-"]').first().waitFor();
    const role = sp.getByLabel('Active role');
    await role.selectOption({ label: 'Agent' });
    await sp.getByRole('heading', { name: 'Queue', exact: true }).waitFor();
    await sp.getByText('No tickets match.').waitFor();
    assert.equal(await sp.locator('tr[data-ticket]').count(), 0);
    await screenshot(sp, 'role-switched');
    expectTrouble(sp, new RegExp(`^404 GET /api/v1${globexTicketPath}$`));
    await sp.goto(server.url('desk.localhost', globexTicketPath));
    await sp.getByRole('heading', { name: 'Not found' }).waitFor();

    await sp.getByLabel('Active role').selectOption({ label: 'Service-provider agent' });
    await sp.locator('tr[data-ticket^="GLOBEX-"]').first().waitFor();
  });

  it('serves the interactive API docs without breaking their own Content-Security-Policy', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const answer = await page.goto(server.url('desk.localhost', '/api/docs'));
    const policy = answer?.headers()['content-security-policy'] ?? '';
    assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'/, 'no script or style the policy cannot name');
    await page.getByRole('heading', { name: /TenantDesk API/ }).waitFor();
    await page.getByText('/api/v1/tickets', { exact: true }).first().waitFor();
    // The harness fails this test on any report of the policy (a console error) or refused request.
    await context.close();
  });
});

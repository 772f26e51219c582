import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { fr } from '../../web/src/i18n/messages.ts';
import { apiIn, demoAndBrowser, expectTrouble, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * Issue 21, saved views (personal queues) in a real browser: an agent saves the queue as filtered
 * under a name, opens it again from the list, renames and deletes it; a colleague never sees it,
 * and a customer has no queue to save.
 */

describe('saved views of the queue (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let agent: Page;
  const views = (page: Page) => page.getByRole('navigation', { name: 'Saved views' });

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'second@acme.test', name: 'Second agent', password: DEMO_PASSWORD, role: ['agent'] });
    agent = (await signedIn(browser, server, 'acme.localhost', 'agent@acme.test')).page;
  });

  it('saves the filtered queue under a name and opens it again from the list', async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    await views(agent).getByText('No saved view yet').waitFor();
    await agent.getByRole('button', { name: 'Unassigned' }).click();
    await agent.getByLabel('Status').selectOption({ label: 'Open' });
    await agent.getByRole('searchbox').fill('printer');
    await agent.getByRole('button', { name: 'Search' }).click();
    await agent.waitForURL(/q=printer/);
    await views(agent).getByLabel('Name of the view').fill('Open printers');
    await views(agent).getByRole('button', { name: 'Save view' }).click();
    const link = views(agent).getByRole('link', { name: 'Open printers' });
    await link.waitFor();
    assert.equal(await link.getAttribute('aria-current'), 'page', 'the queue shown is this view');
    await screenshot(agent, 'queue-saved-views');

    await agent.goto(server.url('acme.localhost', '/queue'));
    await link.waitFor();
    assert.equal(await link.getAttribute('aria-current'), null);
    await link.click();
    await agent.waitForURL((url) => url.searchParams.get('view') === 'unassigned' && url.searchParams.get('status') === 'open' && url.searchParams.get('q') === 'printer');
    // The box takes the view's words once the page has read the new address (a render after the URL).
    await agent.waitForFunction(() => document.querySelector<HTMLInputElement>('input[type="search"]')?.value === 'printer', undefined, { timeout: 5000 }).catch(() => undefined);
    assert.equal(await agent.getByRole('searchbox').inputValue(), 'printer', 'the search box follows the view');
    await agent.locator('tr[data-ticket]', { hasText: 'The printer on floor 2 jams' }).waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Unassigned' }).getAttribute('aria-pressed'), 'true');
  });

  it('renames a view, refuses a name already used, and deletes it', async () => {
    await agent.goto(server.url('acme.localhost', '/queue?status=pending'));
    await views(agent).getByLabel('Name of the view').fill('Waiting');
    await views(agent).getByRole('button', { name: 'Save view' }).click();
    await views(agent).getByRole('link', { name: 'Waiting' }).waitFor();

    await views(agent).getByRole('button', { name: 'Rename Open printers' }).click();
    const rename = views(agent).locator('li').getByLabel('Name of the view');
    assert.equal(await rename.inputValue(), 'Open printers');
    await rename.fill('Waiting');
    await views(agent).getByRole('button', { name: 'Save name' }).click();
    expectTrouble(agent, /^409 PATCH \/api\/v1\/saved-views\/[0-9a-f-]{36}$/);
    await views(agent).getByRole('alert').getByText('This name is already taken: choose another.').waitFor();
    assert.equal(await rename.getAttribute('aria-invalid'), 'true', 'the field the error names is marked');
    await rename.fill('Printers to fix');
    await views(agent).getByRole('button', { name: 'Save name' }).click();
    await views(agent).getByRole('link', { name: 'Printers to fix' }).waitFor();
    assert.equal(await views(agent).getByRole('link', { name: 'Open printers' }).count(), 0);

    await views(agent).getByRole('button', { name: 'Delete Waiting' }).click();
    await views(agent).getByText('View “Waiting” deleted.').waitFor({ state: 'attached' });
    await views(agent).getByRole('link', { name: 'Waiting' }).waitFor({ state: 'detached' });
    const left = JSON.parse((await apiIn(agent, 'GET', '/api/v1/saved-views')).text) as { views: { name: string }[] };
    assert.deepEqual(left.views.map((v) => v.name), ['Printers to fix']);
  });

  it("keeps a view to its owner: a colleague of the same tenant sees none of them, in French too", async () => {
    const { page: colleague, context } = await signedIn(browser, server, 'acme.localhost', 'second@acme.test');
    await colleague.evaluate(() => localStorage.setItem('tenantdesk.language', 'fr'));
    await colleague.goto(server.url('acme.localhost', '/queue'));
    await colleague.getByRole('navigation', { name: fr['views.title'] }).getByText(fr['views.none']).waitFor();
    assert.equal(await colleague.getByRole('link', { name: 'Printers to fix' }).count(), 0);
    await context.close();
  });

  it('gives a customer no saved views, on screen or through the API', async () => {
    const { page: customer, context } = await signedIn(browser, server, 'acme.localhost', 'customer@acme.test');
    await customer.goto(server.url('acme.localhost', '/queue'));
    await customer.waitForURL(/\/tickets$/);
    await customer.getByRole('link', { name: 'The printer on floor 2 jams' }).waitFor();
    assert.equal(await customer.getByText('Saved views').count(), 0);
    expectTrouble(customer, /^403 GET \/api\/v1\/saved-views$/);
    assert.equal((await apiIn(customer, 'GET', '/api/v1/saved-views')).status, 403);
    await context.close();
  });
});

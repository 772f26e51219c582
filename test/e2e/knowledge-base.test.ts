import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiIn, assertAccessible, demoAndBrowser, expectTrouble, screenshot, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';

/*
 * The knowledge base in the browser (issue 22): the service provider's public article is read at a
 * tenant's host without signing in, voted on, and solves a customer's problem before a ticket is
 * opened (a deflection, counted in the report).
 */

const TITLE = 'Resetting your VPN password';
const SUBJECT = 'VPN password forgotten';

describe('knowledge base (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let sp: Page;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    sp = (await signedIn(browser, server, 'desk.localhost', 'admin@northwind.test')).page;
    const created = await apiIn(sp, 'POST', '/api/v1/kb/articles', {
      tenantId: null,
      title: TITLE,
      summary: 'Choose “Forgot password” on the VPN sign-in page.',
      body: '<p>Open the VPN client and choose <b>Forgot password</b>.</p>',
      visibility: 'public',
      status: 'published',
    });
    assert.equal(created.status, 201, created.text);
  });

  it('shows a public article at a tenant’s host without sign-in, and takes a vote', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    expectTrouble(page, SIGNED_OUT);
    await page.goto(server.url('acme.localhost', '/kb'));
    await page.getByRole('heading', { name: 'Help articles' }).waitFor();
    await page.getByLabel('Search the help articles').fill('password');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: TITLE }).first().click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await screenshot(page, 'kb-article');
    await page.getByRole('button', { name: 'Yes' }).click();
    await page.getByText('Thank you for telling us.').waitFor();
    await context.close();
  });

  it('suggests the article while a customer types a subject, and "This solved my problem" opens no ticket', async () => {
    const customer = (await signedIn(browser, server, 'acme.localhost', 'customer@acme.test')).page;
    await customer.goto(server.url('acme.localhost', '/tickets/new'));
    await customer.getByLabel('Subject').fill(SUBJECT);
    await customer.getByRole('heading', { name: 'These articles may answer your question' }).waitFor();
    await screenshot(customer, 'kb-deflection');
    await customer.getByRole('button', { name: 'This solved my problem' }).click();
    await customer.getByText('Glad the article helped: no ticket was opened.').waitFor();
    const tickets = await apiIn(customer, 'GET', '/api/v1/tickets?q=forgotten');
    assert.equal(tickets.status, 200);
    assert.ok(!tickets.text.includes(SUBJECT), 'no ticket was opened');
    const report = await apiIn(sp, 'GET', '/api/v1/reports/kb');
    const acme = (JSON.parse(report.text) as { tenants: { tenant: string; deflections: number; helpful: number }[] }).tenants.find((t) => t.tenant === 'acme');
    assert.deepEqual([acme?.deflections, acme?.helpful], [1, 1], 'the deflection and the vote counted for acme');
  });

  it('lets an agent insert an article’s link into a reply, and save a reply as a draft article in one step', async () => {
    const customer = (await signedIn(browser, server, 'acme.localhost', 'customer@acme.test')).page;
    const opened = await apiIn(customer, 'POST', '/api/v1/tickets', { subject: 'Cannot sign in to the VPN', body: '<p>It says my password is wrong.</p>' });
    assert.equal(opened.status, 201, opened.text);
    const ticketId = (JSON.parse(opened.text) as { id: string }).id;
    const agent = (await signedIn(browser, server, 'acme.localhost', 'agent@acme.test')).page;
    await agent.goto(server.url('acme.localhost', `/tickets/${ticketId}`));
    await agent.getByLabel('Find a help article').fill('password');
    await agent.getByRole('button', { name: 'Insert link' }).first().click();
    const reply = agent.getByLabel('Your reply');
    assert.match(await reply.inputValue(), /Resetting your VPN password: http:\/\/acme\.localhost:\d+\/kb\/resetting-your-vpn-password/);
    await screenshot(agent, 'kb-insert-into-reply');
    await agent.getByRole('button', { name: 'Turn into a draft article' }).click();
    await agent.getByText('Saved as a draft article.').waitFor();
    const drafts = await apiIn(agent, 'GET', '/api/v1/kb/articles?status=draft');
    assert.ok(drafts.text.includes('Cannot sign in to the VPN'), 'the reply became a draft article titled after the ticket');
    const replied = agent.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/replies'), { timeout: 120_000 });
    await agent.getByRole('button', { name: 'Send reply' }).click();
    assert.equal((await replied).status(), 201);
    await agent.locator('.entry-reply', { hasText: '/kb/resetting-your-vpn-password' }).waitFor({ timeout: 120_000 });

    // The editor: the draft gets a second version, and the change between the two shows.
    await agent.getByRole('link', { name: 'Write articles' }).click();
    await agent.getByRole('button', { name: 'Cannot sign in to the VPN' }).click();
    await agent.getByLabel('Text').fill('Reset the password from the VPN sign-in page.');
    await agent.getByRole('button', { name: 'Save article' }).click();
    await agent.getByText('Article saved.').waitFor();
    await agent.getByText('Version 2').waitFor();
    await agent.getByRole('button', { name: 'Show changes' }).click();
    await agent.locator('.kb-diff ins', { hasText: 'Reset the password from the VPN sign-in page.' }).waitFor();
    await screenshot(agent, 'kb-editor-versions');
    await assertAccessible(agent, 'the article editor with its rich-text field');
  });
  it('shows the knowledge-base report: per tenant to the service provider with its CSV, a tenant’s own to its agent', async () => {
    const customer = (await signedIn(browser, server, 'acme.localhost', 'customer@acme.test')).page;
    const unanswered = await apiIn(customer, 'GET', '/api/v1/kb/search?q=teleportation');
    assert.equal(unanswered.status, 200, unanswered.text);
    await sp.goto(server.url('desk.localhost', '/dashboard'));
    await sp.getByRole('link', { name: 'Article report' }).click();
    await sp.getByRole('heading', { name: 'Help article report' }).waitFor();
    const acmeRow = sp.getByRole('table', { name: 'By tenant' }).getByRole('row', { name: /^acme / });
    await acmeRow.waitFor();
    // Tenant, views, searches, with no result, tickets avoided, helpful, not helpful.
    assert.deepEqual((await acmeRow.getByRole('cell').allInnerTexts()).slice(2, 5), ['1', '1', '1']);
    await sp.getByRole('table', { name: /Searches that found nothing/ }).getByRole('cell', { name: 'teleportation' }).waitFor();
    await sp.getByRole('cell', { name: TITLE }).first().waitFor();
    await screenshot(sp, 'kb-report');
    await assertAccessible(sp, 'the knowledge-base report');
    const csvHref = await sp.getByRole('link', { name: 'Download as CSV' }).getAttribute('href');
    const csv = await apiIn(sp, 'GET', csvHref!);
    assert.equal(csv.status, 200);
    assert.match(csv.text, /^tenant,views,searches,searchesWithoutResult,deflections,helpful,notHelpful\r\n/);
    assert.match(csv.text, /\r\nacme,\d+,\d+,1,1,1,0\r\n/, 'acme: one search with no result, one ticket avoided, one helpful vote');

    // A tenant's agent reads its own tenant's figures, with no breakdown by tenant.
    const admin = (await signedIn(browser, server, 'acme.localhost', 'agent@acme.test')).page;
    await admin.goto(server.url('acme.localhost', '/kb-report'));
    await admin.getByRole('heading', { name: 'Help article report' }).waitFor();
    await admin.locator('[data-figure="deflections"]', { hasText: '1' }).waitFor();
    assert.equal(await admin.getByRole('table', { name: 'By tenant' }).count(), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ratingToken } from '../../src/desk/satisfaction/rating-link.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { demoAndBrowser, expectTrouble, screenshot, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';

const MAIL_SECRET = 'e2e-mail-secret-for-rating-links-0123456789';

/*
 * Customer satisfaction in a real browser (decision 0123): once the agent resolves the customer's
 * ticket, the portal asks one question with an optional comment, once; the rating then appears in
 * the service provider's report across tenants (CSV, as exported).
 */
describe('customer satisfaction (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let customer: Page;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    customer = (await signedIn(browser, server, 'acme.localhost', 'customer@acme.test')).page;
  }, { MAIL_SECRET });

  it('lets the customer rate a resolved ticket in the portal, once, and shows it in the SP report', async () => {
    await customer.goto(server.url('acme.localhost', '/tickets/new'));
    await customer.getByLabel('Help topic').selectOption({ label: 'General question' });
    await customer.getByLabel('Subject').fill('Keyboard missing keys');
    await customer.getByLabel('Message').fill('The E and the R are gone.');
    await customer.getByRole('button', { name: 'Open ticket' }).click();
    await customer.getByRole('heading', { name: 'Keyboard missing keys' }).waitFor();
    const ticketId = new URL(customer.url()).pathname.split('/').at(-1)!;
    assert.equal(await customer.getByRole('form', { name: 'Your opinion' }).count(), 0, 'no rating before the resolution');

    const { page: agent } = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test');
    const resolved = await agent.evaluate(async (id) => {
      const ticket = await (await fetch(`/api/v1/tickets/${id}`)).json();
      const res = await fetch(`/api/v1/tickets/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'resolved', version: ticket.version }) });
      return res.status;
    }, ticketId);
    assert.equal(resolved, 200);

    const form = customer.getByRole('form', { name: 'Your opinion' });
    await form.waitFor();
    await form.getByLabel('4 – well').check();
    await form.getByLabel('Comment (optional)').fill('Fixed the same day.');
    await screenshot(customer, 'portal-rating');
    await form.getByRole('button', { name: 'Send my rating' }).click();
    await customer.getByText('Thank you: you rated this resolution 4 out of 5.').waitFor();
    assert.equal(await form.count(), 0, 'asked once');

    const { page: sp } = await signedIn(browser, server, 'desk.localhost', 'agent@northwind.test');
    const csv = await sp.evaluate(async () => (await fetch('/api/v1/reports/satisfaction?format=csv')).text());
    assert.ok(csv.split(/\r?\n/).includes('acme,1,4,1,0'), csv);
    // And on the dashboards: the service provider's per tenant, acme's own agent's for acme alone.
    const acmeRow = async (page: Page) => {
      const chart = page.locator('figure[data-chart="satisfaction"]');
      await chart.getByText('Show the figures').click();
      return (await chart.locator('tbody tr').allTextContents()).map((row) => row.replace(/\s+/g, ' '));
    };
    await sp.goto(server.url('desk.localhost', '/dashboard'));
    assert.deepEqual(await acmeRow(sp), ['acme1410', 'All tenants1410']);
    await agent.goto(server.url('acme.localhost', '/dashboard'));
    assert.deepEqual(await acmeRow(agent), ['This help desk1410']);
    await screenshot(sp, 'dashboard-satisfaction');
  });

  it('rates through a resolution’s signed link without signing in, once; another host or an expired link says so', async () => {
    const opened = await customer.evaluate(async () => {
      const res = await fetch('/api/v1/tickets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'Mouse double-clicks', body: 'Every click counts twice.' }) });
      return (await res.json()) as { id: string; version: number; tenantId: number };
    });
    const { page: agent } = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test');
    const resolved = await agent.evaluate(async ({ id, version }) => {
      const res = await fetch(`/api/v1/tickets/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'resolved', version }) });
      return (await res.json()) as { resolvedAt: string; tenantId: number };
    }, opened);
    // The link as the resolution mail would carry it (signed with the server's MAIL_SECRET).
    const claims = { tenantId: resolved.tenantId, ticketId: opened.id, resolvedAt: new Date(resolved.resolvedAt) };
    const token = ratingToken(secretBox(MAIL_SECRET), { ...claims, expiresAt: new Date(Date.now() + 86_400_000) });

    const guest = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    expectTrouble(guest, SIGNED_OUT);
    await guest.goto(server.url('acme.localhost', `/rate/${token}`));
    await guest.getByText('Mouse double-clicks').waitFor();
    const form = guest.getByRole('form', { name: 'Your opinion' });
    await form.getByLabel('5 – very well').check();
    await form.getByLabel('Comment (optional)').fill('Replaced within the hour.');
    await screenshot(guest, 'portal-rate-by-link');
    await form.getByRole('button', { name: 'Send my rating' }).click();
    await guest.getByText('Thank you: you rated this resolution 5 out of 5.').waitFor();
    await guest.reload();
    await guest.getByText('Thank you: you rated this resolution 5 out of 5.').waitFor();
    assert.equal(await form.count(), 0, 'asked once');
    const state = await customer.evaluate(async (id) => (await fetch(`/api/v1/tickets/${id}/satisfaction`)).json(), opened.id);
    assert.deepEqual(state, { canRate: false, rating: 5, comment: 'Replaced within the hour.' });

    expectTrouble(guest, /^404 GET \/api\/v1\/satisfaction-links\/[^ ]+$/, /^410 GET \/api\/v1\/satisfaction-links\/[^ ]+$/);
    await guest.goto(server.url('globex.localhost', `/rate/${token}`));
    await guest.getByRole('alert').getByText('This rating link is not valid here.').waitFor();
    const expired = ratingToken(secretBox(MAIL_SECRET), { ...claims, expiresAt: new Date(Date.now() - 1000) });
    await guest.goto(server.url('acme.localhost', `/rate/${expired}`));
    await guest.getByRole('alert').getByText('This rating link is no longer valid.').waitFor();
  });
});

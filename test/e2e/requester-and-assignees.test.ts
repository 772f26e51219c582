import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { demoAndBrowser, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * Issue 21, points 1, 7 and 14 in a real browser: an agent's and the service provider's new ticket
 * names its customer (found among the tenant's contacts, or added by email address), a ticket
 * without one takes notes but no reply until its requester is set, the ticket page shows who asked
 * and their other tickets, and only people who work the tenant's tickets can be assigned.
 */

describe('requester picker, requester panel and eligible assignees (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let agent: Page;
  let sp: Page;
  let globexCustomer: Page;

  demoAndBrowser(async (s, browser) => {
    server = s;
    [agent, sp, globexCustomer] = await Promise.all([
      signedIn(browser, server, 'acme.localhost', 'agent@acme.test').then((x) => x.page),
      signedIn(browser, server, 'desk.localhost', 'agent@northwind.test').then((x) => x.page),
      signedIn(browser, server, 'globex.localhost', 'customer@globex.test').then((x) => x.page),
    ]);
  });

  const openTicket = async (page: Page, subject: string) => {
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Message').fill(`${subject}: details.`);
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.getByText(/has been opened/).waitFor();
  };
  const panel = (page: Page) => page.getByRole('region', { name: 'Requester' });

  it("lets the service provider open a ticket for a globex customer, who then sees it in the portal", async () => {
    await sp.goto(server.url('desk.localhost', '/tickets/new'));
    await sp.getByText('Choose the tenant first.').waitFor();
    await sp.getByLabel('Tenant').selectOption({ label: 'Globex' });
    await sp.getByLabel('Find a requester').fill('customer@glob');
    await sp.getByRole('button', { name: 'Choose Globex customer customer@globex.test' }).click();
    await sp.getByText('Requester: Globex customer (customer@globex.test)').waitFor();
    await sp.getByLabel('Help topic').selectOption({ label: 'General question' });
    await screenshot(sp, 'sp-new-ticket-requester');
    await openTicket(sp, 'Your mailbox moves on Friday');
    await panel(sp).getByText('customer@globex.test').waitFor();

    await globexCustomer.goto(server.url('globex.localhost', '/'));
    await globexCustomer.getByRole('link', { name: 'Your mailbox moves on Friday' }).click();
    await globexCustomer.getByRole('heading', { name: 'Your mailbox moves on Friday' }).waitFor();
  });

  it('adds a new customer from an email address while opening a ticket, and shows them in the requester panel', async () => {
    await agent.goto(server.url('acme.localhost', '/tickets/new'));
    await agent.getByText('Add a new customer').click();
    await agent.getByLabel('Their email address').fill('nina@example.test');
    await agent.getByLabel('Their name (optional)').fill('Nina New');
    await agent.getByRole('button', { name: 'Add customer' }).click();
    await agent.getByText('Requester: Nina New (nina@example.test)').waitFor();
    await agent.getByLabel('Help topic').selectOption({ label: 'General question' });
    await openTicket(agent, 'Badge does not open the garage');
    const requester = panel(agent);
    await requester.getByText('Nina New').waitFor();
    await requester.getByRole('link', { name: 'nina@example.test' }).waitFor();
    await requester.getByText('acme', { exact: true }).waitFor();
    await requester.getByText('No other ticket.').waitFor();
  });

  it("lists the requester's other tickets as links on the ticket page", async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    await agent.getByRole('link', { name: 'The printer on floor 2 jams' }).click();
    const requester = panel(agent);
    await requester.getByText('customer@acme.test').waitFor();
    const others = requester.getByRole('list', { name: 'Their other tickets' });
    await others.getByRole('link', { name: /New laptop for a starter/ }).click();
    await agent.getByRole('heading', { name: 'New laptop for a starter' }).waitFor();
    assert.equal(await panel(agent).getByRole('link', { name: /New laptop for a starter/ }).count(), 0, 'the ticket shown is not among the others');
    await screenshot(agent, 'agent-requester-panel');
  });

  it('offers no reply on a ticket without a requester, until the agent sets one', async () => {
    await agent.goto(server.url('acme.localhost', '/tickets/new'));
    await agent.getByLabel('Help topic').selectOption({ label: 'General question' });
    await openTicket(agent, 'Check the server room temperature');
    await panel(agent).getByText(/has no requester/).waitFor();
    await agent.getByRole('button', { name: 'Add internal note' }).waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Send reply' }).count(), 0, 'no reply without a customer to send it to');
    assert.equal(await agent.getByRole('radio', { name: 'Reply to the customer' }).count(), 0);

    await panel(agent).getByLabel('Find a requester').fill('customer@acme');
    await panel(agent).getByRole('button', { name: 'Choose Acme Corporation customer customer@acme.test' }).click();
    await panel(agent).getByText('The requester was changed.').waitFor();
    await panel(agent).getByText('customer@acme.test').waitFor();
    await agent.getByRole('radio', { name: 'Reply to the customer' }).check();
    await agent.getByLabel('Your reply').fill('The room is at 21 degrees.');
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await agent.locator('.entry-reply', { hasText: 'The room is at 21 degrees.' }).waitFor();
  });

  it('offers as assignees only the people who work acme tickets', async () => {
    const labels = (await agent.getByLabel('Assignee').locator('option').allTextContents()).map((l) => l.trim());
    assert.ok(labels.includes('Acme Corporation agent'), labels.join(', '));
    assert.ok(labels.includes('Northwind Services agent'), 'the service provider’s agent works acme’s tickets');
    for (const customer of ['Acme Corporation customer', 'Nina New', 'Globex agent']) assert.ok(!labels.includes(customer), `${customer} is not offered: ${labels.join(', ')}`);
    await agent.getByLabel('Assignee').selectOption({ label: 'Northwind Services agent' });
    await agent.getByRole('button', { name: 'Save', exact: true }).click();
    await agent.getByText('Saved.').waitFor();
  });
});

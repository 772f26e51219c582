import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { demoAndBrowser, signedIn, type DemoServer } from './harness.ts';

/*
 * Live updates in a real browser (decision 0120): the agent's queue and an open ticket show the
 * customer's changes, and the customer's ticket the agent's reply, pushed by the server. Each
 * wait is far shorter than the 10 s the pages used to poll at (and still poll at with the stream
 * down), so only a pushed update passes; nobody reloads a page.
 */
const PUSHED_MS = 4000;
const SUBJECT = 'Badge reader at the back door is dead';

describe('live updates (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let agent: Page;
  let customer: Page;

  /** Waits until the page holds its live stream, so that a change made now must be pushed. */
  const live = (page: Page) => page.locator('html[data-live="on"]').waitFor({ state: 'attached' });

  demoAndBrowser(async (s, browser: Browser) => {
    server = s;
    [agent, customer] = await Promise.all([
      signedIn(browser, server, 'acme.localhost', 'agent@acme.test').then((x) => x.page),
      signedIn(browser, server, 'acme.localhost', 'customer@acme.test').then((x) => x.page),
    ]);
  });

  it("shows a customer's new ticket in the agent's open queue at once", async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    await agent.getByRole('heading', { name: 'Queue' }).waitFor();
    await live(agent);
    await customer.goto(server.url('acme.localhost', '/tickets/new'));
    await customer.getByLabel('Help topic').selectOption({ label: 'General question' });
    await customer.getByLabel('Subject').fill(SUBJECT);
    await customer.getByLabel('Message').fill('It blinks red and lets nobody in.');
    await customer.getByRole('button', { name: 'Open ticket' }).click();
    await customer.getByRole('heading', { name: SUBJECT }).waitFor();
    await agent.getByRole('link', { name: SUBJECT }).waitFor({ timeout: PUSHED_MS });
  });

  it("shows the agent's reply on the customer's open ticket, and the customer's answer on the agent's", async () => {
    await agent.getByRole('link', { name: SUBJECT }).click();
    await agent.getByRole('heading', { name: SUBJECT }).waitFor();
    await live(agent);
    await live(customer);
    await agent.getByLabel('Your reply').fill('A technician is on the way with a new reader.');
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await customer.locator('.entry-reply', { hasText: 'A technician is on the way' }).waitFor({ timeout: PUSHED_MS });
    await customer.getByLabel('Your reply').fill('Thank you, the door is propped open meanwhile.');
    await customer.getByRole('button', { name: 'Send reply' }).click();
    await agent.locator('.entry-reply', { hasText: 'the door is propped open' }).waitFor({ timeout: PUSHED_MS });
  });
});

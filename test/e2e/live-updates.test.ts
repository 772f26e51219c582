import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { demoAndBrowser, expectTrouble, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * Live updates in a real browser (decision 0120): the agent's queue and an open ticket show the
 * customer's changes, and the customer's ticket the agent's reply, pushed by the server. Each
 * wait is far shorter than the 10 s the pages used to poll at (and still poll at with the stream
 * down), so only a pushed update passes; nobody reloads a page.
 */
const PUSHED_MS = 4000;
/** Waits until the page holds its live stream, so that a change made now must be pushed. */
const live = (page: Page) => page.locator('html[data-live="on"]').waitFor({ state: 'attached' });
const SUBJECT = 'Badge reader at the back door is dead';

describe('live updates (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let agent: Page;
  let customer: Page;

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
    // The page says how fresh it is: at once while live, not "every 10 seconds".
    await agent.getByText('Updated as soon as something changes.').waitFor();
    await customer.goto(server.url('acme.localhost', '/tickets/new'));
    await customer.getByLabel('Help topic').selectOption({ label: 'General question' });
    await customer.getByLabel('Subject').fill(SUBJECT);
    await customer.getByLabel('Message').fill('It blinks red and lets nobody in.');
    await customer.getByRole('button', { name: 'Open ticket' }).click();
    await customer.getByRole('heading', { name: SUBJECT }).waitFor();
    await agent.getByRole('link', { name: SUBJECT }).waitFor({ timeout: PUSHED_MS });
    await screenshot(agent, 'live-queue');
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

describe('collision notice and a reply on a changed ticket (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let agent: Page;
  let marie: Page;
  let path = '';

  demoAndBrowser(async (s, browser: Browser) => {
    server = s;
    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'marie@acme.test', name: 'Marie Curie', password: DEMO_PASSWORD, role: ['agent'] });
    [agent, marie] = await Promise.all([
      signedIn(browser, server, 'acme.localhost', 'agent@acme.test').then((x) => x.page),
      signedIn(browser, server, 'acme.localhost', 'marie@acme.test').then((x) => x.page),
    ]);
  });

  it('tells the agent that Marie is viewing, then replying', async () => {
    await agent.getByRole('link', { name: 'The printer on floor 2 jams' }).click();
    await agent.getByRole('heading', { name: 'The printer on floor 2 jams' }).waitFor();
    path = new URL(agent.url()).pathname;
    await marie.goto(server.url('acme.localhost', path));
    await marie.getByRole('heading', { name: 'The printer on floor 2 jams' }).waitFor();
    await marie.getByRole('status').filter({ hasText: 'is viewing this ticket' }).waitFor();
    await marie.getByLabel('Your reply').fill('Checking the tray now.');
    // The agent's page renews its own mark, and learns of the others, every 10 s.
    await agent.getByRole('status').filter({ hasText: 'Marie Curie is replying to this ticket.' }).waitFor({ timeout: 15_000 });
    await screenshot(agent, 'collision-notice');
  });

  it('warns the agent that Marie replied since it began, and sends its reply anyway on request', async () => {
    await live(agent);
    // The refusal the agent is shown: 409 TICKET_CHANGED.
    expectTrouble(agent, /^409 POST \/api\/v1\/tickets\/[0-9a-f-]+\/replies$/);
    await agent.getByLabel('Your reply').fill('I will replace the fuser.');
    await marie.getByRole('button', { name: 'Send reply' }).click();
    // Live updates show Marie's reply to the agent while it writes.
    await agent.locator('.entry-reply', { hasText: 'Checking the tray now.' }).waitFor({ timeout: PUSHED_MS });
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await agent.getByText('Someone added to this ticket since you began writing.').waitFor();
    assert.equal(await agent.locator('.entry-reply', { hasText: 'I will replace the fuser.' }).count(), 0, 'not sent yet');
    await agent.getByRole('button', { name: 'Send anyway' }).click();
    await agent.locator('.entry-reply', { hasText: 'I will replace the fuser.' }).waitFor();
  });
});

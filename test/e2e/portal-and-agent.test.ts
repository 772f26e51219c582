import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page, Response } from 'playwright-core';
import { demoAndBrowser, expectTrouble, screenshot, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';

/*
 * A customer and an agent of acme, each in their own browser session at acme's host: the ticket
 * the customer opens reaches the agent, the agent's reply reaches the customer, the note does not.
 */

const SUBJECT = 'VPN drops every hour';
const REPLY = 'Please update the VPN client to 5.2.';
const NOTE = 'Known issue with the 5.1 client, see the vendor bulletin.';
const PHONE = { width: 390, height: 844 };
/** A bound on a wait that only a broken server or page reaches; the step ends as soon as the state shows. */
const NOTE_SAVED_MS = 120_000;

describe('client portal and agent panel (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let customer: Page;
  let agent: Page;
  let number = '';

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    customer = (await signedIn(browser, server, 'acme.localhost', 'customer@acme.test', PHONE)).page;
    agent = (await signedIn(browser, server, 'acme.localhost', 'agent@acme.test')).page;
  });

  it("lets a customer open a ticket on acme's host, from a phone", async () => {
    await customer.getByRole('heading', { name: 'My tickets' }).waitFor();
    assert.equal(await customer.locator('.brand-name').textContent(), 'Acme Corporation');
    await screenshot(customer, 'portal-my-tickets');
    await customer.getByRole('link', { name: 'Open a new ticket' }).click();
    await customer.getByLabel('Help topic').selectOption({ label: 'General question' });
    await customer.getByLabel('Subject').fill(SUBJECT);
    await customer.getByLabel('Message').fill('Since this morning the VPN disconnects\nevery hour on the hour.');
    await screenshot(customer, 'portal-new-ticket');
    await customer.getByRole('button', { name: 'Open ticket' }).click();
    const notice = await customer.getByText(/has been opened/).textContent();
    number = /Ticket (ACME-\d+) has been opened/.exec(notice ?? '')?.[1] ?? '';
    assert.match(number, /^ACME-\d{6}$/);
    await customer.getByRole('heading', { name: SUBJECT }).waitFor();
  });

  it('lets the agent find it in the queue, reply, and add an internal note that looks different', async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    await agent.getByRole('heading', { name: 'Queue' }).waitFor();
    const row = agent.locator(`tr[data-ticket="${number}"]`);
    await row.waitFor();
    await agent.getByRole('button', { name: 'Unassigned' }).click();
    await row.waitFor();
    await screenshot(agent, 'agent-queue');
    await row.getByRole('link', { name: SUBJECT }).click();

    await agent.getByLabel('Your reply').fill(REPLY);
    // As for the note below: the save, then the thread that shows it, each within a bound only a failure reaches.
    const replied = agent.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/replies'), { timeout: NOTE_SAVED_MS });
    await agent.getByRole('button', { name: 'Send reply' }).click();
    assert.equal((await replied).status(), 201, 'the reply was saved');
    await agent.locator('.entry-reply', { hasText: REPLY }).waitFor({ timeout: NOTE_SAVED_MS });

    await agent.getByRole('radio', { name: 'Internal note' }).check();
    assert.equal(await agent.getByRole('button', { name: 'Send reply' }).count(), 0, 'the send button says what will happen');
    await agent.getByRole('textbox', { name: 'Internal note' }).fill(NOTE);
    // The note shows once the server saved it and the thread came back, behind the refresh of every
    // ticket query the reply started, all on one embedded database: on a loaded machine that is
    // more than the 30 s a click or a fill may take. Wait for the save itself, then for the note.
    const saved = agent.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/notes'), { timeout: NOTE_SAVED_MS });
    await agent.getByRole('button', { name: 'Add internal note' }).click();
    assert.equal((await saved).status(), 201, 'the note was saved');
    const note = agent.locator('.entry-note', { hasText: NOTE });
    await note.waitFor({ timeout: NOTE_SAVED_MS });
    assert.match((await note.textContent()) ?? '', /Internal note/);

    await agent.getByRole('button', { name: 'Assign to me' }).click();
    await agent.getByText(/Assignment changed/).waitFor();
    // The thread may show the change (pushed live) before the form has its answer: wait for the form.
    await agent.getByRole('button', { name: 'Assign to me' }).waitFor({ state: 'detached' });
    await agent.getByLabel('Status').selectOption({ label: 'Pending' });
    await agent.getByRole('button', { name: 'Save' }).click();
    await agent.getByText(/Status changed: Open → Pending/).waitFor();
    await screenshot(agent, 'agent-ticket');
  });

  it('shows the customer the reply but never the note', async () => {
    const refused: string[] = [];
    const watch = (response: Response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    };
    customer.on('response', watch);
    await customer.reload();
    await customer.locator('.entry-reply', { hasText: REPLY }).waitFor();
    await customer.waitForLoadState('networkidle');
    customer.off('response', watch);
    assert.deepEqual(refused, [], 'the customer\'s ticket page asks for nothing it is refused');
    const page = (await customer.locator('main').textContent()) ?? '';
    assert.ok(!page.includes(NOTE), 'the internal note reached the customer');
    // Of the agent's system events the customer sees the status change, never the assignment's churn (point 10).
    assert.match(page, /Status changed: Open → Pending/);
    assert.doesNotMatch(page, /Assignment changed/);
    assert.equal(await customer.locator('.entry-note').count(), 0);
    assert.equal(await customer.getByRole('radio', { name: 'Internal note' }).count(), 0, 'customers cannot write notes');
    await screenshot(customer, 'portal-ticket');

    await customer.getByLabel('Your reply').fill('Updated, it works now. Thanks!');
    await customer.getByRole('button', { name: 'Send reply' }).click();
    await customer.locator('.entry-reply', { hasText: 'it works now' }).waitFor();
  });

  it('lets a guest check the status by number and email, and switches to French', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    const page = await context.newPage();
    // A guest is signed out, and the first number and email below match no ticket.
    expectTrouble(page, SIGNED_OUT, /^404 POST \/api\/v1\/guest\/ticket-status$/);
    await page.goto(server.url('acme.localhost'));
    await page.getByRole('heading', { name: 'Sign in to Acme Corporation' }).waitFor();
    await screenshot(page, 'sign-in');
    await page.getByRole('link', { name: /Check a ticket’s status/ }).click();
    await page.getByLabel('Ticket number').fill(number);
    await page.getByLabel('Email address').fill('someone@acme.test');
    await page.getByRole('button', { name: 'Check status' }).click();
    await page.getByText('No ticket matches this number and email address.').waitFor();
    await page.getByLabel('Email address').fill('customer@acme.test');
    await page.getByRole('button', { name: 'Check status' }).click();
    // The agent left it pending; the customer's reply above reopened it.
    await page.getByRole('heading', { name: `Ticket ${number}: Open` }).waitFor();
    await screenshot(page, 'guest-status');

    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Suivre un ticket' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    await context.close();
  });
});

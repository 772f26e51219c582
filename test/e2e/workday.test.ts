import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { freePort } from '../support/net.ts';
import { outsideServer, type SmtpSink } from '../support/smtp-sink.ts';
import { demoAndBrowser, expectTrouble, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';

/*
 * Issue 21, the desk a service team works in all day: password reset from the sign-in page (the
 * mail goes out through a real SMTP server), "Assign to me" keeping unsaved edits, screens that
 * follow the active role, and a brand-new tenant whose customers can open a ticket.
 */

/** A bound on a wait that only a broken server or page reaches; each step ends as soon as its state shows. */
const MAIL_MS = 120_000;

describe('a working day at the desk (browser)', { timeout: 600_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  const relay = { port: 0 };
  let sink: SmtpSink;
  const received = () => sink.received;

  // Registered before demoAndBrowser's hooks, so the relay listens before the server starts.
  before(async () => {
    relay.port = await freePort();
    sink = await outsideServer(relay.port);
  });
  after(() => sink.close());

  demoAndBrowser(
    async (s, b) => {
      [server, browser] = [s, b];
    },
    // The outbox goes out through the job runner to this test's SMTP server (read when the server starts).
    {
      JOB_RUNNER: 'true',
      JOB_POLL_MS: '100',
      get SMTP_URL() {
        return `smtp://127.0.0.1:${relay.port}`;
      },
    },
  );

  /** Opens a ticket as a customer through the portal; returns its number. */
  async function openTicket(page: Page, host: string, topic: string, subject: string): Promise<string> {
    await page.goto(server.url(host, '/tickets/new'));
    await page.getByLabel('Help topic').selectOption({ label: topic });
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Message').fill('Written by the browser test.');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    const notice = await page.getByText(/has been opened/).textContent();
    const number = /Ticket ([A-Z-]+-\d+) has been opened/.exec(notice ?? '')?.[1] ?? '';
    assert.notEqual(number, '', `no ticket number in "${notice}"`);
    return number;
  }

  it('resets a forgotten password from the sign-in page, in English and in French', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    // Signed out at first and again at the end, where the used link is refused.
    expectTrouble(page, SIGNED_OUT, /^400 POST \/api\/v1\/auth\/password-reset\/confirm$/);
    await page.goto(server.url('globex.localhost'));
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).waitFor();
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('link', { name: 'Forgot password?' }).click();

    // An address with no account gets the same answer as one with an account.
    const answers: string[] = [];
    for (const email of ['nobody@globex.test', 'customer@globex.test']) {
      await page.goto(server.url('globex.localhost', '/forgot-password'));
      await page.getByLabel('Email address').fill(email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      answers.push((await page.getByRole('status').textContent()) ?? '');
    }
    assert.match(answers[1]!, /If an account uses this address/);
    assert.equal(answers[0], answers[1]);

    const deadline = Date.now() + MAIL_MS;
    while (!received().some((m) => m.to && JSON.stringify(m.to).includes('customer@globex.test')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const mail = received().find((m) => JSON.stringify(m.to ?? '').includes('customer@globex.test'));
    assert.ok(mail, `the reset mail was not sent; the relay received ${received().length}: ${received().map((m) => m.subject).join(' | ')}`);
    assert.equal(received().filter((m) => JSON.stringify(m.to ?? '').includes('nobody@globex.test')).length, 0);
    const link = new URL(/https?:\/\/\S+\/reset-password\?token=\S+/.exec(mail.text ?? '')![0]);
    assert.equal(link.hostname, 'globex.localhost');

    await page.goto(server.url('globex.localhost', link.pathname + link.search));
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a different password');
    await page.getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('New password again').fill('a brand new password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('Your password is changed.').waitFor();

    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.getByLabel('Email address').fill('customer@globex.test');
    await page.getByLabel('Password').fill('a brand new password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    // The link is single use.
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Signed out, the app starts afresh at the sign-in page.
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto(server.url('globex.localhost', link.pathname + link.search));
    await page.getByLabel('New password', { exact: true }).fill('yet another password');
    await page.getByLabel('New password again').fill('yet another password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText(/not valid any more/).waitFor();
    await context.close();
  });

  it('keeps unsaved status and priority edits when the agent assigns the ticket to themself', async () => {
    const customer = await signedIn(browser, server, 'acme.localhost', 'customer@acme.test');
    const number = await openTicket(customer.page, 'acme.localhost', 'General question', 'Printer on floor 3 jams');
    await customer.context.close();

    const { page, context } = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test');
    await page.goto(server.url('acme.localhost', '/queue'));
    await page.locator(`tr[data-ticket="${number}"]`).getByRole('link').first().click();
    await page.getByLabel('Status').selectOption({ label: 'Pending' });
    await page.getByLabel('Priority').selectOption({ label: 'High' });
    await page.getByRole('button', { name: /^Assign to me/ }).click();
    // The form restarts from the saved ticket: the edits are in it, and so is the assignment.
    await page.getByRole('button', { name: /^Assign to me/ }).waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Status').inputValue(), 'pending');
    assert.equal(await page.getByLabel('Priority').locator('option:checked').textContent(), 'High');
    assert.equal(await page.getByLabel('Assignee').locator('option:checked').textContent(), 'Acme Corporation agent');
    await context.close();
  });

  it('changes the screens at once when an agent switches to a customer role, and back', async () => {
    await server.admin('role.grant', { tenant: 'globex', contact: 'agent@globex.test', role: 'customer' });
    const { page, context } = await signedIn(browser, server, 'globex.localhost', 'agent@globex.test');
    await page.getByRole('link', { name: 'Queue' }).waitFor();
    await page.getByLabel('Active role').selectOption({ label: 'Customer' });
    await page.getByRole('link', { name: 'My tickets' }).waitFor();
    await page.waitForURL(/\/tickets$/);
    assert.equal(await page.getByRole('link', { name: 'Queue' }).count(), 0);
    await page.goto(server.url('globex.localhost', '/queue'));
    await page.waitForURL(/\/tickets$/);

    await page.getByLabel('Active role').selectOption({ label: 'Agent' });
    await page.getByRole('link', { name: 'Queue' }).waitFor();
    await page.waitForURL(/\/queue$/);
    await context.close();
  });

  it("lets a new tenant's customer open a ticket through the portal from the public defaults", async () => {
    await server.admin('tenant.create', { slug: 'initech', name: 'Initech', host: ['initech.localhost'] });
    await server.admin('contact.create', { tenant: 'initech', email: 'peter@initech.test', name: 'Peter', password: DEMO_PASSWORD, role: ['customer'] });
    const { page, context } = await signedIn(browser, server, 'initech.localhost', 'peter@initech.test');
    const number = await openTicket(page, 'initech.localhost', 'Other request', 'TPS report cover sheets');
    assert.match(number, /^INITECH-\d+$/);
    await page.getByRole('heading', { name: 'TPS report cover sheets' }).waitFor();
    await context.close();

    // Given the customer role and no kind, Peter is a customer, as the service provider's contact list says (point 6).
    const sp = await signedIn(browser, server, 'desk.localhost', 'admin@northwind.test');
    await sp.page.goto(server.url('desk.localhost', '/admin/contacts'));
    const peter = sp.page.locator('tr').filter({ hasText: 'peter@initech.test' });
    assert.equal(await peter.locator('td[data-label="Kind"]').textContent(), 'Customer');
    assert.equal(await peter.locator('td[data-label="Roles"]').textContent(), 'Customer');
    await sp.context.close();
  });
});

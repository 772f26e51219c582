import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { fr } from '../../web/src/i18n/messages.ts';
import { demoAndBrowser, expectTrouble, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';

/*
 * Issue 21's words: errors said plainly (a wrong password, a slug already taken, by the field's
 * label), the French desk's choices in the reader's language and in workflow and urgency order,
 * and roles given to a new contact by ticking them rather than typing slugs.
 */
describe('the desk’s words (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
  });

  it('says a refused sign-in is a wrong email address or password, not "sign in again"', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    expectTrouble(page, SIGNED_OUT, /^401 POST \/api\/v1\/auth\/login$/);
    await page.goto(server.url('acme.localhost'));
    await page.getByLabel('Email address').fill('agent@acme.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('The email address or the password is wrong.').waitFor();
    assert.doesNotMatch((await alert.textContent()) ?? '', /sign in again/i);
    await context.close();
  });

  it('says a slug is already taken, by the field’s label, beside the field', async () => {
    const { page, context } = await signedIn(browser, server, 'desk.localhost', 'admin@northwind.test');
    await page.goto(server.url('desk.localhost', '/admin/tenants'));
    await page.locator('tr[data-tenant="acme-eu"]').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Acme again');
    await page.getByLabel('Identifier (slug)').fill('acme');
    expectTrouble(page, /^409 POST \/api\/v1\/sp\/tenants$/);
    await page.getByRole('button', { name: 'Create' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('This identifier is already taken: choose another.').waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.doesNotMatch(text, /Someone changed this meanwhile|Field: slug/);
    const slug = page.getByLabel('Identifier (slug)');
    assert.equal(await slug.getAttribute('aria-invalid'), 'true', 'the slug field is marked');
    assert.equal(await slug.getAttribute('aria-errormessage'), await alert.getAttribute('id'), 'and tied to the message');
    await context.close();
  });

  it('answers a ticket without a subject with a plain sentence naming the field, not the validator’s words', async () => {
    const { page, context } = await signedIn(browser, server, 'acme.localhost', 'customer@acme.test');
    expectTrouble(page, /^400 POST \/api\/v1\/tickets$/);
    const answer = await page.evaluate(async () => {
      const res = await fetch('/api/v1/tickets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'No subject.' }) });
      return (await res.json()) as { error: { code: string; message: string; field?: string } };
    });
    assert.deepEqual(answer.error, { code: 'VALIDATION_FAILED', message: 'Subject is required.', field: 'subject' });
    await context.close();
  });

  it('offers a French agent statuses and priorities in French, in workflow and urgency order', async () => {
    const { page, context } = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test');
    await page.evaluate(() => localStorage.setItem('tenantdesk.language', 'fr'));
    await page.goto(server.url('acme.localhost', '/queue'));
    await page.locator('tr[data-ticket] a').first().click();
    // The ticket's own status field (the queue has one of that name too), once its choices are in.
    const status = page.locator('form.details select[name="status"]');
    await status.locator('option').first().waitFor({ state: 'attached' });
    const statuses = await status.locator('option').allTextContents();
    assert.deepEqual(statuses.slice(0, 4), [fr['state.open'], fr['state.pending'], fr['state.resolved'], fr['state.closed']]);
    // The priorities arrive by their own request.
    await page.locator('select[name="priorityId"] option', { hasText: fr['priority.urgent'] }).waitFor({ state: 'attached' });
    const priorities = await page.locator('select[name="priorityId"] option').allTextContents();
    assert.deepEqual(priorities.filter((p) => p !== '—' && p !== '…'), [fr['priority.low'], fr['priority.normal'], fr['priority.high'], fr['priority.urgent']]);
    assert.equal(fr['priority.high'], 'Haute', 'in French');
    // Typed day first, as the French write it (the browser's own date input would follow the browser's locale), and said again in words.
    const due = page.locator('input[name="dueAt"]');
    assert.equal(await due.getAttribute('type'), 'text');
    assert.equal(await due.getAttribute('placeholder'), 'jj/mm/aaaa hh:mm');
    await due.fill('07/12/2026 14:30');
    await page.getByText(/lundi 7 décembre 2026/).waitFor();
    await context.close();
  });

  it('gives a new contact its roles by ticking them', async () => {
    const { page, context } = await signedIn(browser, server, 'desk.localhost', 'admin@northwind.test');
    await page.goto(server.url('desk.localhost', '/admin/contacts'));
    await page.getByRole('heading', { name: 'Contacts', exact: true }).waitFor();
    assert.equal(await page.getByLabel(/comma-separated/).count(), 0, 'no slugs to type');
    const form = page.locator('form').filter({ has: page.getByRole('heading', { name: 'Add' }) });
    await form.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Acme Corporation' });
    await form.getByLabel('Kind').selectOption('agent');
    await form.getByLabel('Name', { exact: true }).fill('Wanda Ticked');
    await form.getByLabel('Email', { exact: true }).fill('wanda@acme.test');
    await form.getByRole('checkbox', { name: 'Agent', exact: true }).check();
    await form.getByRole('checkbox', { name: 'Tenant administrator' }).check();
    await form.getByRole('button', { name: 'Create' }).click();
    await form.getByText('Created.').waitFor();
    // The list says who holds which role, default first.
    const row = page.locator('tr').filter({ hasText: 'wanda@acme.test' });
    assert.equal(await row.locator('td[data-label="Roles"]').textContent(), 'Agent, Tenant administrator');
    const demoAgent = page.locator('tr').filter({ hasText: 'agent@globex.test' });
    assert.equal(await demoAgent.locator('td[data-label="Roles"]').textContent(), 'Agent');
    await row.getByRole('button', { name: 'Edit' }).click();
    const held = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Roles of Wanda Ticked' }) }).locator('li');
    await held.filter({ hasText: 'Tenant administrator' }).waitFor();
    await held.filter({ hasText: 'Agent' }).first().waitFor();
    await context.close();
  });

  it('keeps the header on one line at 1366 px for each role, in English and in French, with a role switcher', async () => {
    // Every login holds two roles, so the header carries the role switcher too (its widest form).
    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme administrator', password: DEMO_PASSWORD, role: ['tenant-admin', 'agent'] });
    await server.admin('role.grant', { tenant: 'acme', contact: 'agent@acme.test', role: 'tenant-admin' });
    await server.admin('role.grant', { tenant: 'acme', contact: 'customer@acme.test', role: 'agent' });
    await server.admin('role.grant', { tenant: 'northwind', contact: 'agent@northwind.test', role: 'agent' });
    await server.admin('role.grant', { tenant: 'northwind', contact: 'admin@northwind.test', role: 'sp-agent' });
    const logins: [string, string][] = [['acme.localhost', 'customer@acme.test'], ['acme.localhost', 'agent@acme.test'], ['acme.localhost', 'admin@acme.test'], ['desk.localhost', 'agent@northwind.test'], ['desk.localhost', 'admin@northwind.test']];
    const problems: string[] = [];
    for (const [host, email] of logins) {
      const { page, context } = await signedIn(browser, server, host, email, { width: 1366, height: 768 });
      for (const language of ['en', 'fr']) {
        await page.evaluate((l) => localStorage.setItem('tenantdesk.language', l), language);
        await page.goto(server.url(host, '/'));
        await page.locator('.topbar .nav a').first().waitFor();
        await page.getByLabel(language === 'fr' ? 'Rôle actif' : 'Active role').waitFor().catch(() => assert.fail(`${email} is offered no role switcher`));
        const header = await page.locator('.topbar').evaluate((bar) => {
          const style = getComputedStyle(bar);
          const inner = bar.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
          const tallest = Math.max(...[...bar.querySelectorAll('.brand, .nav a, .topbar-tools > *')].map((e) => e.getBoundingClientRect().height));
          const rightmost = Math.max(...[...bar.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right));
          return { inner, tallest, rightmost, width: document.documentElement.clientWidth };
        });
        // One line: the header is as tall as its tallest item, and nothing runs past the window's edge.
        if (header.inner > header.tallest + 1) problems.push(`${email} in ${language}: the header is ${header.inner}px tall inside, its tallest item ${header.tallest}px`);
        if (header.rightmost > header.width + 0.5) problems.push(`${email} in ${language}: an item ends at ${header.rightmost}px, past the window's ${header.width}px`);
      }
      await context.close();
    }
    assert.deepEqual(problems, []);
  });
});

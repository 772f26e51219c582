import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { demoAndBrowser, signedIn, type DemoServer } from './harness.ts';

/*
 * The webhooks screen in a real browser (issue 24): the service provider's administrator subscribes
 * once to every tenant it reads, sees the signing secret once, finds an acme ticket's delivery in
 * the log and sends it again from there. The server runs no job runner, so the delivery waits.
 */
describe('webhooks administration (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  demoAndBrowser(
    async (s, b) => {
      [server, browser] = [s, b];
    },
    { MAIL_SECRET: 'e2e-webhooks-mail-secret-0123456789abcdef', OUTBOUND_ALLOW: '127.0.0.1/32' },
  );

  it('subscribes to every tenant read, shows the secret once, and sends a delivery again from the log', async () => {
    const { page } = await signedIn(browser, server, 'desk.localhost', 'admin@northwind.test');
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('Every tenant I read, including tenants added later').check();
    await page.getByLabel('Address that receives the events').fill('http://127.0.0.1:9/hook');
    await page.getByRole('button', { name: 'Create' }).click();
    const secret = await page.getByRole('status').locator('code').textContent();
    assert.match(secret ?? '', /^whsec_/);
    const row = page.locator('li').filter({ hasText: 'http://127.0.0.1:9/hook' });
    await row.getByText('every tenant read').waitFor();

    // An acme ticket, opened through the API as the demo's acme agent would.
    const acme = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test');
    const opened = await acme.page.evaluate(async () => (await fetch('/api/v1/tickets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'Seen by the provider', body: 'x' }) })).status);
    assert.equal(opened, 201);

    await row.getByRole('button', { name: 'Deliveries' }).click();
    const delivery = row.locator('tr').filter({ hasText: 'ticket.created' });
    await delivery.getByText('waiting').waitFor();
    const answered = page.waitForResponse((r) => /\/redeliver$/.test(r.url()));
    await delivery.getByRole('button', { name: 'Send again' }).click();
    assert.equal((await answered).status(), 202);
    await page.reload();
    await page.locator('li').filter({ hasText: 'http://127.0.0.1:9/hook' }).waitFor();
    assert.equal(await page.getByText(secret!).count(), 0, 'the secret is not shown again');
    assert.equal(await page.getByText(/whsec_/).count(), 0, 'nor any secret');
  });
});

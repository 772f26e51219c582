import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { demoAndBrowser, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * Macros in a real browser (decision 0122): a tenant administrator defines one in the
 * administration, and an agent applies it to a ticket in one click: the reply appears in the
 * thread and the status changes, together.
 */
describe('macros (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme administrator', password: DEMO_PASSWORD, role: ['tenant-admin'] });
  });

  it('lets a tenant administrator define a macro, and an agent apply it in one click', async () => {
    const { page: admin } = await signedIn(browser, server, 'acme.localhost', 'admin@acme.test');
    await admin.getByRole('link', { name: 'Administration' }).click();
    await admin.getByRole('link', { name: 'Macros' }).click();
    await admin.getByRole('heading', { name: 'Macros' }).waitFor();
    await admin.getByLabel('Name', { exact: true }).fill('Waiting for the customer');
    await admin.getByLabel('Reply it sends').fill('Could you send us a photo of the error?');
    await admin.getByLabel('Status it sets').selectOption({ label: 'Pending' });
    await admin.getByRole('button', { name: 'Create' }).click();
    const row = admin.locator('.config-list li').filter({ hasText: 'Waiting for the customer' });
    await row.waitFor();
    assert.equal(await row.locator('.tag').textContent(), 'acme');

    const { page: agent } = await signedIn(browser, server, 'acme.localhost', 'agent@acme.test');
    await agent.getByRole('link', { name: 'The printer on floor 2 jams' }).click();
    await agent.getByRole('heading', { name: 'The printer on floor 2 jams' }).waitFor();
    const macro = agent.getByRole('form', { name: 'Macro' });
    await macro.getByLabel('Macro').selectOption({ label: 'Waiting for the customer' });
    await macro.getByRole('button', { name: 'Apply macro' }).click();
    await agent.locator('.entry-reply', { hasText: 'Could you send us a photo of the error?' }).waitFor();
    await agent.locator('.page-head .badge-pending').waitFor();
    await screenshot(agent, 'agent-macro');
  });
});

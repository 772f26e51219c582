import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { demoAndBrowser, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * The agent panel's ticket extras in a real browser at acme's host: a file sent with a reply and
 * downloaded by the customer, a file sent when opening a ticket, a merge, a collaborator, the
 * overdue queue; and the service provider's dashboard, whose charts must show the API's figures.
 */

const REPORT = Buffer.from('Fuser temperature log\n09:00 212C\n09:30 231C\n');
const PHOTO = Buffer.from('not really a photo, but a file all the same');
const REPLY = 'The fuser log from this morning is attached.';

describe('attachments, merge, collaborators, overdue queue and dashboard (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let agent: Page;
  let customer: Page;
  let sp: Page;
  let printerPath = '';
  let printerNumber = '';
  let followUpPath = '';

  demoAndBrowser(async (s, browser: Browser) => {
    server = s;
    await server.admin('contact.create', { tenant: 'acme', kind: 'customer', email: 'cc@acme.test', name: 'Carla Copy', password: DEMO_PASSWORD, role: ['customer'] });
    [agent, customer, sp] = await Promise.all([
      signedIn(browser, server, 'acme.localhost', 'agent@acme.test').then((x) => x.page),
      signedIn(browser, server, 'acme.localhost', 'customer@acme.test').then((x) => x.page),
      signedIn(browser, server, 'desk.localhost', 'agent@northwind.test').then((x) => x.page),
    ]);
  });

  it('sends a file with a reply, which the customer downloads in the portal', async () => {
    await agent.getByRole('link', { name: 'The printer on floor 2 jams' }).click();
    await agent.getByRole('heading', { name: 'The printer on floor 2 jams' }).waitFor();
    printerPath = new URL(agent.url()).pathname;
    printerNumber = ((await agent.locator('.page-head .mono').first().textContent()) ?? '').trim();
    assert.match(printerNumber, /^ACME-\d{6}$/);
    await agent.getByLabel('Your reply').fill(REPLY);
    await agent.getByLabel('Attach files').setInputFiles({ name: 'fuser-log.txt', mimeType: 'text/plain', buffer: REPORT });
    await agent.getByRole('list', { name: 'Files to send' }).getByText('fuser-log.txt').waitFor();
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await agent.locator('.entry-reply', { hasText: REPLY }).locator('a[data-attachment="fuser-log.txt"]').waitFor();

    await customer.goto(server.url('acme.localhost', printerPath));
    const link = customer.locator('.entry-reply', { hasText: REPLY }).getByRole('link', { name: /fuser-log\.txt/ });
    const [download] = await Promise.all([customer.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'fuser-log.txt');
    assert.deepEqual(await readFile((await download.path())!), REPORT, 'the customer gets the very bytes the agent sent');
  });

  it('lets the customer open a ticket with a file, and the agent merge it into the first one', async () => {
    await customer.goto(server.url('acme.localhost', '/tickets/new'));
    await customer.getByLabel('Help topic').selectOption({ label: 'General question' });
    await customer.getByLabel('Subject').fill('Printer floor 2 again');
    await customer.getByLabel('Message').fill('Same jam, photo attached.');
    await customer.getByLabel('Attach files').setInputFiles({ name: 'jam.jpg', mimeType: 'image/jpeg', buffer: PHOTO });
    await customer.getByRole('button', { name: 'Open ticket' }).click();
    await customer.getByText(/has been opened/).waitFor();
    await customer.locator('.entry-reply a[data-attachment="jam.jpg"]').waitFor();
    followUpPath = new URL(customer.url()).pathname;

    await agent.goto(server.url('acme.localhost', followUpPath));
    await agent.locator('a[data-attachment="jam.jpg"]').waitFor();
    await agent.getByRole('searchbox', { name: 'Find another ticket' }).fill(printerNumber);
    await agent.getByRole('search', { name: 'Find another ticket' }).getByRole('button', { name: 'Search' }).click();
    await agent.getByRole('radio', { name: new RegExp(printerNumber) }).check();
    await agent.getByRole('button', { name: 'Merge into it…' }).click();
    await agent.getByRole('button', { name: `Merge into ${printerNumber}` }).click();
    const banner = agent.getByText('This ticket was merged into');
    await banner.waitFor();
    assert.equal(await agent.locator('.alert-warning a').getAttribute('href'), printerPath);
    await agent.locator('.page-head .badge-closed').waitFor();

    await agent.locator('.alert-warning a').click();
    await agent.getByRole('link', { name: /was merged into this one/ }).waitFor();
  });

  it('adds a collaborator to the ticket, and links another', async () => {
    await agent.getByLabel('Add a collaborator').selectOption({ label: 'Carla Copy' });
    await agent.getByRole('button', { name: 'Add collaborator' }).click();
    await agent.locator('.collaborators', { hasText: 'Carla Copy' }).waitFor();
    await agent.getByText('Carla Copy now follows this ticket').waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Remove Carla Copy from the collaborators' }).count(), 1);

    await agent.getByRole('searchbox', { name: 'Find another ticket' }).fill('laptop');
    await agent.getByRole('search', { name: 'Find another ticket' }).getByRole('button', { name: 'Search' }).click();
    await agent.getByRole('radio', { name: /New laptop for a starter/ }).check();
    await agent.getByLabel('Kind of link').selectOption({ label: 'Related' });
    await agent.getByRole('button', { name: 'Link tickets' }).click();
    await agent.locator('.links', { hasText: 'New laptop for a starter' }).getByText('Related').waitFor();
    await screenshot(agent, 'agent-ticket-attachments');
  });

  it('shows a ticket past its due date in the overdue queue', async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    await agent.getByRole('link', { name: 'New laptop for a starter' }).click();
    // The queue has a field of that name too (its sort): fill the ticket's once the ticket shows.
    await agent.getByRole('heading', { level: 1, name: 'New laptop for a starter' }).waitFor();
    await agent.getByLabel('Due date').fill('01/03/2021 09:00');
    await agent.getByRole('button', { name: 'Save', exact: true }).click();
    await agent.locator('.page-head .badge-overdue').waitFor();

    await agent.getByRole('link', { name: 'Queue', exact: true }).click();
    await agent.getByRole('button', { name: 'Overdue' }).click();
    await agent.waitForURL(/view=overdue/);
    const row = agent.locator('tr', { hasText: 'New laptop for a starter' });
    await row.locator('.badge-overdue').waitFor();
    assert.equal(await agent.locator('tr', { hasText: 'The printer on floor 2 jams' }).count(), 0, 'a ticket without a due date is not overdue');
    await agent.getByLabel('Sort by').selectOption('due');
    await agent.waitForURL(/sort=due/);
    await row.waitFor();
    await screenshot(agent, 'agent-queue-overdue');
  });

  it("draws the dashboard's charts with the API's figures, per tenant for the service provider", async () => {
    const timeZone = await sp.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const until = new Date(Date.parse(`${to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    assert.ok(until > today);
    const api = (path: string) => sp.evaluate(async (url) => (await fetch(url)).json(), path);
    const range = `from=${from}&to=${to}&timeZone=${encodeURIComponent(timeZone)}`;

    await sp.goto(server.url('desk.localhost', `/dashboard?from=${from}&until=${until}`));
    await sp.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await sp.locator('[data-chart="tenants"]').waitFor();
    const [summary, daily, departments] = await Promise.all([api(`/api/v1/reports/summary?${range}`), api(`/api/v1/reports/daily?${range}`), api('/api/v1/reports/backlog?by=department')]);
    for (const key of ['open', 'overdue', 'created', 'resolved'] as const) {
      assert.equal(await sp.locator(`[data-figure="${key}"] dd`).textContent(), String(summary[key]), key);
    }
    assert.ok(summary.created >= 7, 'the demo tickets and the one opened above');
    const values = async (chart: string, series: string) => (await sp.locator(`[data-chart="${chart}"] rect[data-series="${series}"]`).evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-value')))));
    assert.deepEqual(await values('daily', 'created'), daily.days.map((d: { created: number }) => d.created));
    assert.deepEqual(await values('daily', 'resolved'), daily.days.map((d: { resolved: number }) => d.resolved));
    assert.deepEqual(await values('backlog-department', 'open'), departments.items.map((i: { open: number }) => i.open));
    assert.deepEqual(await values('backlog-department', 'pending'), departments.items.map((i: { pending: number }) => i.pending));
    const tenants = summary.tenants as { tenant: string; overdue: number; open: number; slaCompliance: number | null }[];
    assert.deepEqual(await values('tenants', 'overdue'), tenants.map((x) => x.overdue));
    assert.deepEqual(await values('sla', 'sla'), [...tenants.map((x) => x.slaCompliance ?? 0), summary.slaCompliance ?? 0]);
    await sp.locator('[data-chart="tenants"] summary').click();
    const acme = tenants.find((x) => x.tenant === 'acme')!;
    await sp.locator('[data-chart="tenants"] table tr', { hasText: 'acme' }).getByRole('cell', { name: String(acme.overdue), exact: true }).first().waitFor();
    await screenshot(sp, 'dashboard');

    await sp.getByRole('combobox', { name: 'Tenant' }).selectOption({ label: 'Acme Corporation' });
    await sp.waitForURL(/tenant=acme/);
    await sp.locator('[data-chart="tenants"]').waitFor({ state: 'detached' });
    assert.equal(await sp.locator('[data-figure="open"] dd').textContent(), String(acme.open), "acme's figures alone");
  });
});

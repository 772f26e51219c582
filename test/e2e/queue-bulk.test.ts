import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { apiIn, demoAndBrowser, expectTrouble, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * Issue 21, bulk actions on the queue in a real browser: an agent selects tickets (by keyboard
 * too), assigns them to an eligible colleague only, changes their status, merges them into one and
 * closes them, and reads each ticket's outcome, a ticket changed meanwhile plainly refused. The
 * service provider's staff acts across tenants, and a tenant its role may only read is refused per
 * ticket; a ticket it cannot see answers not found, naming nothing. A customer sees none of it.
 */

type Opened = { id: string; number: string; version: number };

describe('bulk actions on the queue (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let agent: Page;

  const open = async (page: Page, subject: string, extra: object = {}): Promise<Opened> => {
    const res = await apiIn(page, 'POST', '/api/v1/tickets', { subject, body: `${subject}.`, ...extra });
    assert.equal(res.status, 201, res.text);
    return JSON.parse(res.text) as Opened;
  };
  const row = (page: Page, number: string) => page.locator(`tr[data-ticket="${number}"]`);
  const bar = (page: Page) => page.getByRole('region', { name: /Bulk actions/ });
  const results = (page: Page) => page.getByRole('status').filter({ has: page.getByRole('heading', { name: 'Results' }) });

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    // A service-provider desk that reads every tenant but may change acme's tickets only.
    await server.admin('role.create', {
      tenant: 'northwind',
      slug: 'acme-desk',
      name: 'Acme desk',
      read: 'all',
      write: 'tenant:acme',
      permission: ['ticket.create', 'ticket.assign', 'ticket.note', 'ticket.reply', 'ticket.edit', 'ticket.status.*'],
    });
    await server.admin('contact.create', { tenant: 'northwind', kind: 'staff', email: 'desk@northwind.test', name: 'Acme desk', password: DEMO_PASSWORD, role: ['acme-desk'] });
    agent = (await signedIn(browser, server, 'acme.localhost', 'agent@acme.test')).page;
  });

  it('assigns a selection made with the keyboard, offering only people who may work the tickets', async () => {
    const [a, b] = [await open(agent, 'Bulk: monitor flickers'), await open(agent, 'Bulk: mouse is dead')];
    await agent.goto(server.url('acme.localhost', '/queue'));
    await row(agent, b.number).waitFor();
    await bar(agent).getByText('Select tickets with their checkboxes').waitFor();
    // Keyboard only: each checkbox takes focus and Space ticks it.
    await row(agent, a.number).getByRole('checkbox').focus();
    await agent.keyboard.press('Space');
    await row(agent, b.number).getByRole('checkbox', { name: `Select ${b.number} Bulk: mouse is dead` }).focus();
    await agent.keyboard.press('Space');
    await bar(agent).getByText('2 selected').waitFor();

    const assignee = bar(agent).getByLabel('Assign to');
    await assignee.locator('option', { hasText: 'Acme Corporation agent' }).waitFor({ state: 'attached' });
    const offered = await assignee.locator('option').allTextContents();
    assert.ok(!offered.some((name) => /customer/i.test(name)), `no customer is offered: ${offered.join(', ')}`);
    await assignee.selectOption({ label: 'Acme Corporation agent' });
    await screenshot(agent, 'queue-bulk-bar');
    await bar(agent).getByRole('button', { name: 'Apply to the selection (2)' }).click();
    await results(agent).getByText('2 changed, 0 not changed.').waitFor();
    await row(agent, a.number).getByText('Acme Corporation agent').waitFor();
    assert.equal(await row(agent, a.number).getByRole('checkbox').isChecked(), false, 'changed tickets are let go');
  });

  it('changes the status of a selection and refuses, plainly, a ticket someone changed after it was selected', async () => {
    const [a, b] = [await open(agent, 'Bulk: VPN drops'), await open(agent, 'Bulk: badge lost')];
    await agent.goto(server.url('acme.localhost', '/queue'));
    await row(agent, a.number).getByRole('checkbox').check();
    await row(agent, b.number).getByRole('checkbox').check();
    // A colleague changes b after it was selected.
    assert.equal((await apiIn(agent, 'PATCH', `/api/v1/tickets/${b.id}`, { version: b.version, status: 'pending' })).status, 200);
    await bar(agent).getByLabel('Action', { exact: true }).selectOption({ label: 'Change status' });
    await bar(agent).getByLabel('New status').selectOption({ label: 'Resolved' });
    await bar(agent).getByRole('button', { name: 'Apply to the selection (2)' }).click();
    await results(agent).getByText('1 changed, 1 not changed.').waitFor();
    const refused = results(agent).locator('li[data-result="CONFLICT"]');
    await refused.getByText('Not changed: someone changed this ticket after you selected it.').waitFor();
    assert.match((await refused.textContent()) ?? '', /Bulk: badge lost/);
    await results(agent).locator('li[data-result="ok"]', { hasText: 'Bulk: VPN drops' }).waitFor();
    await screenshot(agent, 'queue-bulk-results');
    assert.equal(await row(agent, b.number).getByRole('checkbox').isChecked(), true, 'the refused ticket stays selected');
    const after = JSON.parse((await apiIn(agent, 'GET', `/api/v1/tickets/${b.id}`)).text) as { status: string };
    assert.equal(after.status, 'pending', 'the refused ticket keeps the colleague’s change');
    await bar(agent).getByRole('button', { name: 'Clear selection' }).click();
    await bar(agent).getByText('0 selected').waitFor();
  });

  it('merges a selection into one of its tickets, and closes another selection', async () => {
    const [target, a, c] = [await open(agent, 'Bulk: printer A'), await open(agent, 'Bulk: printer B'), await open(agent, 'Bulk: close me')];
    await agent.goto(server.url('acme.localhost', '/queue'));
    await row(agent, target.number).getByRole('checkbox').check();
    await row(agent, a.number).getByRole('checkbox').check();
    await bar(agent).getByLabel('Action', { exact: true }).selectOption({ label: 'Merge into one' });
    await bar(agent).getByLabel('Merge into').selectOption({ label: `${target.number} · Bulk: printer A` });
    await bar(agent).getByRole('button', { name: 'Apply to the selection (2)' }).click();
    // The target itself is reported as not merged into itself; the other is merged.
    await results(agent).getByText('1 changed, 1 not changed.').waitFor();
    await results(agent).locator('li[data-result="ok"]', { hasText: 'Bulk: printer B' }).waitFor();
    const merged = JSON.parse((await apiIn(agent, 'GET', `/api/v1/tickets/${a.id}`)).text) as { mergedIntoId: string };
    assert.equal(merged.mergedIntoId, target.id);

    await bar(agent).getByRole('button', { name: 'Clear selection' }).click();
    await row(agent, c.number).getByRole('checkbox').check();
    await bar(agent).getByLabel('Action', { exact: true }).selectOption({ label: 'Close' });
    await bar(agent).getByRole('button', { name: 'Apply to the selection (1)' }).click();
    await results(agent).getByText('1 changed, 0 not changed.').waitFor();
    await row(agent, c.number).locator('.badge-closed').waitFor();
  });

  it('selects every ticket shown with one checkbox, and clears them', async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    await agent.locator('tr[data-ticket]').first().waitFor();
    await agent.getByRole('checkbox', { name: 'Select every ticket shown' }).check();
    const shown = await agent.locator('tbody tr[data-ticket]').count();
    await bar(agent).getByText(`${shown} selected`).waitFor();
    await agent.getByRole('checkbox', { name: 'Select every ticket shown' }).uncheck();
    await bar(agent).getByText('0 selected').waitFor();
  });

  it("lets the service provider's agent assign tickets of two tenants to someone eligible for both", async () => {
    const { page: sp, context } = await signedIn(browser, server, 'desk.localhost', 'agent@northwind.test');
    const [acme, globex] = [await open(sp, 'Bulk: acme router', { tenantId: await tenantId(sp, 'acme') }), await open(sp, 'Bulk: globex router', { tenantId: await tenantId(sp, 'globex') })];
    await sp.goto(server.url('desk.localhost', '/queue'));
    await row(sp, acme.number).getByRole('checkbox').check();
    await row(sp, globex.number).getByRole('checkbox').check();
    const assignee = bar(sp).getByLabel('Assign to');
    await assignee.locator('option', { hasText: 'Northwind Services agent' }).waitFor({ state: 'attached' });
    const offered = await assignee.locator('option').allTextContents();
    assert.ok(!offered.includes('Acme Corporation agent') && !offered.includes('Globex agent'), `only people who work both tenants: ${offered.join(', ')}`);
    await assignee.selectOption({ label: 'Northwind Services agent' });
    await bar(sp).getByRole('button', { name: 'Apply to the selection (2)' }).click();
    await results(sp).getByText('2 changed, 0 not changed.').waitFor();
    await context.close();
  });

  it('lets the service provider act across tenants, refusing per ticket a tenant it may only read, and one it cannot see', async () => {
    const { page: sp, context } = await signedIn(browser, server, 'desk.localhost', 'desk@northwind.test');
    const acmeTicket = await open(sp, 'Bulk: acme switch', { tenantId: await tenantId(sp, 'acme') });
    await sp.goto(server.url('desk.localhost', '/queue'));
    const globexRow = sp.locator('tr[data-ticket^="GLOBEX-"]').first();
    await globexRow.waitFor();
    const globexNumber = (await globexRow.getAttribute('data-ticket'))!;
    const globexLink = globexRow.getByRole('link');
    const [globexId, globexSubject] = [(await globexLink.getAttribute('href'))!.split('/').pop()!, (await globexLink.textContent())!];
    await row(sp, acmeTicket.number).getByRole('checkbox').check();
    await globexRow.getByRole('checkbox').check();
    await bar(sp).getByLabel('Action', { exact: true }).selectOption({ label: 'Close' });
    await bar(sp).getByRole('button', { name: 'Apply to the selection (2)' }).click();
    await results(sp).getByText('1 changed, 1 not changed.').waitFor();
    await results(sp).locator('li[data-result="ok"]', { hasText: 'Bulk: acme switch' }).waitFor();
    await results(sp).locator('li[data-result="TENANT_ACCESS_DENIED"]', { hasText: globexNumber }).getByText('may read this tenant’s tickets but not change them').waitFor();
    await screenshot(sp, 'sp-queue-bulk-results');
    await context.close();


    // An acme agent naming that globex ticket gets "not found" for it, and nothing about it.
    const unseen = await apiIn(agent, 'POST', '/api/v1/tickets/bulk', { tickets: [{ id: globexId, version: 1 }], action: 'close' });
    const answer = JSON.parse(unseen.text) as { results: { id: string; ok: boolean; error: { code: string } }[] };
    assert.deepEqual(answer.results.map((r) => [r.ok, r.error.code]), [[false, 'NOT_FOUND']]);
    assert.doesNotMatch(unseen.text, new RegExp(`${globexNumber}|${globexSubject}|globex`, 'i'));
  });

  it('shows a customer no selection, no bulk bar, and refuses the bulk call', async () => {
    const { page: customer, context } = await signedIn(browser, server, 'acme.localhost', 'customer@acme.test');
    await customer.goto(server.url('acme.localhost', '/queue'));
    await customer.waitForURL(/\/tickets$/);
    await customer.getByRole('link', { name: 'The printer on floor 2 jams' }).waitFor();
    assert.equal(await customer.getByRole('checkbox').count(), 0);
    assert.equal(await customer.getByText('Bulk actions').count(), 0);
    expectTrouble(customer, /^403 POST \/api\/v1\/tickets\/bulk$/);
    const refused = await apiIn(customer, 'POST', '/api/v1/tickets/bulk', { tickets: [{ id: '00000000-0000-4000-8000-000000000000', version: 1 }], action: 'close' });
    assert.equal(refused.status, 403);
    await context.close();
  });
});

async function tenantId(page: Page, slug: string): Promise<number> {
  const tenants = JSON.parse((await apiIn(page, 'GET', '/api/v1/me/tenants')).text) as { tenants: { id: number; slug: string }[] };
  return tenants.tenants.find((t) => t.slug === slug)!.id;
}

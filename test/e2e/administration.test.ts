import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { demoAndBrowser, expectTrouble, screenshot, signedIn, SIGNED_OUT, type DemoServer } from './harness.ts';

/*
 * The administration screens in a real browser: a tenant administrator of acme adds a category
 * and a mailbox and changes the branding (the page takes the new colour at once); the service
 * provider's administrator creates a tenant, suspends it (its address then refuses sign-in with a
 * clear message) and reads the multi-tenancy state.
 */

const topbarColour = (page: import('playwright-core').Page) => page.locator('header.topbar').evaluate((el) => getComputedStyle(el).backgroundColor);

describe('administration screens (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme administrator', password: DEMO_PASSWORD, role: ['tenant-admin'] });
  });

  it('builds a role’s data partition from rows, stores it as written, and the role sees only matching tickets', async () => {
    const { page } = await signedIn(browser, server, 'acme.localhost', 'admin@acme.test');
    const api = (path: string, init?: { method: string; body: unknown }) =>
      page.evaluate(
        async ([path, init]) => {
          const res = await fetch(path, init ? { method: init.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) } : {});
          return { status: res.status, json: await res.json() };
        },
        [path, init] as const,
      );
    const tickets = (await api('/api/v1/tickets')).json as { items: { id: string; subject: string; version: number }[] };
    const pending = tickets.items[0]!;
    assert.ok(tickets.items.length > 1, 'the demo has several acme tickets');
    assert.equal((await api(`/api/v1/tickets/${pending.id}`, { method: 'PATCH', body: { status: 'pending', version: pending.version } })).status, 200);

    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Roles' }).click();
    const form = page.locator('form').filter({ has: page.getByRole('heading', { name: 'Add', exact: true }) });
    await form.getByLabel('Identifier').fill('pending-desk');
    await form.getByLabel('Name', { exact: true }).fill('Pending desk');
    await form.getByLabel('Permissions').fill('ticket.edit, ticket.reply, ticket.note, ticket.assign');
    await form.getByRole('button', { name: 'Add a partition' }).click();
    const partition = form.getByRole('group', { name: 'Partition 1' });
    await partition.getByLabel('Field').fill('colour');
    await partition.getByLabel('Value').fill('pending');
    await partition.getByRole('button', { name: 'Add a condition (or)' }).click();
    await partition.getByLabel('Field').nth(1).fill('requester_id');
    await partition.getByLabel('Value').nth(1).fill('@me');
    expectTrouble(page, /^400 POST \/api\/v1\/roles$/);
    await form.getByRole('button', { name: 'Create' }).click();
    await partition.getByRole('listitem').first().getByRole('alert').getByText('This condition names a field the object does not have. A ticket has no field "colour".').waitFor();
    await screenshot(page, 'admin-role-partitions');
    await partition.getByLabel('Field').first().fill('status');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.locator('tr').filter({ hasText: 'Pending desk' }).getByText('ticket: status = pending | requester_id = @me').waitFor();

    const stored = [{ type: 'ticket', any: [{ field: 'status', op: '=', value: 'pending' }, { field: 'requester_id', op: '=', value: '@me' }] }];
    const storedRole = async () => ((await api('/api/v1/roles')).json as { roles: { slug: string; partitions: unknown }[] }).roles.find((r) => r.slug === 'pending-desk')!;
    assert.deepEqual((await storedRole()).partitions, stored);
    // Loaded into the editor and saved unchanged, the partition is stored exactly as before.
    await page.getByRole('row').filter({ hasText: 'Pending desk' }).getByRole('button', { name: 'Edit Pending desk' }).click();
    await page.getByRole('form', { name: 'Edit Pending desk' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('form', { name: 'Edit Pending desk' }).waitFor({ state: 'detached' });
    assert.deepEqual((await storedRole()).partitions, stored);

    await server.admin('contact.create', { tenant: 'acme', kind: 'agent', email: 'pending@acme.test', name: 'Pending agent', password: DEMO_PASSWORD, role: ['pending-desk'] });
    const { page: agent } = await signedIn(browser, server, 'acme.localhost', 'pending@acme.test');
    const seen = await agent.evaluate(async () => ((await (await fetch('/api/v1/tickets')).json()) as { items: { id: string }[] }).items.map((t) => t.id));
    assert.deepEqual(seen, [pending.id]);
    await agent.getByRole('link', { name: pending.subject }).waitFor();
    const other = tickets.items.find((t) => t.subject !== pending.subject)!;
    assert.equal(await agent.getByRole('link', { name: other.subject }).count(), 0);
  });

  it('lets a tenant administrator add a category and a mailbox, and rebrand the help desk', async () => {
    const { page, context } = await signedIn(browser, server, 'acme.localhost', 'admin@acme.test');
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Categories' }).click();
    await page.getByRole('heading', { name: 'Categories' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Printers');
    await page.getByRole('button', { name: 'Create' }).click();
    const row = page.locator('.config-list li').filter({ hasText: 'Printers' });
    await row.waitFor();
    assert.equal(await row.locator('.tag').textContent(), 'acme');

    await page.getByRole('link', { name: 'Email' }).click();
    await page.getByLabel('Address').fill('help@acme.test');
    await page.getByLabel('Display name').fill('Acme help desk');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('.config-list li').filter({ hasText: 'help@acme.test' }).waitFor();
    await screenshot(page, 'admin-email');

    await page.getByRole('link', { name: 'Mail templates' }).click();
    const assignment = page.locator('.config-list li').filter({ hasText: 'Assignment' });
    await assignment.getByText('Default', { exact: true }).waitFor();
    await assignment.getByRole('button', { name: 'Edit Assignment' }).click();
    await page.getByLabel('Subject').fill('Yours now: {{ticket.number}}');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.mail-preview figcaption').getByText('Yours now: DEMO-000042').waitFor();
    // Drawn with the mail's own inline styles, which the page's policy would refuse as attributes.
    const mail = page.getByRole('document', { name: 'Preview' });
    assert.equal(await mail.locator('td').first().evaluate((td) => getComputedStyle(td).paddingTop), '24px');
    await page.getByRole('button', { name: 'Save' }).click();
    await assignment.getByText('Own template').waitFor();
    await screenshot(page, 'admin-mail-templates');
    page.once('dialog', (dialog) => void dialog.accept());
    await assignment.getByRole('button', { name: 'Reset Assignment to the default' }).click();
    await assignment.getByText('Default', { exact: true }).waitFor();

    await page.getByRole('link', { name: 'Roles' }).click();
    await page.locator('tr').filter({ hasText: 'sp-admin' }).getByText('Public — read-only for your role').waitFor();
    await screenshot(page, 'admin-roles');

    await page.getByRole('link', { name: 'Branding' }).click();
    const before = await topbarColour(page);
    const colour = page.getByRole('textbox', { name: 'Brand colour' });
    await colour.fill('#ffee00');
    expectTrouble(page, /^400 PATCH \/api\/v1\/tenant\/branding$/);
    await page.getByText(/Too light/).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText(/contrast of 1\.\d:1/).waitFor();
    assert.equal(await topbarColour(page), before, 'a refused colour changes nothing');
    await colour.fill('#0b5394');
    await page.getByLabel('Name shown').fill('Acme Group');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved: every page of this help desk now shows it.').waitFor();
    await page.waitForFunction(() => getComputedStyle(document.querySelector('header.topbar')!).backgroundColor === 'rgb(11, 83, 148)');
    assert.equal(await page.locator('.topbar .brand-name').first().textContent(), 'Acme Group');
    await screenshot(page, 'admin-branding');
    await context.close();
  });

  it('lets the service provider create a tenant, suspend it, and read the multi-tenancy state', async () => {
    const { page, context } = await signedIn(browser, server, 'desk.localhost', 'admin@northwind.test');
    await page.goto(server.url('desk.localhost', '/admin/tenants'));
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    await page.locator('tr[data-tenant="acme-eu"]').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Initech');
    await page.getByLabel('Identifier (slug)').fill('initech');
    await page.getByLabel('Host names').fill('initech.localhost');
    await page.getByLabel('Pool (shared database)').check();
    await page.getByLabel('Copy the configuration of').selectOption('acme');
    await page.getByRole('button', { name: 'Create' }).click();
    const initech = page.locator('tr[data-tenant="initech"]');
    await initech.waitFor();
    await page.getByText('Tenant Initech created.').waitFor();
    await screenshot(page, 'sp-tenants');

    // The new host answers at once, with its own name.
    const visitor = await browser.newContext({ locale: 'en-GB' });
    const home = await visitor.newPage();
    // A visitor is signed out; once the tenant is suspended, its host refuses who-am-I and the tenant's details.
    expectTrouble(home, SIGNED_OUT, /^403 GET \/api\/v1\/(me|tenant)$/);
    await home.goto(server.url('initech.localhost'));
    await home.getByRole('heading', { name: 'Sign in to Initech' }).waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await initech.getByRole('button', { name: 'Suspend Initech' }).click();
    await initech.getByText('Suspended').waitFor();
    await home.reload();
    await home.getByRole('alert').getByText('This help desk is not available at the moment.').waitFor();
    assert.equal(await home.getByLabel('Password').count(), 0, 'no sign-in form');
    await screenshot(home, 'tenant-suspended');
    await visitor.close();

    await page.getByRole('link', { name: 'Multi-tenancy state' }).click();
    await page.getByRole('heading', { name: 'Multi-tenancy state' }).waitFor();
    const pool = page.locator('tr[data-shard="pool"]');
    await pool.getByText('initech', { exact: true }).waitFor();
    assert.match((await page.locator('dl.facts').textContent()) ?? '', /On: every tenancy rule is enforced/);
    await page.getByText('No tenant is being moved.').waitFor();
    await screenshot(page, 'sp-multi-tenancy');

    await page.getByRole('link', { name: 'Tenant groups' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Europe');
    await page.getByLabel('Identifier (slug)').fill('europe');
    await page.getByLabel('Acme Europe').check();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('.config-list li').filter({ hasText: 'europe' }).getByText('acme-eu').waitFor();
    await screenshot(page, 'sp-tenant-groups');

    // Initech started from acme's configuration, including the category acme's administrator added above.
    await page.goto(server.url('desk.localhost', '/admin/categories'));
    const initechCategories = page.locator('.config-list li').filter({ has: page.locator('.tag', { hasText: /^initech$/ }) });
    await initechCategories.filter({ hasText: 'Printers' }).waitFor();
    await page.goto(server.url('desk.localhost', '/admin/departments'));
    const initechDepartments = page.locator('.config-list li').filter({ has: page.locator('.tag', { hasText: /^initech$/ }) });
    await initechDepartments.filter({ hasText: 'Support' }).waitFor();
    await initechDepartments.filter({ hasText: 'Sales' }).waitFor();
    assert.equal(await initechDepartments.count(), 2);
    await context.close();
  });
});

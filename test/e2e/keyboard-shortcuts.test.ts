import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { fr } from '../../web/src/i18n/messages.ts';
import { apiIn, demoAndBrowser, screenshot, signedIn, type DemoServer } from './harness.ts';

/*
 * Issue 21, keyboard shortcuts in a real browser: j and k move along the queue and Enter opens a
 * ticket; on the ticket a assigns it to the agent, r and n start a reply or a note, j and k go on
 * to the queue's next ticket; none fires while typing in a field; ? opens a help dialog that keeps
 * focus inside, closes with Escape and gives focus back, in English and French. A customer has none.
 */

describe('keyboard shortcuts (browser)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let browser: Browser;
  let agent: Page;
  /** The queue's subjects in the order shown, as the first test reads them. */
  let subjects: string[] = [];
  const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? '');
  const help = (page: Page, name = 'Keyboard shortcuts') => page.getByRole('dialog', { name });

  demoAndBrowser(async (s, b) => {
    [server, browser] = [s, b];
    agent = (await signedIn(browser, server, 'acme.localhost', 'agent@acme.test')).page;
    // A third acme ticket, so the queue has a middle.
    assert.equal((await apiIn(agent, 'POST', '/api/v1/tickets', { subject: 'Keys: projector is blurry', body: 'In room 4.' })).status, 201);
  });

  it('moves along the queue with j and k, and opens the chosen ticket with Enter', async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    const rows = agent.locator('tbody tr[data-ticket]');
    await rows.nth(2).waitFor();
    subjects = await rows.locator('td[data-label="Subject"] a').allTextContents();
    await agent.keyboard.press('j');
    await agent.locator('tr[aria-current="true"]', { hasText: subjects[0]! }).waitFor();
    await agent.keyboard.press('j');
    await agent.keyboard.press('j');
    await agent.keyboard.press('k');
    await agent.locator('tr[aria-current="true"]', { hasText: subjects[1]! }).waitFor();
    assert.equal(await focusedText(agent), subjects[1], 'the chosen row’s link has focus, so a screen reader names it');
    // Typing in the search box is typing, not moving.
    await agent.getByRole('searchbox').fill('jk');
    await agent.locator('tr[aria-current="true"]', { hasText: subjects[1]! }).waitFor();
    await agent.locator('tr[aria-current="true"] a').focus();
    await agent.keyboard.press('Enter');
    await agent.getByRole('heading', { level: 1, name: subjects[1]! }).waitFor();
  });

  it('assigns with a, starts a note with n and a reply with r, never while typing, and goes on with j and k', async () => {
    const composer = agent.locator('form.composer');
    const text = composer.locator('textarea[name="body"]');
    await agent.getByRole('button', { name: 'Assign to me' }).waitFor();
    await agent.keyboard.press('a');
    await agent.getByRole('button', { name: 'Assign to me' }).waitFor({ state: 'detached' });
    assert.equal(await agent.getByLabel('Assignee').locator('option:checked').textContent(), 'Acme Corporation agent');

    await agent.keyboard.press('n');
    assert.equal(await composer.getByRole('radio', { name: 'Internal note' }).isChecked(), true);
    assert.equal(await text.evaluate((el) => el === document.activeElement), true, 'the note box has focus');
    assert.equal(await text.inputValue(), '', 'the key itself is not typed');
    await agent.keyboard.type('jk are letters here, ra too');
    assert.equal(await text.inputValue(), 'jk are letters here, ra too');
    await agent.getByRole('heading', { level: 1, name: subjects[1]! }).waitFor();

    await agent.getByRole('heading', { level: 1 }).click();
    await agent.keyboard.press('r');
    assert.equal(await composer.getByRole('radio', { name: 'Reply to the customer' }).isChecked(), true);
    assert.equal(await text.evaluate((el) => el === document.activeElement), true, 'the reply box has focus');

    await agent.getByRole('heading', { level: 1 }).click();
    await agent.keyboard.press('j');
    await agent.getByRole('heading', { level: 1, name: subjects[2]! }).waitFor();
    await agent.keyboard.press('k');
    // A person presses again once the next ticket shows; a key pressed while it loads counts from the page before.
    await agent.getByRole('heading', { level: 1, name: subjects[1]! }).waitFor();
    await agent.keyboard.press('k');
    await agent.getByRole('heading', { level: 1, name: subjects[0]! }).waitFor();
  });

  it('opens the help with ?, keeps focus inside, closes with Escape and gives focus back', async () => {
    await agent.goto(server.url('acme.localhost', '/queue'));
    await agent.locator('tbody tr[data-ticket]').first().waitFor();
    const opener = agent.getByRole('button', { name: 'Press ? for keyboard shortcuts' });
    await opener.focus();
    await agent.keyboard.press('?');
    await help(agent).waitFor();
    await help(agent).getByText('Assign the ticket to me').waitFor();
    // A modal dialog sits in the middle of the window, not pinned to its left edge.
    const box = (await help(agent).boundingBox())!;
    const width = agent.viewportSize()!.width;
    assert.ok(Math.abs(box.x + box.width / 2 - width / 2) < 2, `the help is centred (x ${box.x}, width ${box.width}, window ${width})`);
    assert.equal(await focusedText(agent), 'Close');
    for (let i = 0; i < 3; i++) await agent.keyboard.press('Tab');
    assert.equal(await agent.evaluate(() => document.activeElement?.closest('dialog') !== null), true, 'Tab stays in the dialog');
    await agent.keyboard.press('Shift+Tab');
    assert.equal(await agent.evaluate(() => document.activeElement?.closest('dialog') !== null), true);
    // The shortcuts of the page do not fire behind the dialog.
    await agent.keyboard.press('j');
    assert.equal(await agent.locator('tr[aria-current="true"]').count(), 0);
    await screenshot(agent, 'keyboard-shortcuts-help');
    await agent.keyboard.press('Escape');
    await help(agent).waitFor({ state: 'hidden' });
    assert.equal(await focusedText(agent), 'Press ? for keyboard shortcuts', 'focus is back where it was');

    await agent.evaluate(() => localStorage.setItem('tenantdesk.language', 'fr'));
    await agent.reload();
    await agent.locator('tbody tr[data-ticket]').first().waitFor();
    await agent.keyboard.press('?');
    await help(agent, fr['keys.title']).getByText(fr['keys.next']).first().waitFor();
    await help(agent, fr['keys.title']).getByText(fr['keys.notWhileTyping']).waitFor();
    await help(agent, fr['keys.title']).getByRole('button', { name: fr['keys.close'] }).click();
    await help(agent, fr['keys.title']).waitFor({ state: 'hidden' });
    await agent.evaluate(() => localStorage.setItem('tenantdesk.language', 'en'));
  });

  it('gives a customer no shortcuts and no help', async () => {
    const { page: customer, context } = await signedIn(browser, server, 'acme.localhost', 'customer@acme.test');
    await customer.getByRole('link', { name: 'The printer on floor 2 jams' }).click();
    await customer.getByRole('heading', { level: 1, name: 'The printer on floor 2 jams' }).waitFor();
    await customer.keyboard.press('?');
    await customer.keyboard.press('n');
    assert.equal(await customer.getByRole('dialog').count(), 0);
    assert.equal(await customer.getByText('keyboard shortcuts').count(), 0);
    assert.equal(await customer.getByLabel('Internal note').count(), 0);
    assert.equal(await customer.locator('textarea[name="body"]').evaluate((el) => el === document.activeElement), false);
    await context.close();
  });
});

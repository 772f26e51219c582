import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page, Response } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { DEFAULT_WEB_ROOT } from '../../src/http/plugins/web-app.ts';
import { launchChromium } from '../e2e/harness.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { demoDeskApp, multipartBody, type Caller } from '../support/desk-app.ts';
import { startCanary, type Canary } from './canary.ts';
import { chunked, JS, xssCorpus } from './xss-corpus.ts';

/*
 * Tickets carrying the XSS corpus (subjects, the customer's first message, agent replies, internal
 * notes, the requester's name, attached files), opened in a real Chromium as the agent and as the
 * customer: no script runs, no dialog opens, the page goes nowhere and asks nothing of any URL in
 * the corpus. Each view is opened twice: as served (under its Content-Security-Policy) and with the
 * policy bypassed, so the sanitiser and React's escaping are shown to hold on their own too. The
 * app runs in this process (the demo data, the built front end) on a loopback port.
 */

const HOST = 'acme.localhost';
const EVIL_EMAIL = 'evil@acme.test';

/** What must never appear inside a rendered message body (the only place stored HTML is drawn). */
const ACTIVE_IN_BODIES = ['script', 'iframe', 'object', 'embed', 'svg', 'math', 'form', 'input', 'button', 'base', 'meta', 'link', 'style', '[onerror]', '[onload]', '[style]', '[srcset]', 'a[href^="javascript" i]', 'a[href^="data" i]']
  .map((s) => `.entry-body ${s}`)
  .join(', ');
type Seen = { dialogs: string[]; foreign: string[]; navigations: string[] };

/** The sources a CSP directive allows, or undefined when the directive is absent. */
function directive(policy: string, name: string): string[] | undefined {
  const found = policy.split(';').map((d) => d.trim().split(/\s+/)).find(([n]) => n === name);
  return found?.slice(1);
}

function assertNoInlineScript(response: Response | null, label: string): void {
  const policy = response?.headers()['content-security-policy'] ?? '';
  const scripts = directive(policy, 'script-src') ?? directive(policy, 'default-src');
  assert.deepEqual(scripts, ["'self'"], `${label}: scripts from this origin only, no 'unsafe-inline' (${policy})`);
  assert.deepEqual(directive(policy, 'base-uri'), ["'none'"], `${label}: no <base> re-basing`);
  assert.deepEqual(directive(policy, 'object-src'), ["'none'"], `${label}: no plugins`);
  assert.ok(directive(policy, 'form-action')?.every((s) => s === "'self'"), `${label}: forms post here only`);
}

describe('the XSS corpus in the web pages (browser)', { timeout: 300_000 }, () => {
  let fresh: FreshDatabase;
  let app: FastifyInstance;
  let dataDir: string;
  let origin: string;
  let browser: Browser;
  let canary: Canary;
  let corpus: string[];
  let subjects: string[];
  const ticketIds: string[] = [];
  const files: { name: string; id: string }[] = [];
  const cookies: Record<string, string> = {};
  let evilName = '';

  /** An API caller for the demo login `email`, and its session cookie kept for the browser. */
  async function session(desk: Awaited<ReturnType<typeof demoDeskApp>>, email: string): Promise<Caller> {
    const login = await desk.call({ method: 'POST', url: '/api/v1/auth/login', host: HOST, body: { email, password: DEMO_PASSWORD } });
    assert.equal(login.statusCode, 200, login.body);
    cookies[email] = login.cookies.find((c) => c.name === 'td_session')!.value;
    return desk.as(email);
  }

  /** The corpus everywhere text goes: the requester's name, subjects, bodies, replies, a note, files. */
  async function seed(desk: Awaited<ReturnType<typeof demoDeskApp>>): Promise<void> {
    const admin = await desk.as('admin@northwind.test');
    const created = await admin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'customer', email: EVIL_EMAIL, name: evilName, password: DEMO_PASSWORD, roles: ['customer'] } });
    assert.equal(created.statusCode, 201, created.body);
    const customer = await session(desk, EVIL_EMAIL);
    for (const subject of subjects) {
      const res = await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject, body: corpus.join('\n') } });
      assert.equal(res.statusCode, 201, res.body);
      ticketIds.push(res.json().id as string);
    }
    const first = ticketIds[0]!;
    const entryId = ((await customer({ url: `/api/v1/tickets/${first}/thread` })).json().entries as { id: string; kind: string }[]).find((e) => e.kind === 'reply')!.id;
    for (const [name, type, content] of [
      ['evil.html', 'text/html', `<html><body><script>${JS}</script><img src="${canary.origin}/file-html"></body></html>`],
      ['evil.svg', 'image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg" onload="${JS}"><image href="${canary.origin}/file-svg"/></svg>`],
    ] as const) {
      const { body, headers } = multipartBody('file', name, type, Buffer.from(content));
      const res = await customer({ method: 'POST', url: `/api/v1/tickets/${first}/entries/${entryId}/attachments`, body, headers });
      assert.equal(res.statusCode, 201, res.body);
      files.push({ name, id: res.json().id as string });
    }
    const agent = await session(desk, 'agent@acme.test');
    for (const payload of corpus) {
      const reply = await agent({ method: 'POST', url: `/api/v1/tickets/${first}/replies`, body: { body: payload } });
      assert.ok(reply.statusCode === 201 || reply.statusCode === 400, reply.body);
    }
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${first}/notes`, body: { body: corpus.join('\n') } })).statusCode, 201);
  }

  before(async () => {
    [fresh, browser, canary] = await Promise.all([freshDatabase('pglite'), launchChromium(), startCanary()]);
    corpus = xssCorpus(canary.origin);
    subjects = chunked(corpus, 500);
    evilName = chunked(corpus, 200)[0]!;
    dataDir = mkdtempSync(join(tmpdir(), 'td-xss-browser-'));
    const desk = await demoDeskApp(fresh.database, { webRoot: DEFAULT_WEB_ROOT, attachments: { dataDir, maxBytes: 64 * 1024 }, identity: { publicScheme: 'http' } });
    app = desk.app;
    await seed(desk);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    origin = `http://${HOST}:${port}`;
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await fresh?.drop();
    await canary?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh page signed in as `email`, every dialog, foreign request and navigation recorded. */
  async function watchedPage(email: string, bypassCSP: boolean): Promise<{ page: Page; seen: Seen; close(): Promise<void> }> {
    const context = await browser.newContext({ bypassCSP, locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: 'td_session', value: cookies[email]!, domain: HOST, path: '/' }]);
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const seen: Seen = { dialogs: [], foreign: [], navigations: [] };
    page.on('dialog', (dialog) => {
      seen.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    context.on('request', (request) => {
      if (!request.url().startsWith(`${origin}/`)) seen.foreign.push(request.url());
    });
    page.on('framenavigated', (frame) => seen.navigations.push(frame.url()));
    return { page, seen, close: () => context.close() };
  }

  /** After the page had a moment to fire handlers, timers and refreshes: nothing ran, nothing left. */
  async function assertInert(page: Page, seen: Seen, label: string): Promise<void> {
    await page.waitForTimeout(750);
    assert.deepEqual(seen.dialogs, [], `${label}: a dialog opened`);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined, `${label}: a payload set its flag`);
    assert.deepEqual(seen.foreign, [], `${label}: requests outside the app's origin`);
    assert.deepEqual(seen.navigations.filter((url) => !url.startsWith(`${origin}/`)), [], `${label}: a frame went elsewhere`);
    assert.deepEqual(canary.requests, [], `${label}: the canary was asked for something`);
  }

  for (const bypassCSP of [false, true]) {
    const mode = bypassCSP ? 'with the CSP bypassed' : 'under the page CSP';

    it(`shows the agent the queue and the ticket as text, ${mode}`, async () => {
      const { page, seen, close } = await watchedPage('agent@acme.test', bypassCSP);
      const queue = await page.goto(`${origin}/queue`);
      if (!bypassCSP) assertNoInlineScript(queue, 'queue');
      await page.getByRole('heading', { name: 'Queue' }).waitFor();
      await page.getByRole('button', { name: 'Unassigned' }).click();
      await page.getByRole('link', { name: subjects[1]! }).waitFor();
      await assertInert(page, seen, `agent queue ${mode}`);

      const ticket = await page.goto(`${origin}/tickets/${ticketIds[0]}`);
      if (!bypassCSP) assertNoInlineScript(ticket, 'ticket');
      await page.locator('.entry-note').first().waitFor();
      assert.equal(await page.locator('h1').textContent(), subjects[0], 'the subject is shown as the text it is');
      assert.ok((await page.locator('.entry-reply').count()) > corpus.length / 2, 'the replies are there');
      assert.match((await page.locator('main').textContent()) ?? '', /<script>window\.__xss=1,alert\(1\)<\/script>/, 'escaped markup reads as text');
      assert.equal(await page.locator(ACTIVE_IN_BODIES).count(), 0, 'no active element, handler, style or script link was rendered');
      await assertInert(page, seen, `agent ticket ${mode}`);
      await close();
    });

    it(`shows the customer the portal and the ticket as text, ${mode}`, async () => {
      const { page, seen, close } = await watchedPage(EVIL_EMAIL, bypassCSP);
      const list = await page.goto(`${origin}/tickets`);
      if (!bypassCSP) assertNoInlineScript(list, 'portal');
      await page.getByRole('heading', { name: 'My tickets' }).waitFor();
      assert.match((await page.locator('header').textContent()) ?? '', new RegExp(evilName.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the name is shown as text');
      await assertInert(page, seen, `portal list ${mode}`);

      await page.goto(`${origin}/tickets/${ticketIds[0]}`);
      await page.locator('.entry-reply').nth(2).waitFor();
      assert.equal(await page.locator('.entry-note').count(), 0, 'notes stay internal');
      assert.equal(await page.locator(ACTIVE_IN_BODIES).count(), 0, 'no active element, handler, style or script link was rendered');
      await assertInert(page, seen, `portal ticket ${mode}`);
      await close();
    });
  }

  it('downloads uploaded HTML and SVG files instead of rendering them', async () => {
    const { page, seen, close } = await watchedPage(EVIL_EMAIL, false);
    await page.goto(`${origin}/tickets`);
    for (const file of files) {
      const download = page.waitForEvent('download');
      await page.goto(`${origin}/api/v1/attachments/${file.id}`).catch(() => undefined);
      assert.equal((await download).suggestedFilename(), file.name);
    }
    assert.equal(new URL(page.url()).pathname, '/tickets', 'the page stayed where it was');
    await assertInert(page, seen, 'downloads');
    await close();
  });
});

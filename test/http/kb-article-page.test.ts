import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/**
 * `/kb/:slug` answers with the article's title, description and canonical address in its HTML
 * for public articles only (issue 22), fetched over plain HTTP as a search engine would: no
 * script runs, no cookie is sent.
 */
forEachDatabase('the knowledge base’s article pages', (db) => {
  let desk: Awaited<ReturnType<typeof demoDeskApp>>;
  let port: number;
  const webRoot = mkdtempSync(join(tmpdir(), 'td-web-'));
  const slugs = new Map<string, string>();

  /** The page's HTML as a plain HTTP client gets it at `host`. */
  const page = (host: string, path: string) =>
    new Promise<{ status: number; html: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
        let html = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (html += chunk)).on('end', () => resolve({ status: res.statusCode!, html }));
      }).on('error', reject).end();
    });
  const head = (html: string) => html.slice(0, html.indexOf('</head>'));

  before(async () => {
    copyFileSync(join('web', 'index.html'), join(webRoot, 'index.html'));
    desk = await demoDeskApp(db(), { webRoot: `${webRoot}/` });
    await desk.app.listen({ host: '127.0.0.1', port: 0 });
    port = (desk.app.server.address() as AddressInfo).port;
    const spAdmin = await desk.as('admin@northwind.test');
    await spAdmin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme admin', password: DEMO_PASSWORD, roles: ['tenant-admin'] } });
    const acmeAdmin = await desk.as('admin@acme.test');
    const write = async (who: Caller, key: string, body: Record<string, unknown>) => {
      const res = await who({ method: 'POST', url: '/api/v1/kb/articles', body: { status: 'published', ...body } });
      assert.equal(res.statusCode, 201, res.body);
      slugs.set(key, res.json().slug);
    };
    await write(acmeAdmin, 'public', { title: 'Connecting to the <Acme> VPN & Wi-Fi', summary: 'Install the client, then sign in with your "Acme" account.', body: '<p>Step one.</p>', visibility: 'public' });
    await write(acmeAdmin, 'long', { title: 'Printer setup', body: `<p>${'Printers need drivers. '.repeat(20)}</p>`, visibility: 'public' });
    await write(acmeAdmin, 'customers', { title: 'Acme payroll calendar', body: '<p>Customers only.</p>', visibility: 'customers' });
    await write(acmeAdmin, 'agents', { title: 'Acme server room badge list', body: '<p>Internal.</p>', visibility: 'agents' });
    await write(acmeAdmin, 'draft', { title: 'Acme unreleased product', body: '<p>Soon.</p>', visibility: 'public', status: 'draft' });
    await write(spAdmin, 'globex', { tenantId: desk.catalog.snapshot().bySlug.get('globex')!.id, title: 'Globex merger plans', body: '<p>Globex only.</p>', visibility: 'public' });
    await write(spAdmin, 'sp', { tenantId: null, title: 'Resetting your password', summary: 'Choose “Forgot password” on the sign-in page.', body: '<p>x</p>', visibility: 'public' });
  });
  after(async () => {
    await desk?.app.close();
    await desk?.shards.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('puts a public article’s title, description and canonical address in the HTML, escaped', async () => {
    const { status, html } = await page('acme.localhost', `/kb/${slugs.get('public')}`);
    assert.equal(status, 200);
    assert.match(head(html), /<title>Connecting to the &lt;Acme&gt; VPN &amp; Wi-Fi<\/title>/);
    assert.match(head(html), /<meta name="description" content="Install the client, then sign in with your &quot;Acme&quot; account." \/>/);
    assert.match(head(html), new RegExp(`<link rel="canonical" href="https://acme.localhost/kb/${slugs.get('public')}" />`));
    assert.match(html, /<div id="root"><\/div>/, 'the app still renders the page');
    assert.match(html, /<html lang="en">/);
  });

  it('describes an article without a summary by its first words, and reads the service provider’s and a parent’s public articles', async () => {
    const long = head((await page('acme.localhost', `/kb/${slugs.get('long')}`)).html);
    const description = /<meta name="description" content="([^"]*)"/.exec(long)?.[1];
    assert.ok(description && description.startsWith('Printers need drivers.') && description.endsWith('…') && description.length <= 160, description);
    assert.match(head((await page('globex.localhost', `/kb/${slugs.get('sp')}`)).html), /<title>Resetting your password<\/title>/);
    assert.match(head((await page('acme-eu.localhost', `/kb/${slugs.get('public')}`)).html), /<title>Connecting to the &lt;Acme&gt;/, 'a subtenant’s host shows its parent’s public article');
  });

  it('serves the plain shell, with nothing of the article, for customers-only, agents-only, drafts and another tenant’s articles', async () => {
    const cases: [string, string, string][] = [
      ['acme.localhost', 'customers', 'payroll'],
      ['acme.localhost', 'agents', 'badge'],
      ['acme.localhost', 'draft', 'unreleased'],
      ['acme.localhost', 'globex', 'merger'],
      ['globex.localhost', 'public', 'VPN'],
      ['acme.localhost', 'no-such-article', 'no-such'],
    ];
    for (const [host, key, word] of cases) {
      const { status, html } = await page(host, `/kb/${slugs.get(key) ?? key}`);
      assert.equal(status, 200, `${host} ${key}`);
      assert.match(html, /<title>TenantDesk<\/title>/, `${host} ${key}`);
      assert.doesNotMatch(html, /name="description"|rel="canonical"/, `${host} ${key}`);
      assert.ok(!html.toLowerCase().includes(word.toLowerCase()), `${host} ${key}: "${word}" leaked`);
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';
import { assertInertHtml, chunked, xssCorpus } from './xss-corpus.ts';

/*
 * The XSS corpus through every field the API takes text in. HTML bodies come back reduced to the
 * allow-list; plain-text fields (subjects, names, file names) come back as the very text sent,
 * in JSON answers that no browser would run (application/json, nosniff, `default-src 'none'`).
 */

const CORPUS = xssCorpus('http://127.0.0.1:9');
type Entry = { id: string; kind: string; bodyHtml: string };

/** An API answer is data: JSON, never sniffed, nothing in it may load or run. */
function assertDataAnswer(res: LightMyRequestResponse, label: string): void {
  assert.match(String(res.headers['content-type']), /^application\/json/, label);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', label);
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/, label);
}

/** A multipart body whose file name travels in RFC 5987 form, so quotes and semicolons arrive intact. */
function upload(filename: string, data: Buffer): { body: Buffer; headers: Record<string, string> } {
  const boundary = `----td${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''${encodeURIComponent(filename)}\r\nContent-Type: text/html\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

forEachDatabase('the XSS corpus through the API', (db) => {
  let app: FastifyInstance;
  let dataDir: string;
  let customer: Caller;
  let agent: Caller;
  let admin: Caller;
  let acmeId: number;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'td-xss-'));
    const desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes: 64 * 1024 } });
    app = desk.app;
    customer = await desk.as('customer@acme.test');
    agent = await desk.as('agent@acme.test');
    admin = await desk.as('admin@northwind.test');
    acmeId = desk.catalog.snapshot().bySlug.get('acme')!.id;
  });
  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps ticket subjects as text and reduces the first message to the allow-list', async () => {
    for (const subject of chunked(CORPUS, 500)) {
      const created = await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject, body: CORPUS.join('\n') } });
      assert.equal(created.statusCode, 201, created.body);
      assertDataAnswer(created, 'create');
      const { id } = created.json() as { id: string };
      const read = await agent({ url: `/api/v1/tickets/${id}` });
      assert.equal(read.json().subject, subject, 'the subject is returned exactly as sent: it is text');
      const listed = await agent({ url: `/api/v1/tickets?limit=100` });
      assert.ok((listed.json().items as { subject: string }[]).some((t) => t.subject === subject), 'the queue answers the same text');
      const thread = (await customer({ url: `/api/v1/tickets/${id}/thread` })).json().entries as Entry[];
      const first = thread.find((e) => e.kind === 'reply')!;
      assertInertHtml(first.bodyHtml, `first message of "${subject.slice(0, 40)}"`);
      assert.match(first.bodyHtml, /&lt;script&gt;/, 'text that only looks like markup stays visible as text');
    }
  });

  it('reduces every reply and internal note to the allow-list, or refuses what is left empty', async () => {
    const ticket = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'replies', body: 'x' } })).json() as { id: string };
    const outcomes = new Map<number, number>();
    for (const payload of CORPUS) {
      for (const [caller, path] of [[customer, 'replies'], [agent, 'notes']] as const) {
        const res = await caller({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/${path}`, body: { body: payload } });
        outcomes.set(res.statusCode, (outcomes.get(res.statusCode) ?? 0) + 1);
        assert.ok(res.statusCode === 201 || (res.statusCode === 400 && res.json().error.field === 'body'), `${path} ${payload}: ${res.statusCode} ${res.body}`);
        assertDataAnswer(res, path);
        if (res.statusCode === 201) assertInertHtml((res.json() as Entry).bodyHtml, `${path} answer for ${payload}`);
      }
    }
    const entries = (await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as Entry[];
    for (const entry of entries.filter((e) => e.kind !== 'event')) assertInertHtml(entry.bodyHtml, `stored ${entry.kind}`);
    assert.ok((outcomes.get(201) ?? 0) > CORPUS.length / 2, `most payloads leave text to keep: ${JSON.stringify([...outcomes])}`);
  });

  it('keeps contact names as text', async () => {
    for (const name of chunked(CORPUS, 200)) {
      const email = `x${Math.random().toString(36).slice(2)}@acme.test`;
      const created = await admin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'customer', email, name } });
      assert.equal(created.statusCode, 201, created.body);
      assertDataAnswer(created, 'contact');
      const read = await admin({ url: `/api/v1/contacts/${created.json().id as string}` });
      assert.equal(read.json().name, name);
    }
  });

  it('reduces canned responses to the allow-list', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/canned-responses', body: { tenantId: acmeId, title: CORPUS[0], bodyHtml: CORPUS.join('\n') } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().title, CORPUS[0], 'the title is text');
    assertInertHtml(res.json().bodyHtml as string, 'canned response');
  });

  it('keeps attachment file names as names: no directories, no control characters, and a header that cannot be broken out of', async () => {
    const ticket = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'files', body: 'x' } })).json() as { id: string };
    const [entry] = ((await customer({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as Entry[]).filter((e) => e.kind === 'reply');
    let stored = 0;
    for (const payload of [...CORPUS, 'a\r\nContent-Type: text/html\r\n\r\n<script>x</script>.html', '..', '\u0000\u0001.html']) {
      const { body, headers } = upload(payload, Buffer.from(payload));
      const res = await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/entries/${entry!.id}/attachments`, body, headers });
      // A name the multipart parser cannot take as a file name (line breaks) is refused, never mangled into a header.
      if (res.statusCode === 400 && /[\r\n]/.test(payload)) continue;
      assert.equal(res.statusCode, 201, `${payload}: ${res.body}`);
      stored++;
      const { id, filename } = res.json() as { id: string; filename: string };
      assert.ok(filename.length > 0 && filename.length <= 255, filename);
      assert.doesNotMatch(filename, /[\\/\u0000-\u001f\u007f]/, 'no directory and no control character in a stored name');
      const expected = payload.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
      assert.equal(filename, expected && expected !== '..' ? expected : 'attachment', 'otherwise the name is what was sent');
      const download = await customer({ url: `/api/v1/attachments/${id}` });
      const disposition = String(download.headers['content-disposition']);
      const quoted = /^attachment; filename="([^"]*)"; filename\*=UTF-8''([^;\s]+)$/.exec(disposition);
      assert.ok(quoted, `one attachment disposition, two parameters: ${disposition}`);
      assert.equal(decodeURIComponent(quoted[2]!), filename);
      assert.equal(download.headers['content-type'], 'application/octet-stream', 'an HTML upload is served as bytes');
    }
    assert.ok(stored >= CORPUS.length, `every corpus name was stored (${stored})`);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { deflateRawSync, inflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { listTenantFiles } from '../../src/files/tenant-files.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, multipartBody, type Caller } from '../support/desk-app.ts';
import { BOMB_EXPANDED_BYTES, gzipBomb, zipBomb } from './bombs.ts';
import { MB, peakRssGrowth } from './memory.ts';

/*
 * Hostile uploads: files a browser could run are only ever downloads of inert bytes; the size and
 * count limits hold exactly, writing nothing on refusal; compressed files are kept as they came and
 * never inflated; and compressed request bodies are refused before they are read.
 */

const MAX_BYTES = 3 * MB;
const JS = 'window.__xss=1,alert(1)';

/** Files a browser could be talked into running, with the type the uploader claims and the type served. */
const ACTIVE_FILES: { name: string; type: string; served: string; data: Buffer }[] = [
  { name: 'page.html', type: 'text/html', served: 'application/octet-stream', data: Buffer.from(`<!doctype html><script>${JS}</script>`) },
  { name: 'page.xhtml', type: 'application/xhtml+xml', served: 'application/octet-stream', data: Buffer.from(`<html xmlns="http://www.w3.org/1999/xhtml"><script>${JS}</script></html>`) },
  { name: 'image.svg', type: 'image/svg+xml', served: 'application/octet-stream', data: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="${JS}"/>`) },
  { name: 'utf7.html', type: 'text/html; charset=utf-7', served: 'application/octet-stream', data: Buffer.from('+ADw-script+AD4-alert(1)+ADw-/script+AD4-') },
  { name: 'script.js', type: 'text/javascript', served: 'application/octet-stream', data: Buffer.from(JS) },
  { name: 'notes.txt', type: 'text/plain', served: 'text/plain', data: Buffer.from(`<html><script>${JS}</script></html>`) },
  // Polyglots: valid as what they claim to be and as HTML or script.
  { name: 'polyglot.gif', type: 'image/gif', served: 'image/gif', data: Buffer.concat([Buffer.from('GIF89a/*'), Buffer.from([0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]), Buffer.from(`*/=1;${JS};//<script>${JS}</script>`)]) },
  { name: 'polyglot.pdf', type: 'application/pdf', served: 'application/pdf', data: Buffer.from(`%PDF-1.4\n%<html><body><script>${JS}</script></body></html>\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`) },
  { name: 'polyglot.png', type: 'image/png', served: 'image/png', data: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(`<html><script>${JS}</script>`)]) },
];

forEachDatabase('hostile uploads', (db) => {
  let app: FastifyInstance;
  let dataDir: string;
  let customer: Caller;
  let acme: number;
  let ticketId: string;
  let entryId: string;

  const attachmentsUrl = () => `/api/v1/tickets/${ticketId}/entries/${entryId}/attachments`;
  const upload = (name: string, type: string, data: Buffer) => {
    const { body, headers } = multipartBody('file', name, type, data);
    return customer({ method: 'POST', url: attachmentsUrl(), body, headers });
  };
  /** What a refusal must leave untouched: the tenant's files and the attachment rows. */
  const stored = async () => ({
    files: (await listTenantFiles(dataDir, acme)).sort(),
    rows: (await sql<{ n: number }>`select count(*)::integer as n from attachments`.execute(db().owner)).rows[0]!.n,
  });
  const assertDownload = (res: LightMyRequestResponse, data: Buffer, type: string, label: string) => {
    assert.equal(res.statusCode, 200, label);
    assert.ok(res.rawPayload.equals(data), `${label}: the bytes as uploaded`);
    assert.match(String(res.headers['content-disposition']), /^attachment; /, `${label}: always a download`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', label);
    assert.equal(res.headers['content-type'], type, `${label}: a type no browser runs`);
    assert.match(String(res.headers['content-security-policy']), /\bsandbox\b/, label);
    assert.equal(res.headers['content-encoding'], undefined, `${label}: never served for the browser to inflate`);
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'td-uploads-'));
    const desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes: MAX_BYTES } });
    app = desk.app;
    customer = await desk.as('customer@acme.test');
    acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    ticketId = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Files', body: 'see attached' } })).json().id as string;
    entryId = ((await customer({ url: `/api/v1/tickets/${ticketId}/thread` })).json().entries as { id: string; kind: string }[]).find((e) => e.kind === 'reply')!.id;
  });
  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves HTML, SVG, script and polyglot files as downloads of inert bytes', async () => {
    for (const file of ACTIVE_FILES) {
      const res = await upload(file.name, file.type, file.data);
      assert.equal(res.statusCode, 201, `${file.name}: ${res.body}`);
      assertDownload(await customer({ url: `/api/v1/attachments/${res.json().id as string}` }), file.data, file.served, file.name);
    }
  });

  it('takes a file of exactly the size limit and refuses one byte more, writing nothing', async () => {
    const atLimit = await upload('at-limit.bin', 'application/octet-stream', Buffer.alloc(MAX_BYTES, 7));
    assert.equal(atLimit.statusCode, 201, atLimit.body);
    assert.equal(atLimit.json().size, MAX_BYTES);
    const before = await stored();
    const over = await upload('over.bin', 'application/octet-stream', Buffer.alloc(MAX_BYTES + 1, 7));
    assert.equal(over.statusCode, 413, over.body);
    assert.equal(over.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(await stored(), before, 'no file and no row');
  });

  it('takes one file per request: a second file part is refused and nothing is written', async () => {
    const before = await stored();
    const boundary = '----tdcount';
    const part = (name: string) => `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\n${name}\r\n`;
    const body = `${part('one.txt')}${part('two.txt')}--${boundary}--\r\n`;
    const res = await customer({ method: 'POST', url: attachmentsUrl(), body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual([res.json().error.code, res.json().error.field], ['VALIDATION_FAILED', 'file']);
    assert.deepEqual(await stored(), before, 'not even the first file');
  });

  for (const [name, type, make, inflate] of [
    ['bomb.zip', 'application/zip', zipBomb, (data: Buffer) => inflateRawSync(data.subarray(39, data.length - 77), { maxOutputLength: 64 * MB })],
    ['bomb.gz', 'application/gzip', gzipBomb, (data: Buffer) => gunzipSync(data, { maxOutputLength: 64 * MB })],
  ] as const) {
    it(`keeps a ${name} that would expand to 2 GiB as the opaque file it is, in bounded memory`, async () => {
      const data = make();
      assert.ok(data.length < MAX_BYTES, `${data.length} bytes`);
      assert.throws(() => inflate(data), RangeError, 'the fixture really expands past 64 MiB');
      const { result: res, growth } = await peakRssGrowth(() => upload(name, type, data));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().sha256, createHash('sha256').update(data).digest('hex'), 'stored byte for byte');
      const download = await peakRssGrowth(() => customer({ url: `/api/v1/attachments/${res.json().id as string}` }));
      assertDownload(download.result, data, type, name);
      for (const g of [growth, download.growth]) assert.ok(g < 150 * MB, `memory grew by ${Math.round(g / MB)} MB for a bomb of ${BOMB_EXPANDED_BYTES / MB} MB`);
    });
  }

  it('refuses compressed request bodies before reading them, on every kind of route', async () => {
    const bomb = gzipBomb();
    const before = await stored();
    const tickets = (await sql<{ n: number }>`select count(*)::integer as n from tickets`.execute(db().owner)).rows[0]!.n;
    const { body: multipart, headers } = multipartBody('file', 'x.txt', 'text/plain', Buffer.from('x'));
    const attempts: [string, string, Record<string, string>, Buffer][] = [
      ['a JSON body', '/api/v1/tickets', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, bomb],
      ['a deflated JSON body', '/api/v1/tickets', { 'content-type': 'application/json', 'content-encoding': 'deflate' }, deflateRawSync(Buffer.from('{"subject":"x","body":"y"}'))],
      ['an upload', attachmentsUrl(), { ...headers, 'content-encoding': 'gzip' }, gzipSync(multipart)],
      ['an upload said to be brotli', attachmentsUrl(), { ...headers, 'content-encoding': 'br' }, multipart],
      ["osTicket's raw email", '/api/tickets.email', { 'content-type': 'message/rfc822', 'content-encoding': 'gzip' }, bomb],
    ];
    for (const [label, url, requestHeaders, body] of attempts) {
      const { result: res, growth } = await peakRssGrowth(() => customer({ method: 'POST', url, headers: requestHeaders, body }));
      assert.equal(res.statusCode, 415, `${label}: ${res.body}`);
      assert.equal(res.headers['accept-encoding'], 'identity', label);
      if (url.startsWith('/api/v1/')) assert.equal(res.json().error.code, 'UNSUPPORTED_MEDIA_TYPE', label);
      assert.ok(growth < 100 * MB, `${label}: memory grew by ${Math.round(growth / MB)} MB`);
    }
    assert.deepEqual(await stored(), before, 'no file written');
    assert.equal((await sql<{ n: number }>`select count(*)::integer as n from tickets`.execute(db().owner)).rows[0]!.n, tickets, 'no ticket opened');
    const plain = await customer({ method: 'POST', url: '/api/v1/tickets', headers: { 'content-encoding': 'identity' }, body: { subject: 'plain', body: 'identity is no coding' } });
    assert.equal(plain.statusCode, 201, plain.body);
  });
});

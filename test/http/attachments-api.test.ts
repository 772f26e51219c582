import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { listTenantFiles } from '../../src/files/tenant-files.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, multipartBody, type Caller } from '../support/desk-app.ts';

type Entry = { id: string; kind: string };

forEachDatabase('the attachment API', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let call: Awaited<ReturnType<typeof demoDeskApp>>['call'];
  let dataDir: string;
  let acme: number;
  const maxBytes = 2048;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'td-attachments-'));
    const desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes } });
    ({ app, as, call } = desk);
    acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
  });
  after(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const upload = (caller: Caller, ticketId: string, entryId: string, filename: string, data: Buffer, type = 'text/plain') => {
    const { body, headers } = multipartBody('file', filename, type, data);
    return caller({ method: 'POST', url: `/api/v1/tickets/${ticketId}/entries/${entryId}/attachments`, body, headers });
  };
  const errorOf = (res: LightMyRequestResponse) => res.json().error as { code: string };

  /** A ticket of acme's demo customer, with its first reply, and an agent's internal note on it. */
  const ticketWithNote = async () => {
    const customer = await as('customer@acme.test');
    const agent = await as('agent@acme.test');
    const ticket = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Scanner', body: 'see the file' } })).json() as { id: string };
    const note = (await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/notes`, body: { body: 'internal' } })).json() as Entry;
    const thread = (await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as Entry[];
    return { customer, agent, ticketId: ticket.id, replyId: thread.find((e) => e.kind === 'reply')!.id, noteId: note.id };
  };

  it('stores a file on a reply under the tenant directory and serves it as a download', async () => {
    const { customer, agent, ticketId, replyId } = await ticketWithNote();
    const data = Buffer.from('<html><script>alert(1)</script></html>');
    const res = await upload(customer, ticketId, replyId, 'rapport; été.html', data, 'text/html');
    assert.equal(res.statusCode, 201, res.body);
    const attachment = res.json() as { id: string; filename: string; size: number; entryId: string };
    assert.equal(attachment.size, data.length);
    assert.equal(attachment.entryId, replyId);
    assert.ok((await listTenantFiles(dataDir, acme)).includes(join('attachments', attachment.id)), 'kept under the tenant directory, named by id');
    for (const caller of [customer, agent]) {
      const download = await caller({ url: `/api/v1/attachments/${attachment.id}` });
      assert.equal(download.statusCode, 200);
      assert.deepEqual(download.rawPayload, data);
      assert.equal(download.headers['x-content-type-options'], 'nosniff');
      const disposition = String(download.headers['content-disposition']);
      assert.match(disposition, /^attachment; filename="rapport; _t_.html"; filename\*=UTF-8''rapport%3B%20/);
      assert.ok(disposition.endsWith(encodeURIComponent('été.html')), disposition);
    }
    const listed = (await customer({ url: `/api/v1/tickets/${ticketId}/attachments` })).json().items as { id: string }[];
    assert.deepEqual(listed.map((a) => a.id), [attachment.id]);
  });

  it('never shows a customer the files of an internal note', async () => {
    const { customer, agent, ticketId, noteId } = await ticketWithNote();
    const res = await upload(agent, ticketId, noteId, 'diagnosis.txt', Buffer.from('fuser'));
    assert.equal(res.statusCode, 201, res.body);
    const { id } = res.json() as { id: string };
    assert.equal((await agent({ url: `/api/v1/attachments/${id}` })).statusCode, 200);
    const hidden = await customer({ url: `/api/v1/attachments/${id}` });
    assert.equal(hidden.statusCode, 404);
    assert.equal(errorOf(hidden).code, 'NOT_FOUND');
    assert.deepEqual((await customer({ url: `/api/v1/tickets/${ticketId}/attachments` })).json().items, []);
    const onNote = await upload(customer, ticketId, noteId, 'x.txt', Buffer.from('x'));
    assert.equal(onNote.statusCode, 404, 'a customer cannot even address the note');
  });

  it("answers 404 for another tenant's file and 401 without a session", async () => {
    const { customer, ticketId, replyId } = await ticketWithNote();
    const { id } = (await upload(customer, ticketId, replyId, 'a.txt', Buffer.from('a'))).json() as { id: string };
    const globex = await as('agent@globex.test');
    assert.equal((await globex({ url: `/api/v1/attachments/${id}` })).statusCode, 404);
    assert.equal((await upload(globex, ticketId, replyId, 'b.txt', Buffer.from('b'))).statusCode, 404);
    const anonymous = await call({ url: `/api/v1/attachments/${id}`, host: 'acme.localhost' });
    assert.equal(anonymous.statusCode, 401);
  });

  it('refuses a file over the limit with 413 and writes neither a file nor a row', async () => {
    const { customer, agent, ticketId, replyId, noteId } = await ticketWithNote();
    const before = await listTenantFiles(dataDir, acme);
    const tooLarge = await upload(customer, ticketId, replyId, 'big.bin', Buffer.alloc(maxBytes + 1, 1), 'application/octet-stream');
    assert.equal(tooLarge.statusCode, 413, tooLarge.body);
    assert.equal(errorOf(tooLarge).code, 'PAYLOAD_TOO_LARGE');
    const forbidden = await upload(customer, ticketId, noteId, 'x.txt', Buffer.from('x'));
    assert.equal(forbidden.statusCode, 404);
    const noFile = await customer({ method: 'POST', url: `/api/v1/tickets/${ticketId}/entries/${replyId}/attachments`, body: { file: 'x' } });
    assert.equal(noFile.statusCode, 400, noFile.body);
    assert.deepEqual(await listTenantFiles(dataDir, acme), before, 'no orphan file');
    assert.deepEqual((await agent({ url: `/api/v1/tickets/${ticketId}/attachments` })).json().items, [], 'no row');
  });
});

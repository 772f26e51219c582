import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { listTenantFiles } from '../../src/files/tenant-files.ts';
import { createApiKey } from '../../src/identity/api-keys.ts';
import { listObjects } from '../../src/tenancy/data-access.ts';
import type { TenancyContext } from '../../src/tenancy/context.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

type Ticket = { id: string; number: string; tenant: string; source: string; requesterId: string; priorityId: string | null };

forEachDatabase("osTicket's ticket API", (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let call: Awaited<ReturnType<typeof demoDeskApp>>['call'];
  let ctx: TenancyContext;
  let dataDir: string;
  let acme: number;
  const keys: Record<string, string> = {};
  const maxBytes = 1024;

  const keyFor = async (email: string) => {
    const [contact] = await listObjects(ctx, 'contact', { where: { email } });
    return (await createApiKey(ctx, null, { contactId: contact!.id as string })).key;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'td-osticket-'));
    const desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes } });
    ({ app, as, call } = desk);
    ctx = systemContext(desk.shards, DEFAULT_TENANCY, desk.catalog.snapshot());
    acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    keys.agent = await keyFor('agent@acme.test');
    keys.customer = await keyFor('customer@acme.test');
  });
  after(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: object | string | Buffer, key = keys.agent!, host = 'acme.localhost', contentType = 'application/json') =>
    call({ method: 'POST', url: path, host, body, headers: { 'x-api-key': key, 'content-type': contentType } });
  const ticketByNumber = async (number: string): Promise<Ticket> => {
    const [ticket] = (await (await as('agent@acme.test'))({ url: `/api/v1/tickets?q=${number}` })).json().items as Ticket[];
    assert.equal(ticket?.number, number);
    return ticket!;
  };
  const contactsOf = async (email: string) => listObjects(ctx, 'contact', { where: { tenant_id: acme, email } });
  const ticketCount = async () => (await listObjects(ctx, 'ticket', { where: { tenant_id: acme }, limit: 10_000 })).length;
  const isText = (res: LightMyRequestResponse, status: number, label = '') => {
    assert.equal(res.statusCode, status, `${label} ${res.body}`);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
  };

  it("opens a ticket from osTicket's JSON and answers 201 with its number as text", async () => {
    const res = await post('/api/tickets.json', {
      alert: true,
      autorespond: false,
      source: 'API',
      name: 'Angry User',
      email: 'Angry.User@Example.com',
      phone: '3185558634X123',
      subject: 'Testing API',
      ip: '123.211.233.122',
      priorityId: 3,
      message: 'data:text/html,<p>MESSAGE <b>HERE</b></p><script>x()</script>',
      attachments: [{ 'file.txt': 'data:text/plain;charset=utf-8,content' }, { 'image.png': 'data:image/png;base64,R0lGODdhMAA=' }],
    });
    isText(res, 201);
    assert.match(res.body, /^ACME-\d{6}$/);
    const ticket = await ticketByNumber(res.body);
    assert.equal(ticket.source, 'api');
    const [requester] = await contactsOf('angry.user@example.com');
    assert.equal(requester?.id, ticket.requesterId, 'an unknown requester becomes a contact of the tenant');
    assert.equal(requester?.kind, 'customer');
    const agent = await as('agent@acme.test');
    const thread = (await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { bodyHtml: string }[];
    assert.equal(thread[0]!.bodyHtml, '<p>MESSAGE <b>HERE</b></p>');
    const files = (await agent({ url: `/api/v1/tickets/${ticket.id}/attachments` })).json().items as { id: string; filename: string; contentType: string }[];
    assert.deepEqual(files.map((f) => [f.filename, f.contentType]).sort(), [['file.txt', 'text/plain'], ['image.png', 'image/png']]);
    assert.equal((await agent({ url: `/api/v1/attachments/${files.find((f) => f.filename === 'file.txt')!.id}` })).body, 'content');
    const priorities = (await agent({ url: `/api/v1/lookups/ticket/priority_id` })).json();
    assert.ok(JSON.stringify(priorities).includes(ticket.priorityId!), 'osTicket priority 3 is the priority of rank 3');
    const again = await post('/api/tickets.json', { name: 'Angry User', email: 'angry.user@example.com', subject: 'Again', message: 'plain <text>' });
    isText(again, 201);
    assert.equal((await contactsOf('angry.user@example.com')).length, 1, 'a known requester is reused');
  });

  it('opens a ticket from a raw email posted to tickets.email', async () => {
    const raw = [
      'From: "Mail Person" <mail.person@example.org>',
      'To: support@acme.test',
      'Subject: =?UTF-8?Q?Caf=C3=A9_machine?=',
      'Message-ID: <abc@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'It makes tea <instead>.',
      '--b1',
      'Content-Type: text/plain; name="log.txt"',
      'Content-Disposition: attachment; filename="log.txt"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('error 42').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    const res = await post('/api/tickets.email', raw, keys.agent, 'acme.localhost', 'message/rfc822');
    isText(res, 201);
    const ticket = await ticketByNumber(res.body);
    assert.equal(ticket.source, 'email');
    assert.equal((await contactsOf('mail.person@example.org'))[0]?.id, ticket.requesterId);
    const agent = await as('agent@acme.test');
    const thread = (await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { bodyHtml: string }[];
    assert.equal(thread[0]!.bodyHtml, '<p>It makes tea &lt;instead&gt;.</p>');
    const files = (await agent({ url: `/api/v1/tickets/${ticket.id}/attachments` })).json().items as { filename: string }[];
    assert.deepEqual(files.map((f) => f.filename), ['log.txt']);
  });

  it('answers 401 as text for a missing, wrong or foreign key, and 403 for a key that may not open tickets for others', async () => {
    const body = { name: 'N', email: 'n@example.com', subject: 'S', message: 'M' };
    isText(await call({ method: 'POST', url: '/api/tickets.json', host: 'acme.localhost', body }), 401);
    const wrong = await post('/api/tickets.json', body, 'td_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    isText(wrong, 401);
    assert.equal(wrong.body, 'API key not authorized');
    isText(await post('/api/tickets.json', body, keys.agent, 'globex.localhost'), 401);
    isText(await post('/api/tickets.email', 'From: a@b.c\r\n\r\nx', 'nonsense', 'acme.localhost', 'message/rfc822'), 401);
    const signedIn = await (await as('agent@acme.test'))({ method: 'POST', url: '/api/tickets.json', body });
    isText(signedIn, 401);
    isText(await post('/api/tickets.json', body, keys.customer), 403);
  });

  it('refuses malformed input with 400 (413 over the size limit), never 500, and leaves nothing behind', async () => {
    const files = await listTenantFiles(dataDir, acme);
    const tickets = await ticketCount();
    const valid = { name: 'N', email: 'n@example.com', subject: 'S', message: 'M' };
    const cases: [string, object | string, number][] = [
      ['not JSON', '{"name": ', 400],
      ['empty', '', 400],
      ['an array', '[]', 400],
      ['a missing field', { name: 'N', email: 'n@example.com', subject: 'S' }, 400],
      ['an unknown field', { ...valid, color: 'red' }, 400],
      ['a wrong type', { ...valid, subject: { a: 1 } }, 400],
      ['a bad email', { ...valid, email: 'not an address' }, 400],
      ['a bad data URL', { ...valid, attachments: [{ 'a.txt': 'http://example.com/a' }] }, 400],
      ['bad base64', { ...valid, attachments: [{ 'a.bin': 'data:application/octet-stream;base64,@@@@' }] }, 400],
      ['an attachment without a name', { ...valid, attachments: [{}] }, 400],
      ['an unknown priority', { ...valid, priorityId: 99 }, 400],
      ['a numeric topic', { ...valid, topicId: 5 }, 400],
      ['an unknown topic', { ...valid, topicId: '00000000-0000-4000-8000-000000000000' }, 400],
      ['a file over the limit', { ...valid, attachments: [{ 'big.bin': `data:application/octet-stream;base64,${Buffer.alloc(maxBytes + 1).toString('base64')}` }] }, 413],
    ];
    for (const [label, body, status] of cases) isText(await post('/api/tickets.json', body), status, label);
    for (const raw of ['', 'garbage without headers', '\u0000\u0001\u0002']) {
      const res = await post('/api/tickets.email', raw, keys.agent, 'acme.localhost', 'message/rfc822');
      isText(res, 400);
    }
    assert.equal(await ticketCount(), tickets, 'no ticket');
    assert.deepEqual(await listTenantFiles(dataDir, acme), files, 'no file');
    assert.deepEqual(await contactsOf('n@example.com'), [], 'no contact');
  });
});

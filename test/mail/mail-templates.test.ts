import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createConfigObject } from '../../src/desk/config/config-objects.ts';
import { addThreadEntry } from '../../src/desk/threads/add-thread-entry.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { assignTicket } from '../../src/desk/tickets/ticket-lifecycle.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import { saveTemplate } from '../../src/mail/mail-templates.ts';
import { sendMail } from '../../src/mail/queue-mail.ts';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { sendMailHandler } from '../../src/mail/send-mail.ts';
import { sweepOverdue } from '../../src/sla/sweep-overdue.ts';
import { listObjects } from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';
import { startRelay, type Relay } from '../resilience/mail-desk.ts';
import { addTenantAdmins, mailWorld, rawMessage, TEST_SECRET, type MailWorld } from './mail-fixtures.ts';

/** The header section of a raw message, one entry per header (folded lines joined). */
const headerNames = (raw: string) =>
  raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ').split('\r\n').map((line) => line.slice(0, line.indexOf(':')).toLowerCase());

/** A script element, an event handler attribute or a javascript: URL inside a tag (escaped text is inert). */
const LIVE_MARKUP = /<script|<[^>]*\son[a-z]+\s*=|<[^>]*javascript:/i;
const XSS_NAME = '<script>alert(1)</script> Eve';
const XSS_SUBJECT = '<img src=x onerror=alert(2)> <a href="javascript:alert(3)">open</a>';
const XSS_BODY = '<p>hello</p><script>alert(4)</script><a href="javascript:alert(5)">click</a><img src=x onerror=alert(6)>';

forEachDatabase('mail templates in outgoing mail', (db) => {
  let w: MailWorld;
  let relay: Relay;
  let runner: JobRunner;
  const to = (address: string) => relay.received.filter((m) => (m.parsed.to as { value: { address: string }[] }).value[0]!.address === address);

  before(async () => {
    relay = await startRelay();
    w = await mailWorld(db(), { relayUrl: `smtp://127.0.0.1:${relay.port}` });
    await sql`update tenants set branding = '{"primaryColor": "#7A1F5C"}' where slug = 'acme'`.execute(db().owner);
    await sql`update tenants set branding = '{"primaryColor": "red;background:url(javascript:alert(7))"}' where slug = 'globex'`.execute(db().owner);
    await w.catalog.refresh();
    runner = new JobRunner({ shards: w.deps.shards, settings: w.deps.settings, catalog: w.deps.catalog }, { handlers: [sendMailHandler(w.deps) as unknown as JobHandler<never>] });
    await saveTemplate(w.admin, w.t.acme!, 'auto-reply', {
      subject: 'Acme has it: {{ticket.subject}} ({{ticket.number}}) for {{recipient.name}}',
      body: '<p>Dear {{recipient.name}}, request {{ticket.number}} "{{ticket.subject}}" is open.</p><blockquote>{{entry.body}}</blockquote>',
    });
    await saveTemplate(w.admin, w.t.acme!, 'agent-reply', { subject: 'Acme answer to {{recipient.name}}: {{ticket.subject}}', body: '{{entry.body}}<p>{{tenant.name}}</p>' });
  });
  after(async () => {
    await relay.close();
    await w.deps.shards.close();
  });

  it("uses a tenant's own template for its mail only; other tenants get the default, in their branded layout", async () => {
    await receiveMessage(w.deps, { raw: rawMessage({ from: 'Carol <carol@customer.test>', subject: 'Printer' }), transport: 'smtp', recipients: ['support@acme.test'] });
    await receiveMessage(w.deps, { raw: rawMessage({ from: 'Carol <carol@customer.test>', to: 'help@globex.test', subject: 'Printer' }), transport: 'smtp', recipients: ['help@globex.test'] });
    await runner.drain(db());
    const [acme, globex] = ['Acme', 'Globex'].map((name) => to('carol@customer.test').find((m) => m.parsed.html && (m.parsed.html as string).includes(`>${name}</td>`))!);
    assert.match(acme!.parsed.subject!, /^Acme has it: Printer \(ACME-\d{6}\) for Carol$/);
    assert.match(acme!.parsed.html as string, /Dear Carol, request ACME-\d{6} "Printer" is open\.<\/p><blockquote><p>It is on fire\.<br \/>Please help\.<\/p><\/blockquote>/);
    assert.match(acme!.parsed.html as string, /background:#7a1f5c;/, "the tenant's brand colour");
    assert.match(acme!.parsed.text!, /^Dear Carol, request ACME-\d{6} "Printer" is open\./, 'a text alternative');
    assert.match(globex!.parsed.subject!, /^Re: \[GLOBEX-\d{6}\] Printer$/, 'the default template');
    assert.match(globex!.parsed.html as string, /We received your message and opened request GLOBEX-\d{6}/);
    assert.match(globex!.parsed.html as string, /background:#1f4e79;/, 'a colour that is not #rrggbb is never written into the style');
    assert.doesNotMatch(globex!.parsed.html as string, /javascript|url\(/);
  });

  it('keeps script, event handlers and javascript: links out of the mail, whoever wrote them', async () => {
    await saveTemplate(w.admin, w.t.globex!, 'auto-reply', { subject: 'Got: {{ticket.subject}}', body: `<h1>{{ticket.subject}}</h1><p>{{recipient.name}}</p>{{entry.body}}${XSS_BODY}` });
    const raw = rawMessage({ from: `"${XSS_NAME}" <eve@customer.test>`, to: 'help@globex.test', subject: XSS_SUBJECT, contentType: 'text/html; charset=utf-8', body: XSS_BODY });
    await receiveMessage(w.deps, { raw, transport: 'smtp', recipients: ['help@globex.test'] });
    await runner.drain(db());
    const [mail] = to('eve@customer.test');
    const html = mail!.parsed.html as string;
    assert.doesNotMatch(html, LIVE_MARKUP);
    assert.match(html, /<p>&lt;script&gt;alert\(1\)&lt;\/script&gt; Eve<\/p>/, 'the name is shown as text');
    assert.match(html, /<p>hello<\/p>/);
    assert.match(html, /<h1>&lt;img src=x onerror=alert\(2\)&gt; &lt;a href="javascript:alert\(3\)"&gt;open&lt;\/a&gt;<\/h1>/, 'the subject is shown as text');
    // The raw HTML part, before any parsing, has no live markup either.
    const sent = mail!.raw.toString('utf8');
    const part = sent.slice(sent.indexOf('Content-Type: text/html'));
    assert.doesNotMatch(part.replace(/=\r\n/g, '').replace(/=3D/gi, '='), LIVE_MARKUP);
    assert.equal(mail!.parsed.subject, `Got: ${XSS_SUBJECT}`, 'the subject is text: it is never HTML');
  });

  it('never lets CR/LF in a contact name or a ticket subject add a mail header', async () => {
    const ctx = systemContext(w.deps.shards, DEFAULT_TENANCY, w.catalog.snapshot());
    const mallory = await createContact(ctx, { tenantId: w.t.acme!, kind: 'customer', email: 'mallory@customer.test', name: 'Mallory\r\nBcc: victim@evil.test', roles: ['customer'] });
    const ticket = await createTicket(w.admin, { tenantId: w.t.acme!, subject: 'Invoice\r\nX-Injected: yes\nReply-To: attacker@evil.test', body: '<p>x</p>', requesterId: mallory.id as string });
    await addThreadEntry(w.admin, ticket.id as string, { kind: 'reply', body: '<p>Paid.</p>' });
    await runner.drain(db());
    const [mail] = to('mallory@customer.test');
    const headers = headerNames(mail!.raw.toString('utf8'));
    for (const injected of ['bcc', 'x-injected']) assert.ok(!headers.includes(injected), `no ${injected} header: ${headers.join(', ')}`);
    assert.equal(headers.filter((h) => h === 'reply-to').length, 0);
    assert.equal(mail!.parsed.subject, 'Acme answer to Mallory Bcc: victim@evil.test: Invoice X-Injected: yes Reply-To: attacker@evil.test');
    assert.equal(mail!.parsed.bcc, undefined);
  });

  it('mails the assigned agent with the assignment template, and an overdue notice with the overdue template', async () => {
    const [requester] = await listObjects(w.admin, 'contact', { where: { email: 'carol@customer.test', tenant_id: w.t.acme } });
    await saveTemplate(w.admin, w.t.acme!, 'assignment', { subject: 'Yours now: {{ticket.number}}', body: '<p>{{recipient.name}}, please take {{ticket.subject}}.</p>' });
    const plan = await createConfigObject(w.admin, 'slaPlan', { tenant_id: w.t.acme, name: 'Fast', resolution_minutes: 60 });
    const ticket = await createTicket(w.admin, { tenantId: w.t.acme!, subject: 'Server down', body: '<p>x</p>', requesterId: requester!.id as string, slaPlanId: plan.id as string });
    await assignTicket(w.admin, ticket.id as string, { assigneeId: w.agents.acme!.id as string }, ticket.version as number);
    await sql`update tickets set resolution_due_at = now() - interval '1 minute' where id = ${ticket.id}`.execute(db().owner);
    assert.ok((await sweepOverdue(systemContext(w.deps.shards, DEFAULT_TENANCY, w.catalog.snapshot()))).mailed >= 1);
    // The sweep writes its notices without a send job; the outbox sweep gives them one a minute later.
    for (const row of await listObjects(w.admin, 'mailOutbox', { where: { kind: 'overdue', sent_at: null } })) {
      await enqueue(db().owner, sendMail, { tenantId: row.tenant_id as number, payload: { outboxId: row.id as string }, key: row.id as string });
    }
    await runner.drain(db());
    const mails = to('agent@acme.test');
    const assigned = mails.find((m) => m.parsed.subject?.startsWith('Yours now'))!;
    assert.match(assigned.parsed.subject!, /^Yours now: ACME-\d{6}$/);
    assert.match(assigned.parsed.html as string, /<p>Acme agent, please take Server down\.<\/p>/);
    const overdue = mails.find((m) => m.parsed.subject?.includes('Overdue'))!;
    assert.match(overdue.parsed.subject!, /^\[ACME-\d{6}\] Overdue: resolution was due \d{4}-/);
    assert.match(overdue.parsed.html as string, /Hello Acme agent,<\/p><p>Ticket ACME-\d{6} "Server down" has passed its resolution due date/);
    assert.match(overdue.parsed.html as string, /background:#7a1f5c;/);
    const [row] = await listObjects(w.admin, 'mailOutbox', { where: { kind: 'overdue', ticket_id: ticket.id } });
    assert.match(row!.body_html as string, /has passed its resolution due date/, 'the rendered mail is kept on the outbox row');
    // Assigning to oneself sends nothing.
    const before = to('admin@sp.test').length;
    const other = await createTicket(w.admin, { tenantId: w.t.acme!, subject: 'Mine', body: '<p>x</p>', requesterId: requester!.id as string });
    const spAdmin = (await listObjects(w.admin, 'contact', { where: { email: 'admin@sp.test' } }))[0]!;
    await assignTicket(w.admin, other.id as string, { assigneeId: spAdmin.id as string }, other.version as number);
    await runner.drain(db());
    assert.equal(to('admin@sp.test').length, before);
  });

  it('mails the breaches of one sweep to one recipient as one digest, with the tenant’s digest template', async () => {
    const [requester] = await listObjects(w.admin, 'contact', { where: { email: 'carol@customer.test', tenant_id: w.t.acme } });
    await assert.rejects(saveTemplate(w.admin, w.t.acme!, 'overdue-digest', { subject: 'Late: {{sla.tickets}}', body: '<p>x</p>' }), /\{\{sla\.tickets\}\} is not available in the subject/);
    await saveTemplate(w.admin, w.t.acme!, 'overdue-digest', { subject: '{{sla.count}} late for {{recipient.name}}', body: '<p>Late:</p>{{sla.tickets}}' });
    const plan = await createConfigObject(w.admin, 'slaPlan', { tenant_id: w.t.acme, name: 'Digest', resolution_minutes: 60 });
    const late: string[] = [];
    for (const subject of ['Disk <full>', 'Printer']) {
      const ticket = await createTicket(w.admin, { tenantId: w.t.acme!, subject, body: '<p>x</p>', requesterId: requester!.id as string, slaPlanId: plan.id as string });
      await assignTicket(w.admin, ticket.id as string, { assigneeId: w.agents.acme!.id as string }, ticket.version as number);
      late.push(ticket.id as string);
    }
    await sql`update tickets set resolution_due_at = now() - interval '1 minute' where id = any (${late}::uuid[])`.execute(db().owner);
    const before = to('agent@acme.test').length;
    assert.equal((await sweepOverdue(systemContext(w.deps.shards, DEFAULT_TENANCY, w.catalog.snapshot()))).mailed, 1);
    for (const row of await listObjects(w.admin, 'mailOutbox', { where: { kind: 'overdue-digest', sent_at: null } })) {
      await enqueue(db().owner, sendMail, { tenantId: row.tenant_id as number, payload: { outboxId: row.id as string }, key: row.id as string });
    }
    await runner.drain(db());
    // (The two assignment mails went out in the same drain.)
    const mails = to('agent@acme.test').slice(before).filter((m) => !m.parsed.subject?.startsWith('Yours now'));
    assert.deepEqual(mails.map((m) => m.parsed.subject), ['2 late for Acme agent']);
    assert.match(mails[0]!.parsed.html as string, /<p>Late:<\/p><ul><li>\[ACME-\d{6}\] Disk &lt;full&gt;: resolution was due \d{4}-[^<]+<\/li><li>\[ACME-\d{6}\] Printer: resolution was due/);
    assert.match(mails[0]!.parsed.html as string, /background:#7a1f5c;/, 'in the tenant’s branded layout');
  });

  it('mails an agent assigned by a ticket filter as one assigned by hand, through the outbox with the assignment template', async () => {
    await saveTemplate(w.admin, w.t.acme!, 'assignment', { subject: 'Rule gave you {{ticket.number}}', body: '<p>{{recipient.name}}: {{ticket.subject}}.</p>' });
    const filter = await createConfigObject(w.admin, 'ticketFilter', {
      tenant_id: w.t.acme,
      name: 'Invoices to the agent',
      match: 'all',
      rules: [{ field: 'subject', op: 'contains', value: 'invoice' }],
      set_assignee_id: w.agents.acme!.id,
    });
    try {
      const [delivery] = await receiveMessage(w.deps, { raw: rawMessage({ from: 'Dora <dora@customer.test>', subject: 'Invoice 7 is wrong' }), transport: 'smtp', recipients: ['support@acme.test'] });
      assert.equal(delivery!.outcome, 'ticket');
      const [row] = await listObjects(w.admin, 'mailOutbox', { where: { kind: 'assignment', ticket_id: delivery!.ticketId } });
      assert.equal(row?.to_address, 'agent@acme.test', 'queued in the unit of work that opened the ticket');
      await runner.drain(db());
      const mail = to('agent@acme.test').find((m) => m.parsed.subject === `Rule gave you ${delivery!.ticketNumber}`);
      assert.ok(mail, 'the tenant’s assignment template');
      assert.match(mail.parsed.html as string, /<p>Acme agent: Invoice 7 is wrong\.<\/p>/);
      // A ticket no filter assigns tells nobody.
      const [plain] = await receiveMessage(w.deps, { raw: rawMessage({ from: 'Dora <dora@customer.test>', subject: 'Printer' }), transport: 'smtp', recipients: ['support@acme.test'] });
      assert.equal((await listObjects(w.admin, 'mailOutbox', { where: { kind: 'assignment', ticket_id: plain!.ticketId } })).length, 0);
    } finally {
      await sql`delete from ticket_filters where id = ${filter.id}`.execute(db().owner);
    }
  });
});

forEachDatabase('the mail templates API', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  let as: (email: string) => Promise<Caller>;

  before(async () => {
    const desk = await demoDeskApp(db(), { mailSecret: TEST_SECRET });
    ({ app, call, as } = desk);
    await addTenantAdmins(desk);
  });
  after(async () => app?.close());

  it('lets a tenant administrator override, read back and reset its own templates only', async () => {
    const acme = await as('admin@acme.test');
    const globex = await as('admin@globex.test');
    const listed = (await acme({ url: '/api/v1/mail-templates' })).json().templates as { kind: string; isDefault: boolean; placeholders: string[] }[];
    assert.deepEqual(listed.map((t) => [t.kind, t.isDefault]), [['auto-reply', true], ['agent-reply', true], ['assignment', true], ['overdue', true], ['overdue-digest', true], ['resolved', true]]);
    assert.deepEqual(listed[4]!.placeholders, ['{{recipient.name}}', '{{recipient.email}}', '{{tenant.name}}', '{{sla.count}}', '{{sla.tickets}}']);
    assert.ok(listed[3]!.placeholders.includes('{{sla.due}}'));
    const put = await acme({ method: 'PUT', url: '/api/v1/mail-templates/auto-reply', body: { subject: 'Thanks {{recipient.name}}', body: '<p>{{ticket.number}}</p>' } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual([put.json().tenant, put.json().isDefault, put.json().subject], ['acme', false, 'Thanks {{recipient.name}}']);
    assert.equal((await acme({ url: '/api/v1/mail-templates/auto-reply' })).json().subject, 'Thanks {{recipient.name}}');
    assert.equal((await globex({ url: '/api/v1/mail-templates/auto-reply' })).json().isDefault, true, "another tenant's override is not its own");
    assert.equal((await globex({ method: 'PUT', url: '/api/v1/mail-templates/auto-reply', body: { tenant: 'acme', subject: 'x', body: 'y' } })).statusCode, 403);
    assert.equal((await globex({ method: 'DELETE', url: '/api/v1/mail-templates/auto-reply' })).statusCode, 404, 'globex has none of its own');
    assert.equal((await acme({ method: 'DELETE', url: '/api/v1/mail-templates/auto-reply' })).statusCode, 204);
    assert.equal((await acme({ url: '/api/v1/mail-templates/auto-reply' })).json().isDefault, true);
  });

  it('lists the default beside an override, and previews a template with sample values, writing nothing', async () => {
    const acme = await as('admin@acme.test');
    await acme({ method: 'PUT', url: '/api/v1/mail-templates/assignment', body: { subject: 'Yours: {{ticket.number}}', body: '<p>{{recipient.name}}</p>' } });
    type Listed = { kind: string; isDefault: boolean; subject: string; defaultSubject: string; defaultBody: string };
    const listed = (await acme({ url: '/api/v1/mail-templates' })).json().templates as Listed[];
    const assignment = listed.find((t) => t.kind === 'assignment')!;
    const autoReply = listed.find((t) => t.kind === 'auto-reply')!;
    assert.deepEqual([assignment.isDefault, assignment.subject], [false, 'Yours: {{ticket.number}}']);
    assert.notEqual(assignment.defaultSubject, assignment.subject, 'the public default, not the override');
    assert.equal(autoReply.defaultSubject, autoReply.subject);
    const preview = await acme({ method: 'POST', url: '/api/v1/mail-templates/auto-reply/preview', body: { subject: 'Hi {{recipient.name}}', body: '<p>{{ticket.number}}</p><script>x()</script>' } });
    assert.equal(preview.statusCode, 200, preview.body);
    assert.equal(preview.json().subject, 'Hi Alex Example');
    assert.match(preview.json().html, /<p>DEMO-000042<\/p>/);
    assert.doesNotMatch(preview.json().html, /<script/);
    assert.match(preview.json().html, />Acme Corporation</, "the tenant's layout");
    const bad = await acme({ method: 'POST', url: '/api/v1/mail-templates/assignment/preview', body: { subject: 's', body: '{{entry.body}}' } });
    assert.deepEqual([bad.statusCode, bad.json().error.field], [400, 'body']);
    assert.equal((await acme({ url: '/api/v1/mail-templates/auto-reply' })).json().isDefault, true, 'a preview saves nothing');
    const globex = await as('admin@globex.test');
    assert.equal((await globex({ method: 'POST', url: '/api/v1/mail-templates/auto-reply/preview?tenant=acme', body: { subject: 's', body: 'b' } })).statusCode, 403);
    assert.equal((await acme({ method: 'DELETE', url: '/api/v1/mail-templates/assignment' })).statusCode, 204);
  });

  it('refuses unknown fields, kinds and placeholders, and public defaults to tenant administrators', async () => {
    const acme = await as('admin@acme.test');
    const put = (kind: string, body: object) => acme({ method: 'PUT', url: `/api/v1/mail-templates/${kind}`, body });
    assert.equal((await put('auto-reply', { subject: 's', body: 'b', from: 'x@y.test' })).statusCode, 400);
    assert.equal((await put('newsletter', { subject: 's', body: 'b' })).statusCode, 400);
    const unknown = await put('assignment', { subject: 's', body: '<p>{{ticket.secret}}</p>' });
    assert.deepEqual([unknown.statusCode, unknown.json().error.code, unknown.json().error.field], [400, 'VALIDATION_FAILED', 'body']);
    const html = await put('agent-reply', { subject: 'Re {{entry.body}}', body: 'b' });
    assert.deepEqual([html.statusCode, html.json().error.field], [400, 'subject'], 'HTML never goes into a subject');
    assert.equal((await put('overdue', { tenant: null, subject: 's', body: 'b' })).statusCode, 403, 'the public default is the service provider’s');
    assert.equal((await (await as('agent@acme.test'))({ url: '/api/v1/mail-templates' })).statusCode, 403);
    assert.equal((await call({ url: '/api/v1/mail-templates', host: 'acme.localhost' })).statusCode, 401);
  });
});

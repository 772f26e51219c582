import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { sql } from 'kysely';
import { idempotencyLock } from '../../src/identity/idempotency-keys.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';

type Ticket = { id: string; number: string; tenant: string; tenantId: number; version: number; status: string; departmentId: string | null; priorityId: string | null; tags: string[]; requesterId: string };

forEachDatabase('the ticket API', (db, kind) => {
  let app: FastifyInstance;
  let catalog: Catalog;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  /** Signs `email` in at its tenant's host once; returns a caller bound to that host and cookie. */
  let as: (email: string) => Promise<Caller>;

  const open = async (email: string, body: object, headers?: Record<string, string>): Promise<Ticket> => {
    const res = await (await as(email))({ method: 'POST', url: '/api/v1/tickets', body, ...(headers ? { headers } : {}) });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };

  const errorOf = (res: LightMyRequestResponse) => res.json().error as { code: string; field?: string };
  const sequence = (number: string) => Number(number.split('-').pop());

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, catalog, call, as } = desk);
    const ctx = systemContext(desk.shards, DEFAULT_TENANCY, catalog.snapshot());
    const acme = catalog.snapshot().bySlug.get('acme')!.id;
    await createContact(ctx, { tenantId: acme, kind: 'agent', email: 'lead@acme.test', name: 'Acme lead', password: DEMO_PASSWORD, roles: ['tenant-admin'] });
    await createContact(ctx, { tenantId: acme, kind: 'customer', email: 'other@acme.test', name: 'Other customer', password: DEMO_PASSWORD, roles: ['customer'] });
  });
  after(async () => app?.close());

  it('answers 401 without a session', async () => {
    for (const url of ['/api/v1/tickets', '/api/v1/departments']) {
      const res = await call({ url, host: 'acme.localhost' });
      assert.equal(res.statusCode, 401);
      assert.equal(errorOf(res).code, 'UNAUTHENTICATED');
    }
  });

  it("opens a customer's ticket with the next number of its tenant and the help topic's defaults", async () => {
    const agent = await as('agent@acme.test');
    const topics = (await agent({ url: '/api/v1/help-topics' })).json().items as { id: string; name: string; departmentId: string; priorityId: string }[];
    const topic = topics.find((t) => t.name === 'General question')!;
    const first = await open('customer@acme.test', { subject: 'VPN is down', body: '<p>since 9:00</p><script>alert(1)</script>', helpTopicId: topic.id });
    const second = await open('customer@acme.test', { subject: 'VPN is still down', body: 'help' });
    assert.match(first.number, /^ACME-\d{6}$/);
    assert.equal(sequence(second.number), sequence(first.number) + 1);
    assert.equal(first.tenant, 'acme');
    assert.equal(first.departmentId, topic.departmentId);
    assert.equal(first.priorityId, topic.priorityId);
    assert.equal(first.status, 'open');
    const thread = (await agent({ url: `/api/v1/tickets/${first.id}/thread` })).json().entries as { kind: string; bodyHtml: string }[];
    assert.deepEqual(thread.map((e) => [e.kind, e.bodyHtml]), [['reply', '<p>since 9:00</p>']], 'the script was removed on the way in');
    const globex = await open('customer@globex.test', { subject: 'Lab door', body: 'stuck' });
    assert.match(globex.number, /^GLOBEX-\d{6}$/);
    assert.equal(sequence(globex.number), 3, 'globex counts its own tickets (two demo tickets before)');
  });

  it('hands out unique, gapless numbers to concurrent creations', async () => {
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => open('agent@acme-eu.test', { subject: `Burst ${i}`, body: 'x' })));
    const numbers = created.map((t) => sequence(t.number)).sort((a, b) => a - b);
    assert.equal(new Set(numbers).size, 12);
    assert.equal(numbers[11]! - numbers[0]!, 11, 'sequential: no gaps');
  });

  it('creates once per Idempotency-Key, refuses the key with another body and while in flight', async () => {
    const agent = await as('agent@globex.test');
    const body = { subject: 'Idempotent printer', body: 'jam' };
    const headers = { 'idempotency-key': 'create-printer-1' };
    const first = await agent({ method: 'POST', url: '/api/v1/tickets', body, headers });
    const again = await agent({ method: 'POST', url: '/api/v1/tickets', body, headers });
    assert.equal(first.statusCode, 201);
    assert.equal(again.statusCode, 201);
    assert.deepEqual(again.json(), first.json());
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const listed = (await agent({ url: '/api/v1/tickets?q=idempotent%20printer' })).json().items;
    assert.equal(listed.length, 1, 'never a duplicate');
    const other = await agent({ method: 'POST', url: '/api/v1/tickets', body: { ...body, subject: 'Something else' }, headers });
    assert.equal(other.statusCode, 422);
    assert.equal(errorOf(other).code, 'IDEMPOTENCY_KEY_REUSED');
    const burst = await Promise.all(
      Array.from({ length: 6 }, () => agent({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Burst printer', body: 'x' }, headers: { 'idempotency-key': 'burst-1' } })),
    );
    const created = burst.filter((r) => r.statusCode === 201);
    assert.ok(created.length >= 1 && burst.every((r) => r.statusCode === 201 || errorOf(r).code === 'CONFLICT'), burst.map((r) => r.statusCode).join());
    assert.equal(new Set(created.map((r) => r.json().id)).size, 1, 'concurrent requests with one key: one ticket');
    assert.equal((await agent({ url: '/api/v1/tickets?q=burst%20printer' })).json().items.length, 1);
    if (kind === 'postgres') {
      // Another session holds the key's lock, as a request still running would: the second is 409.
      const me = (await agent({ url: '/api/v1/me' })).json();
      const globex = catalog.snapshot().bySlug.get('globex')!.id;
      await db().app.connection().execute(async (session) => {
        await sql`select pg_advisory_lock(${idempotencyLock(globex, me.contact.id, 'in-flight')})`.execute(session);
        const busy = await agent({ method: 'POST', url: '/api/v1/tickets', body, headers: { 'idempotency-key': 'in-flight' } });
        await sql`select pg_advisory_unlock(${idempotencyLock(globex, me.contact.id, 'in-flight')})`.execute(session);
        assert.equal(busy.statusCode, 409);
        assert.equal(errorOf(busy).code, 'CONFLICT');
      });
    }
    const otherCaller = await (await as('customer@globex.test'))({ method: 'POST', url: '/api/v1/tickets', body, headers });
    assert.equal(otherCaller.statusCode, 201, 'keys are per caller');
    assert.notEqual(otherCaller.json().id, first.json().id);
  });

  it('adds a reply once per Idempotency-Key', async () => {
    const agent = await as('agent@globex.test');
    const ticket = await open('customer@globex.test', { subject: 'Idempotent reply', body: 'x' });
    const send = () => agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'on my way' }, headers: { 'idempotency-key': 'reply-1' } });
    const first = await send();
    const again = await send();
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual(again.json(), first.json());
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const replies = ((await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { bodyHtml: string }[]).filter((e) => e.bodyHtml === 'on my way');
    assert.equal(replies.length, 1);
    const note = await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/notes`, body: { body: 'on my way' }, headers: { 'idempotency-key': 'reply-1' } });
    assert.equal(errorOf(note).code, 'IDEMPOTENCY_KEY_REUSED', 'a note is another request than a reply');
  });

  it('refuses an Idempotency-Key used on one ticket for the same request on another (422), which keeps nothing of the first', async () => {
    const agent = await as('agent@globex.test');
    const [t1, t2] = [await open('customer@globex.test', { subject: 'Key on T1', body: 'x' }), await open('customer@globex.test', { subject: 'Key on T2', body: 'x' })];
    const headers = { 'idempotency-key': 'reply-across-tickets' };
    const first = await agent({ method: 'POST', url: `/api/v1/tickets/${t1.id}/replies`, body: { body: 'same words' }, headers });
    assert.equal(first.statusCode, 201, first.body);
    const second = await agent({ method: 'POST', url: `/api/v1/tickets/${t2.id}/replies`, body: { body: 'same words' }, headers });
    assert.equal(second.statusCode, 422, 'not the answer of the reply to the first ticket');
    assert.equal(errorOf(second).code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(errorOf(second).field, 'Idempotency-Key');
    const onT2 = ((await agent({ url: `/api/v1/tickets/${t2.id}/thread` })).json().entries as { bodyHtml: string }[]).filter((e) => e.bodyHtml === 'same words');
    assert.equal(onT2.length, 0, 'nothing written to the second ticket');
    const fresh = await agent({ method: 'POST', url: `/api/v1/tickets/${t2.id}/replies`, body: { body: 'same words' }, headers: { 'idempotency-key': 'reply-across-tickets-2' } });
    assert.equal(fresh.statusCode, 201, 'a new key for the new request works');
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${t1.id}/replies`, body: { body: 'same words' }, headers })).headers['idempotent-replayed'], 'true');
  });

  it("reopens a pending or resolved ticket when its customer replies, not when an agent does", async () => {
    const agent = await as('agent@acme.test');
    const customer = await as('customer@acme.test');
    const ticket = await open('customer@acme.test', { subject: 'Waiting on me', body: 'x' });
    const pending = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { status: 'pending', version: 1 } });
    assert.equal(pending.json().status, 'pending');
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'Any news?' } })).statusCode, 201);
    assert.equal((await agent({ url: `/api/v1/tickets/${ticket.id}` })).json().status, 'pending', "an agent's reply leaves it waiting");
    assert.equal((await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'Here it is' } })).statusCode, 201);
    const reopened = (await agent({ url: `/api/v1/tickets/${ticket.id}` })).json();
    assert.equal(reopened.status, 'open');
    const resolved = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { status: 'resolved', version: reopened.version } });
    assert.equal(resolved.json().status, 'resolved');
    await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'It broke again' } });
    assert.equal((await agent({ url: `/api/v1/tickets/${ticket.id}` })).json().status, 'open');
    const events = ((await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { kind: string; data: { event: string; from?: unknown; to?: unknown } }[])
      .filter((e) => e.kind === 'event')
      .map((e) => [e.data.from, e.data.to]);
    assert.deepEqual(events, [['open', 'pending'], ['pending', 'open'], ['open', 'resolved'], ['resolved', 'open']]);
  });

  it('refuses an update based on a stale version with 409, and lets exactly one of two racing updates win', async () => {
    const agent = await as('agent@acme.test');
    const ticket = await open('agent@acme.test', { subject: 'Race', body: 'x' });
    const got = await agent({ url: `/api/v1/tickets/${ticket.id}` });
    assert.equal(got.headers.etag, '"1"');
    const ok = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { subject: 'Race 2' }, headers: { 'if-match': '"1"' } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().version, 2);
    const stale = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { subject: 'Lost?' }, headers: { 'if-match': '"1"' } });
    assert.equal(stale.statusCode, 409);
    assert.equal(errorOf(stale).code, 'CONFLICT');
    const racing = await Promise.all(['A', 'B'].map((s) => agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { subject: s, version: 2 } })));
    assert.deepEqual(racing.map((r) => r.statusCode).sort(), [200, 409]);
    const missing = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { subject: 'no version' } });
    assert.equal(errorOf(missing).field, 'version');
  });

  it('records status changes and assignment as system events and in the audit trail of the thread', async () => {
    const agent = await as('agent@acme.test');
    const me = (await agent({ url: '/api/v1/me' })).json();
    const ticket = await open('agent@acme.test', { subject: 'Events', body: 'x' });
    const res = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { status: 'pending', assigneeId: me.contact.id, version: 1 } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'pending');
    const closed = await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/close`, body: { version: 2 } });
    assert.equal(closed.json().status, 'closed');
    const reopened = await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/reopen`, body: { version: 3 } });
    assert.equal(reopened.json().status, 'open');
    const events = ((await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { kind: string; data: { event: string; from?: unknown; to?: unknown } }[])
      .filter((e) => e.kind === 'event')
      .map((e) => [e.data.event, e.data.from, e.data.to]);
    assert.deepEqual(events, [
      ['status', 'open', 'pending'],
      ['assignment', null, me.contact.id],
      ['status', 'pending', 'closed'],
      ['status', 'closed', 'open'],
    ]);
  });

  it('never shows internal notes to customers, and shows a customer only its own tickets', async () => {
    const customer = await as('customer@acme.test');
    const agent = await as('agent@acme.test');
    const ticket = await open('customer@acme.test', { subject: 'Notes', body: 'x' });
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/notes`, body: { body: 'internal only' } })).statusCode, 201);
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/replies`, body: { body: 'public answer' } })).statusCode, 201);
    const seenByCustomer = (await customer({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { kind: string; bodyHtml: string }[];
    assert.deepEqual(seenByCustomer.map((e) => e.bodyHtml), ['x', 'public answer']);
    const seenByAgent = (await agent({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { kind: string }[];
    assert.ok(seenByAgent.some((e) => e.kind === 'note'));
    const noteByCustomer = await customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/notes`, body: { body: 'sneaky' } });
    assert.equal(noteByCustomer.statusCode, 403);
    const other = await as('other@acme.test');
    assert.equal((await other({ url: `/api/v1/tickets/${ticket.id}` })).statusCode, 404);
    assert.equal((await other({ url: `/api/v1/tickets/${ticket.id}/thread` })).statusCode, 404);
    const othersQueue = (await other({ url: '/api/v1/tickets' })).json().items as Ticket[];
    assert.ok(!othersQueue.some((t) => t.id === ticket.id));
  });

  it("answers 404 for another tenant's ticket, and for merge and link targets of another tenant", async () => {
    const acmeTicket = await open('agent@acme.test', { subject: 'Acme only', body: 'x' });
    const globexTicket = await open('agent@globex.test', { subject: 'Globex only', body: 'x' });
    const globex = await as('agent@globex.test');
    for (const c of [
      { url: `/api/v1/tickets/${acmeTicket.id}` },
      { url: `/api/v1/tickets/${acmeTicket.id}/thread` },
      { method: 'PATCH' as const, url: `/api/v1/tickets/${acmeTicket.id}`, body: { subject: 'mine now', version: 1 } },
      { method: 'POST' as const, url: `/api/v1/tickets/${acmeTicket.id}/replies`, body: { body: 'hello' } },
      { method: 'POST' as const, url: `/api/v1/tickets/${globexTicket.id}/merge`, body: { targetId: acmeTicket.id, version: 1 } },
    ]) {
      const res = await globex(c);
      assert.equal(res.statusCode, 404, `${c.url}: ${res.body}`);
      assert.equal(errorOf(res).code, 'NOT_FOUND');
    }
    const sp = await as('admin@northwind.test');
    const merge = await sp({ method: 'POST', url: `/api/v1/tickets/${globexTicket.id}/merge`, body: { targetId: acmeTicket.id, version: 1 } });
    assert.equal(merge.statusCode, 404, 'even a reader of both tenants cannot merge across them');
    const link = await sp({ method: 'POST', url: `/api/v1/tickets/${globexTicket.id}/links`, body: { ticketId: acmeTicket.id } });
    assert.equal(link.statusCode, 404);
    assert.equal(errorOf(link).field, 'ticketId');
  });

  it('merges and links tickets of one tenant', async () => {
    const agent = await as('agent@globex.test');
    const source = await open('customer@globex.test', { subject: 'Duplicate', body: 'x' });
    const target = await open('agent@globex.test', { subject: 'Original', body: 'x' });
    const merged = await agent({ method: 'POST', url: `/api/v1/tickets/${source.id}/merge`, body: { targetId: target.id }, headers: { 'if-match': '1' } });
    assert.equal(merged.statusCode, 200, merged.body);
    assert.equal(merged.json().mergedIntoId, target.id);
    assert.equal(merged.json().status, 'closed');
    const targetThread = (await agent({ url: `/api/v1/tickets/${target.id}/thread` })).json().entries as { data: { event?: string } }[];
    assert.ok(targetThread.some((e) => e.data.event === 'merged-in'));
    const third = await open('agent@globex.test', { subject: 'Related', body: 'x' });
    const link = await agent({ method: 'POST', url: `/api/v1/tickets/${target.id}/links`, body: { ticketId: third.id, kind: 'related' } });
    assert.equal(link.statusCode, 201, link.body);
    const twice = await agent({ method: 'POST', url: `/api/v1/tickets/${target.id}/links`, body: { ticketId: third.id } });
    assert.equal(twice.statusCode, 409);
    const links = (await agent({ url: `/api/v1/tickets/${third.id}/links` })).json().links;
    assert.equal(links.length, 1, 'a link shows from both ends');
  });

  it('lets a service-provider agent work the tickets of several tenants', async () => {
    const sp = await as('agent@northwind.test');
    const all = (await sp({ url: '/api/v1/tickets?limit=200' })).json().items as Ticket[];
    const tenants = new Set(all.map((t) => t.tenant));
    assert.ok(tenants.has('acme') && tenants.has('globex') && tenants.has('acme-eu'), [...tenants].join());
    const globexId = catalog.snapshot().bySlug.get('globex')!.id;
    const onlyGlobex = (await sp({ url: `/api/v1/tickets?tenantId=${globexId}&limit=200` })).json().items as Ticket[];
    assert.ok(onlyGlobex.length > 0 && onlyGlobex.every((t) => t.tenant === 'globex'));
    const ambiguous = await sp({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'For whom?', body: 'x' } });
    assert.equal(errorOf(ambiguous).code, 'TENANT_REQUIRED');
    assert.equal(errorOf(ambiguous).field, 'tenantId');
    const forGlobex = await sp({ method: 'POST', url: '/api/v1/tickets', body: { tenantId: globexId, subject: 'From the SP', body: 'x' } });
    assert.equal(forGlobex.statusCode, 201, forGlobex.body);
    assert.match(forGlobex.json().number, /^GLOBEX-/);
    const me = (await sp({ url: '/api/v1/me' })).json();
    const assigned = await sp({ method: 'PATCH', url: `/api/v1/tickets/${forGlobex.json().id}`, body: { assigneeId: me.contact.id, version: 1 } });
    assert.equal(assigned.statusCode, 200, 'an assignee of the service provider is allowed (SP-eligible)');
  });

  it('pages the queue by cursor without repeats or gaps while tickets are created', async () => {
    const agent = await as('agent@acme-eu.test');
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = false;
    do {
      const url: string = `/api/v1/tickets?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await agent({ url })).json() as { items: Ticket[]; nextCursor: string | null };
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
      if (!inserted) {
        await open('agent@acme-eu.test', { subject: 'Arrives while paging', body: 'x' });
        inserted = true;
      }
    } while (cursor);
    const everything = (await agent({ url: '/api/v1/tickets?limit=200' })).json().items as Ticket[];
    assert.equal(new Set(seen).size, seen.length, 'no ticket twice');
    assert.deepEqual(seen, everything.map((t) => t.id).filter((id) => seen.includes(id)));
    assert.equal(seen.length, everything.length - 1, 'every ticket but the one created after the first page');
    const bad = await agent({ url: '/api/v1/tickets?cursor=not-a-cursor' });
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).field, 'cursor');
  });

  it('applies ticket filters: sets fields and tags, or rejects', async () => {
    const lead = await as('lead@acme.test');
    const departments = (await lead({ url: '/api/v1/departments' })).json().items as { id: string; name: string }[];
    const sales = departments.find((d) => d.name === 'Sales')!;
    const filter = await lead({
      method: 'POST',
      url: '/api/v1/ticket-filters',
      body: { name: 'Invoices to sales', rules: [{ field: 'subject', op: 'contains', value: 'invoice' }], setDepartmentId: sales.id, addTags: ['billing'] },
    });
    assert.equal(filter.statusCode, 201, filter.body);
    const reject = await lead({ method: 'POST', url: '/api/v1/ticket-filters', body: { name: 'No spam', position: 1, rules: [{ field: 'body', op: 'contains', value: 'cheap pills' }], reject: true } });
    assert.equal(reject.statusCode, 201, reject.body);
    const ticket = await open('customer@acme.test', { subject: 'Wrong INVOICE amount', body: 'x' });
    assert.equal(ticket.departmentId, sales.id);
    assert.deepEqual(ticket.tags, ['billing']);
    const spam = await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Offer', body: 'Cheap pills here' } });
    assert.equal(spam.statusCode, 422);
    assert.equal(errorOf(spam).code, 'TICKET_REJECTED');
    const badRule = await lead({ method: 'POST', url: '/api/v1/ticket-filters', body: { name: 'Bad', rules: [{ field: 'password', op: 'contains', value: 'x' }] } });
    assert.equal(badRule.statusCode, 400);
    assert.equal(errorOf(badRule).field, 'rules');
    const byCustomer = await (await as('customer@acme.test'))({ url: '/api/v1/ticket-filters' });
    assert.equal(byCustomer.statusCode, 404, 'customers do not see the filters');
  });

  it('names the field of every validation error and never answers 500 for bad input', async () => {
    const agent = await as('agent@acme.test');
    const globexDepartment = ((await (await as('agent@globex.test'))({ url: '/api/v1/departments' })).json().items as { id: string }[])[0]!;
    const cases: [object, string, string][] = [
      [{ body: 'x' }, 'VALIDATION_FAILED', 'subject'],
      [{ subject: 'x', body: 'x', colour: 'red' }, 'VALIDATION_FAILED', 'colour'],
      [{ subject: 'x', body: 'x', type: 'wish' }, 'VALIDATION_FAILED', 'type'],
      [{ subject: 'x', body: 'x', departmentId: 'nope' }, 'VALIDATION_FAILED', 'departmentId'],
      [{ subject: 'x', body: 'x', departmentId: globexDepartment.id }, 'TENANT_REFERENCE_INVALID', 'departmentId'],
      [{ subject: 'x', body: '<script>only</script>' }, 'VALIDATION_FAILED', 'body'],
    ];
    for (const [body, code, field] of cases) {
      const res = await agent({ method: 'POST', url: '/api/v1/tickets', body });
      assert.equal(res.statusCode, code === 'VALIDATION_FAILED' ? 400 : 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.deepEqual([errorOf(res).code, errorOf(res).field], [code, field], JSON.stringify(body));
    }
    const notUuid = await agent({ url: '/api/v1/tickets/42' });
    assert.equal(notUuid.statusCode, 400);
    const unknownStatus = await agent({ url: '/api/v1/tickets?status=sleeping' });
    assert.equal(errorOf(unknownStatus).field, 'status');
  });

  it('lets administrators manage the desk configuration of their tenant only', async () => {
    const lead = await as('lead@acme.test');
    const agent = await as('agent@acme.test');
    const created = await lead({ method: 'POST', url: '/api/v1/departments', body: { name: 'Facilities' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().tenant, 'acme');
    const id = created.json().id as string;
    assert.equal(errorOf(await agent({ method: 'POST', url: '/api/v1/departments', body: { name: 'Nope' } })).code, 'FORBIDDEN');
    assert.equal((await (await as('agent@globex.test'))({ url: `/api/v1/departments/${id}` })).statusCode, 404);
    const renamed = await lead({ method: 'PATCH', url: `/api/v1/departments/${id}`, body: { name: 'Buildings' } });
    assert.equal(renamed.json().name, 'Buildings');
    assert.equal((await lead({ method: 'DELETE', url: `/api/v1/departments/${id}` })).statusCode, 204);
    assert.equal((await lead({ url: `/api/v1/departments/${id}` })).statusCode, 404);
    const publicTopic = await lead({ method: 'POST', url: '/api/v1/help-topics', body: { tenantId: null, name: 'Everyone' } });
    assert.equal(errorOf(publicTopic).code, 'PUBLIC_WRITE_DENIED');
    const sp = await as('admin@northwind.test');
    const plan = await sp({ method: 'POST', url: '/api/v1/sla-plans', body: { tenantId: null, name: 'Gold', resolutionMinutes: 240, businessHours: { mon: [['08:00', '18:00']] } } });
    assert.equal(plan.statusCode, 201, plan.body);
    const plans = (await agent({ url: '/api/v1/sla-plans' })).json().items as { name: string; tenant: string | null }[];
    assert.ok(plans.some((p) => p.name === 'Gold' && p.tenant === null), 'public plans are merged into every tenant’s view');
    const badHours = await sp({ method: 'POST', url: '/api/v1/sla-plans', body: { tenantId: null, name: 'Bad', resolutionMinutes: 60, businessHours: { mon: [['18:00', '08:00']] } } });
    assert.deepEqual([badHours.statusCode, errorOf(badHours).field], [400, 'businessHours']);
    const canned = await lead({ method: 'POST', url: '/api/v1/canned-responses', body: { title: 'Thanks', bodyHtml: '<p>Thanks!</p><img src=x onerror=alert(1)>' } });
    assert.equal(canned.json().bodyHtml, '<p>Thanks!</p><img src="x" />');
  });

  it('serves the OpenAPI document with the ticket paths, and the interactive docs', async () => {
    const doc = (await call({ url: '/api/openapi.json', host: 'acme.localhost' })).json();
    for (const path of ['/api/v1/tickets', '/api/v1/tickets/{id}', '/api/v1/tickets/{id}/replies', '/api/v1/tickets/{id}/notes', '/api/v1/tickets/{id}/thread', '/api/v1/departments']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.ok(doc.paths['/api/v1/tickets'].post.requestBody, 'with its request schema');
    const docs = await call({ url: '/api/docs/', host: 'acme.localhost' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.headers['content-type'] as string, /text\/html/);
    assert.doesNotMatch(docs.body, /https?:\/\/(?!localhost)[a-z]/i, 'no asset from the internet');
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { parseAddressPolicy } from '../../src/net/address-policy.ts';
import { createOutbound } from '../../src/net/guarded-connect.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { deliverWebhookHandler } from '../../src/webhooks/deliver-webhook.ts';
import { fanOutArticleHandler } from '../../src/webhooks/kb-article-published.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';
import { freePort } from '../support/net.ts';
import { addTenantAdmins, TEST_SECRET } from '../mail/mail-fixtures.ts';
import { startReceiver, verified } from '../support/webhook-receiver.ts';

forEachDatabase('signed webhooks per tenant (a real receiver)', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let drain: () => Promise<unknown>;
  const hooks: Record<string, { id: string; secret: string }> = {};

  before(async () => {
    receiver = await startReceiver();
    const outbound = createOutbound({ policy: parseAddressPolicy('127.0.0.1/32'), timeoutMs: 3000 });
    const desk = await demoDeskApp(db(), { mailSecret: TEST_SECRET, outbound });
    ({ app, as } = desk);
    await addTenantAdmins(desk);
    const runner = new JobRunner(
      { shards: desk.shards, settings: DEFAULT_TENANCY, catalog: () => desk.catalog.snapshot() },
      { handlers: [deliverWebhookHandler({ outbound, box: secretBox(TEST_SECRET) }) as unknown as JobHandler<never>, fanOutArticleHandler as unknown as JobHandler<never>] },
    );
    drain = () => runner.drain(db());
    for (const [tenant, events] of [['acme', ['ticket.created', 'ticket.status_changed', 'thread.reply_added']], ['globex', ['ticket.created']]] as const) {
      const created = await (await as(`admin@${tenant}.test`))({ method: 'POST', url: '/api/v1/webhooks', body: { url: receiver.url(`/${tenant}`), events, description: `${tenant}'s tools` } });
      assert.equal(created.statusCode, 201, created.body);
      assert.match(created.json().secret, /^whsec_/);
      hooks[tenant] = { id: created.json().id, secret: created.json().secret };
    }
  });
  after(async () => {
    await app?.close();
    await receiver?.close();
  });

  it('shows the secret only once, keeps subscriptions per tenant, and refuses strangers', async () => {
    const acme = await as('admin@acme.test');
    const list = await acme({ url: '/api/v1/webhooks' });
    assert.deepEqual(list.json().webhooks.map((w: { id: string }) => w.id), [hooks.acme!.id]);
    assert.doesNotMatch(list.body, /whsec_|secretEnc/);
    const globex = await as('admin@globex.test');
    assert.equal((await globex({ url: `/api/v1/webhooks/${hooks.acme!.id}` })).statusCode, 404);
    assert.equal((await globex({ url: `/api/v1/webhooks/${hooks.acme!.id}/deliveries` })).statusCode, 404);
    assert.equal((await globex({ method: 'DELETE', url: `/api/v1/webhooks/${hooks.acme!.id}` })).statusCode, 404);
    assert.equal((await (await as('agent@acme.test'))({ url: '/api/v1/webhooks' })).statusCode, 403);
  });

  it('refuses a target on a private, link-local or unlisted loopback address, and an unknown event', async () => {
    const acme = await as('admin@acme.test');
    for (const url of ['http://10.0.0.7/hook', 'http://169.254.169.254/latest', 'http://[::1]:8080/hook']) {
      const answer = await acme({ method: 'POST', url: '/api/v1/webhooks', body: { url, events: ['ticket.created'] } });
      assert.equal(answer.statusCode, 400, `${url}: ${answer.body}`);
      assert.equal(answer.json().error.field, 'url');
    }
    assert.equal((await acme({ method: 'POST', url: '/api/v1/webhooks', body: { url: receiver.url('/x'), events: ['ticket.exploded'] } })).statusCode, 400);
  });

  it('delivers a tenant’s events signed to its own receiver only, never another tenant’s', async () => {
    receiver.received.length = 0;
    const opened = await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Printer on fire', body: 'smoke' } });
    assert.equal(opened.statusCode, 201, opened.body);
    assert.equal(receiver.received.length, 0, 'the change is acknowledged before any delivery: a slow receiver cannot slow it');
    await drain();
    assert.deepEqual(receiver.received.map((r) => r.path), ['/acme']);
    const [delivery] = receiver.received;
    assert.ok(verified(hooks.acme!.secret, delivery!), 'signed with acme’s secret');
    assert.ok(!verified(hooks.globex!.secret, delivery!), 'not with another secret');
    const payload = JSON.parse(delivery!.body);
    assert.deepEqual([payload.type, payload.tenant, payload.data.ticket.subject, payload.id], ['ticket.created', 'acme', 'Printer on fire', delivery!.headers['webhook-id']]);

    receiver.received.length = 0;
    assert.equal((await (await as('customer@globex.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Lab door', body: 'stuck' } })).statusCode, 201);
    await drain();
    assert.deepEqual(receiver.received.map((r) => r.path), ['/globex']);
    assert.equal(JSON.parse(receiver.received[0]!.body).tenant, 'globex');
  });

  it('retries a receiver answering 500 with back-off, logging each attempt, with the same event id', async () => {
    receiver.received.length = 0;
    receiver.statuses.push(500);
    const opened = await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Flaky receiver', body: 'x' } });
    assert.equal(opened.statusCode, 201);
    await drain();
    const acme = await as('admin@acme.test');
    const log = async () => (await acme({ url: `/api/v1/webhooks/${hooks.acme!.id}/deliveries` })).json().deliveries[0];
    const first = await log();
    assert.deepEqual([first.state, first.attempts, first.lastStatus], ['retrying', 1, 500]);
    assert.ok(new Date(first.nextAttemptAt).getTime() > Date.now() + 30_000, 'the next attempt waits');
    // The back-off's time comes now (the clock is not ours to move): the next attempt is due.
    await sql`update jobs set run_at = now() where name = 'webhook.deliver' and state = 'queued'`.execute(db().owner);
    await drain();
    const second = await log();
    assert.deepEqual([second.state, second.attempts, second.lastStatus], ['delivered', 2, 200]);
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[0]!.headers['webhook-id'], receiver.received[1]!.headers['webhook-id'], 'one event id for every attempt');
    assert.ok(receiver.received.every((r) => verified(hooks.acme!.secret, r)));

    const again = await acme({ method: 'POST', url: `/api/v1/webhooks/${hooks.acme!.id}/deliveries/${second.id as string}/redeliver` });
    assert.equal(again.statusCode, 202, again.body);
    await drain();
    assert.equal(receiver.received.length, 3, 'sent again by hand');
    const globex = await as('admin@globex.test');
    assert.equal((await globex({ method: 'POST', url: `/api/v1/webhooks/${hooks.acme!.id}/deliveries/${second.id as string}/redeliver` })).statusCode, 404);
  });

  it('creates tickets at full speed while a slow receiver holds a delivery: no connection waits on it', async () => {
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    const port = await freePort();
    const slow = createServer((req, res) => {
      req.resume();
      arrived();
      release = () => res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => slow.listen(port, '127.0.0.1', resolve));
    const acme = await as('admin@acme.test');
    const hook = (await acme({ method: 'POST', url: '/api/v1/webhooks', body: { url: `http://127.0.0.1:${port}/slow`, events: ['ticket.created'] } })).json();
    try {
      const customer = await as('customer@acme.test');
      assert.equal((await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Slow one', body: 'x' } })).statusCode, 201);
      const sending = drain();
      await held;
      const started = Date.now();
      const meanwhile = await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'While the receiver thinks', body: 'x' } });
      assert.equal(meanwhile.statusCode, 201, meanwhile.body);
      assert.ok(Date.now() - started < 1000, `created in ${Date.now() - started} ms while a delivery was held`);
      release();
      await sending;
    } finally {
      release();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
      await acme({ method: 'DELETE', url: `/api/v1/webhooks/${hook.id as string}` });
    }
  });

  it('signs with a rotated secret from then on', async () => {
    const acme = await as('admin@acme.test');
    const rotated = await acme({ method: 'POST', url: `/api/v1/webhooks/${hooks.acme!.id}/rotate-secret` });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const secret = rotated.json().secret as string;
    assert.notEqual(secret, hooks.acme!.secret);
    receiver.received.length = 0;
    await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'After rotation', body: 'x' } });
    await drain();
    assert.ok(verified(secret, receiver.received[0]!));
    assert.ok(!verified(hooks.acme!.secret, receiver.received[0]!));
  });

  it('sends replies to a subscription that asked for them, and notes only to one that opted in', async () => {
    const agent = await as('agent@acme.test');
    // Opened by the customer, so the ticket has a requester to reply to (decision 0110).
    const ticket = (await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Notes and replies', body: 'x' } })).json();
    await drain();
    receiver.received.length = 0;
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id as string}/notes`, body: { body: 'internal: the vendor owes us' } })).statusCode, 201);
    assert.equal((await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.id as string}/replies`, body: { body: 'We are on it' } })).statusCode, 201);
    await drain();
    assert.deepEqual(receiver.received.map((r) => JSON.parse(r.body).type), ['thread.reply_added']);
    assert.doesNotMatch(receiver.received[0]!.body, /We are on it|vendor owes/, 'the text itself is not sent');
  });

  it('sends of a ticket nothing its own customer cannot read: every field of each payload equals the customer’s API view of it', async () => {
    const acme = await as('admin@acme.test');
    const all = (await acme({ method: 'POST', url: '/api/v1/webhooks', body: { url: receiver.url('/all'), events: ['ticket.created', 'ticket.updated', 'thread.reply_added'] } })).json();
    const customer = await as('customer@acme.test');
    const ticket = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'What may a customer see', body: 'x' } })).json();
    const agent = await as('agent@acme.test');
    const me = (await agent({ url: '/api/v1/me' })).json();
    const assigned = await agent({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id as string}`, body: { version: ticket.version, assigneeId: me.contact?.id ?? me.id, tags: ['agents-eyes-only'] } });
    assert.equal(assigned.statusCode, 200, assigned.body);
    await drain();
    const view = (await customer({ url: `/api/v1/tickets/${ticket.id as string}` })).json();
    const seen = (view.ticket ?? view) as Record<string, unknown>;
    const payloads = receiver.received.filter((r) => r.path === '/all').map((r) => JSON.parse(r.body) as { type: string; data: { ticket: Record<string, unknown> } });
    assert.deepEqual(payloads.map((p) => p.type), ['ticket.created', 'ticket.updated']);
    assert.deepEqual((payloads[1]!.data as unknown as { changed: string[] }).changed, [], 'only agents’ fields changed');
    for (const { type, data } of payloads) {
      for (const [field, value] of Object.entries(data.ticket)) {
        if (field === 'updatedAt' || (type === 'ticket.created' && field === 'status')) continue; // of the moment the event was recorded
        assert.ok(field in seen, `${type}: ${field} is not in the customer's own view of the ticket`);
        assert.deepEqual(value, seen[field], `${type}: ${field}`);
      }
      assert.doesNotMatch(JSON.stringify(data), /agents-eyes-only|assignee|tags/, `${type}: the agents' tag and assignee stay out, even by name`);
    }
    await acme({ method: 'DELETE', url: `/api/v1/webhooks/${all.id as string}` });
  });

  it('lets the service provider subscribe at a tenant it reads: the row lives in that tenant, so the change’s own transaction writes its delivery', async () => {
    const sp = await as('admin@northwind.test');
    const created = await sp({ method: 'POST', url: '/api/v1/webhooks', body: { tenant: 'globex', url: receiver.url('/sp-globex'), events: ['ticket.created'] } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().tenant, 'globex');
    const opened = await (await as('customer@globex.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Seen by the SP', body: 'x' } });
    assert.equal(opened.statusCode, 201, opened.body);
    const written = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where subscription_id = ${created.json().id as string} and tenant_id = (select tenant_id from tickets where id = ${opened.json().id as string})`.execute(db().owner);
    assert.equal(written.rows[0]!.n, 1, 'the delivery row is in the ticket’s tenant, committed with it, before any job ran');
    await drain();
    const got = receiver.received.filter((r) => r.path === '/sp-globex');
    assert.equal(got.length, 1);
    assert.ok(verified(created.json().secret, got[0]!));
    assert.equal(JSON.parse(got[0]!.body).tenant, 'globex');
    assert.equal((await (await as('admin@acme.test'))({ url: `/api/v1/webhooks/${created.json().id as string}` })).statusCode, 404, 'another tenant never sees it');
    await sp({ method: 'DELETE', url: `/api/v1/webhooks/${created.json().id as string}` });
  });

  it('sends a published article to the subscriptions of the tenants that read it by the reference rules, never an agents-only one', async () => {
    const subscribe = async (who: Caller, path: string, extra: object = {}) => {
      const made = await who({ method: 'POST', url: '/api/v1/webhooks', body: { url: receiver.url(path), events: ['kb.article_published'], ...extra } });
      assert.equal(made.statusCode, 201, made.body);
      return made.json() as { id: string; secret: string };
    };
    const sp = await as('admin@northwind.test');
    const acme = await as('admin@acme.test');
    const made = [
      await subscribe(acme, '/kb-acme'),
      await subscribe(await as('admin@globex.test'), '/kb-globex'),
      await subscribe(sp, '/kb-acme-eu', { tenant: 'acme-eu' }),
      await subscribe(sp, '/kb-sp', { tenantScope: 'all-readable' }),
    ];
    const publish = async (who: Caller, body: object) => {
      receiver.received.length = 0;
      const res = await who({ method: 'POST', url: '/api/v1/kb/articles', body: { body: '<p>The whole text stays home.</p>', status: 'published', ...body } });
      assert.equal(res.statusCode, 201, res.body);
      await drain();
      return receiver.received.filter((r) => r.path.startsWith('/kb-')).map((r) => `${r.path}:${JSON.parse(r.body).tenant as string}`).sort();
    };
    assert.deepEqual(await publish(sp, { tenantId: null, title: 'Resetting a password', visibility: 'public' }), ['/kb-acme-eu:acme-eu', '/kb-acme:acme', '/kb-globex:globex', '/kb-sp:northwind'], 'a public article: every tenant reads it; the provider’s one subscription hears of it once');
    assert.deepEqual(await publish(acme, { title: 'Acme’s printers', visibility: 'customers' }), ['/kb-acme-eu:acme-eu', '/kb-acme:acme', '/kb-sp:acme'], 'acme’s: acme and its subtenant, never globex');
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, 1, 'one event id wherever it goes');
    const payload = JSON.parse(receiver.received.find((r) => r.path === '/kb-acme')!.body);
    assert.deepEqual([payload.type, payload.data.article.title, payload.data.article.owner], ['kb.article_published', 'Acme’s printers', 'acme']);
    assert.doesNotMatch(receiver.received.map((r) => r.body).join(), /whole text/, 'never the body');
    assert.ok(receiver.received.find((r) => r.path === '/kb-sp') && verified(made[3]!.secret, receiver.received.find((r) => r.path === '/kb-sp')!));
    assert.deepEqual(await publish(acme, { title: 'Our internal procedure', visibility: 'agents' }), [], 'agents-only: no event at all');
    assert.deepEqual(await publish(acme, { title: 'A draft', visibility: 'public', status: 'draft' }), [], 'a draft is not published');
    for (const hook of made) await sp({ method: 'DELETE', url: `/api/v1/webhooks/${hook.id}` });
  });

  it('gives a delivery up after 24 hours, and disables a subscription whose deliveries die five times in a row', async () => {
    const acme = await as('admin@acme.test');
    const closed = await freePort();
    const down = (await acme({ method: 'POST', url: '/api/v1/webhooks', body: { url: `http://127.0.0.1:${closed}/down`, events: ['ticket.created'] } })).json();
    for (let i = 1; i <= 5; i++) {
      assert.equal((await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: `Down ${i}`, body: 'x' } })).statusCode, 201);
      await drain();
      // A day goes by (the clock is not ours to move): the delivery is older than the retry window.
      await sql`update webhook_deliveries set created_at = now() - interval '25 hours' where subscription_id = ${down.id}`.execute(db().owner);
      await sql`update jobs set run_at = now() where name = 'webhook.deliver' and state = 'queued'`.execute(db().owner);
      await drain();
    }
    const deliveries = (await acme({ url: `/api/v1/webhooks/${down.id as string}/deliveries` })).json().deliveries;
    assert.deepEqual(deliveries.map((d: { state: string }) => d.state), ['dead', 'dead', 'dead', 'dead', 'dead']);
    assert.match(deliveries[0].lastError, /ECONNREFUSED/);
    const after = (await acme({ url: `/api/v1/webhooks/${down.id as string}` })).json();
    assert.equal(after.active, false);
    assert.match(after.disabledReason, /Disabled after 5 deliveries failed/);
    const told = await sql<{ to_address: string; subject: string }>`select to_address, subject from mail_outbox where kind = 'webhook-disabled'`.execute(db().owner);
    assert.deepEqual(told.rows.map((m) => m.to_address), ['admin@acme.test'], 'acme’s administrator is told, nobody of another tenant');
    assert.match(told.rows[0]!.subject, /disabled/);
  });
});

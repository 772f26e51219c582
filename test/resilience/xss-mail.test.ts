import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { forEachDatabase } from '../support/databases.ts';
import { mailDesk } from './mail-desk.ts';
import { assertNoActiveContent, chunked, xssCorpus } from './xss-corpus.ts';

/*
 * Mail that leaves TenantDesk carries no active content, whatever a customer put in the ticket's
 * subject, their own name or a message, and whatever an agent replied: each message is taken as
 * the outside mail server (smtp-server) received it, parsed, and its HTML checked.
 */

const CORPUS = xssCorpus('http://127.0.0.1:9');

forEachDatabase('the XSS corpus in outgoing mail', (db) => {
  let desk: Awaited<ReturnType<typeof mailDesk>>;
  const EVIL = 'evil-mail@acme.test';

  before(async () => {
    desk = await mailDesk(db());
  });
  after(async () => {
    await desk?.close();
  });

  it('sends agent replies and acknowledgments without active content', async () => {
    const admin = await desk.as('admin@northwind.test');
    const name = chunked(CORPUS, 200)[0]!;
    const contact = await admin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'customer', email: EVIL, name, password: DEMO_PASSWORD, roles: ['customer'] } });
    assert.equal(contact.statusCode, 201, contact.body);
    const customer = await desk.as(EVIL);
    const agent = await desk.as('agent@acme.test');
    const ticket = await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: chunked(CORPUS, 500)[0]!, body: CORPUS.join('\n') } });
    assert.equal(ticket.statusCode, 201, ticket.body);
    for (const body of [CORPUS.join('\n'), ...CORPUS.slice(0, 8)]) {
      const reply = await agent({ method: 'POST', url: `/api/v1/tickets/${ticket.json().id as string}/replies`, body: { body } });
      assert.ok(reply.statusCode === 201 || reply.statusCode === 400, reply.body);
    }
    // A new ticket by mail: the acknowledgment quotes the subject, the sender's name is the contact's.
    const raw = Buffer.from(
      [`From: "${name.replace(/["\\]/g, '')}" <mailer@customer.test>`, 'To: support@acme.test', `Subject: ${CORPUS.slice(0, 4).join(' ')}`, `Message-ID: <xss.${Date.now()}@customer.test>`, 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', CORPUS.join('\n'), ''].join('\r\n'),
    );
    const [delivery] = await receiveMessage(desk.deps, { raw, transport: 'smtp', recipients: ['support@acme.test'] });
    assert.equal(delivery!.outcome, 'ticket', delivery!.reason);

    assert.equal(await desk.send(), 0, 'every mail was sent');
    const toEvil = desk.relay.received.filter((m) => JSON.stringify(m.parsed.to).includes(EVIL));
    assert.ok(toEvil.length >= 2, `the replies reached the requester (${toEvil.length})`);
    assert.ok(desk.relay.received.some((m) => JSON.stringify(m.parsed.to).includes('mailer@customer.test')), 'the acknowledgment was sent');
    assert.ok(desk.relay.received.some((m) => String(m.parsed.html).includes('&lt;script&gt;')), 'the corpus reached the mail, as text');
    for (const { parsed } of desk.relay.received) {
      assert.equal(typeof parsed.html, 'string', 'an HTML part');
      assertNoActiveContent(parsed.html as string, `mail to ${JSON.stringify(parsed.to)}`);
    }
  });
});

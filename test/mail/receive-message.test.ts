import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { createConfigObject } from '../../src/desk/config/config-objects.ts';
import { addThreadEntry } from '../../src/desk/threads/add-thread-entry.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { signedMessageId } from '../../src/mail/message-token.ts';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { countQuarantine, listQuarantine } from '../../src/mail/quarantine.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { updateObject, listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { mailWorld, messageIdOf, rawMessage, trustedDmarcPass, type MailWorld } from './mail-fixtures.ts';

forEachDatabase('the inbound mail pipeline', (db) => {
  let w: MailWorld;
  const tickets = (tenant: number) => listObjects(w.admin, 'ticket', { where: { tenant_id: tenant }, orderBy: 'created_at', limit: 500 });
  const entries = (ticket: Row) => listObjects(w.admin, 'threadEntry', { where: { ticket_id: ticket.id }, orderBy: 'created_at', limit: 500 });
  const outbox = (where: Row = {}) => listObjects(w.admin, 'mailOutbox', { where, orderBy: 'created_at', limit: 500 });
  const receive = (raw: Buffer, recipients?: string[]) => receiveMessage(w.deps, { raw, transport: 'smtp', ...(recipients ? { recipients } : {}) });

  before(async () => {
    w = await mailWorld(db());
  });
  after(async () => {
    await w.deps.shards.close();
  });

  it('routes a message by its recipient address to that tenant, opening a ticket for a new customer contact', async () => {
    const [delivery] = await receive(rawMessage({ from: 'Carol <carol@customer.test>', subject: 'Printer on fire' }), ['support@acme.test']);
    assert.equal(delivery!.outcome, 'ticket');
    assert.equal(delivery!.tenantId, w.t.acme);
    assert.equal(delivery!.ticketNumber, 'ACME-000001');
    const [ticket] = await tickets(w.t.acme!);
    assert.deepEqual([ticket!.subject, ticket!.source], ['Printer on fire', 'email']);
    const [carol] = await listObjects(w.admin, 'contact', { where: { id: ticket!.requester_id } });
    assert.deepEqual([carol!.email, carol!.kind, carol!.tenant_id, carol!.name], ['carol@customer.test', 'customer', w.t.acme, 'Carol']);
    assert.equal((await tickets(w.t.globex!)).length, 0, 'the other tenant saw nothing');
    const [first] = await entries(ticket!);
    assert.equal(first!.body_html, '<p>It is on fire.<br />Please help.</p>');
    // The sender is acknowledged, threaded on its message, marked as an automatic reply.
    const [ack] = await outbox({ ticket_id: ticket!.id });
    assert.equal(ack!.kind, 'auto-reply');
    assert.equal(ack!.to_address, 'carol@customer.test');
    assert.equal(ack!.auto_submitted, true);
    assert.match(ack!.subject as string, /^Re: \[ACME-000001\] Printer on fire$/);
  });

  it('takes a message delivered twice (same Message-ID) once', async () => {
    const raw = rawMessage({ subject: 'Twice' });
    const [first] = await receive(raw, ['support@acme.test']);
    const [second] = await receive(raw, ['support@acme.test']);
    assert.equal(first!.outcome, 'ticket');
    assert.equal(second!.outcome, 'duplicate');
    assert.equal((await tickets(w.t.acme!)).filter((t) => t.subject === 'Twice').length, 1);
    // Concurrent deliveries of one message also make one ticket.
    const raw2 = rawMessage({ subject: 'Raced' });
    const outcomes = await Promise.all([receive(raw2, ['support@acme.test']), receive(raw2, ['support@acme.test'])]);
    assert.deepEqual(outcomes.map((d) => d[0]!.outcome).sort(), ['duplicate', 'ticket']);
    assert.equal((await tickets(w.t.acme!)).filter((t) => t.subject === 'Raced').length, 1);
  });

  it('threads a reply by In-Reply-To to a message the tenant received, and by our signed token', async () => {
    const original = rawMessage({ from: 'dave@customer.test', subject: 'VPN down' });
    const [opened] = await receive(original, ['support@acme.test']);
    const reply = rawMessage({ from: 'dave@customer.test', subject: 'Re: VPN down', inReplyTo: `<${messageIdOf(original)}>` });
    const [joined] = await receive(reply, ['support@acme.test']);
    assert.deepEqual([joined!.outcome, joined!.ticketId], ['reply', opened!.ticketId]);
    // A Message-ID we sent carries a token naming the ticket: a reply to it threads with no lookup.
    const ours = signedMessageId(w.deps.box, { tenantId: w.t.acme!, ticketId: opened!.ticketId! }, 'acme.test');
    const [byToken] = await receive(rawMessage({ from: 'dave@customer.test', subject: 'other words', references: `<x@y.test> <${ours}>` }), ['support@acme.test']);
    assert.deepEqual([byToken!.outcome, byToken!.ticketId], ['reply', opened!.ticketId]);
    const ticket = (await listObjects(w.admin, 'ticket', { where: { id: opened!.ticketId } }))[0]!;
    assert.equal((await entries(ticket)).filter((e) => e.kind === 'reply').length, 3);
  });

  it("reopens a ticket waiting on the customer when the customer's reply arrives by mail", async () => {
    for (const state of ['pending', 'resolved', 'closed']) {
      const original = rawMessage({ from: 'erin@customer.test', subject: `Waiting, then ${state}` });
      const [opened] = await receive(original, ['support@acme.test']);
      const ticket = (await listObjects(w.admin, 'ticket', { where: { id: opened!.ticketId } }))[0]!;
      await updateTicket(w.admin, ticket.id as string, { status: state }, ticket.version as number);
      // The email channel's role grants no status change: the reopening is the desk's, on the customer's behalf.
      const [joined] = await receive(rawMessage({ from: 'erin@customer.test', subject: 'Re: it is back', inReplyTo: `<${messageIdOf(original)}>` }), ['support@acme.test']);
      assert.deepEqual([joined!.outcome, joined!.ticketId], ['reply', opened!.ticketId]);
      assert.equal((await listObjects(w.admin, 'ticket', { where: { id: opened!.ticketId } }))[0]!.status, 'open', state);
    }
  });

  it('threads by the subject number only when the sender takes part in the ticket', async () => {
    const [opened] = await receive(rawMessage({ from: 'erin@customer.test', subject: 'Laptop' }), ['support@acme.test']);
    const number = opened!.ticketNumber!;
    const [stranger] = await receive(rawMessage({ from: 'mallory@evil.test', subject: `Re: [${number}] Laptop` }), ['support@acme.test']);
    assert.equal(stranger!.outcome, 'ticket', 'a stranger quoting the number opens a ticket of its own');
    assert.notEqual(stranger!.ticketId, opened!.ticketId);
    const [requester] = await receive(rawMessage({ from: 'erin@customer.test', subject: `Re: [${number}] Laptop` }), ['support@acme.test']);
    assert.deepEqual([requester!.outcome, requester!.ticketId], ['reply', opened!.ticketId]);
    const [unproven] = await receive(rawMessage({ from: 'agent@acme.test', subject: `[${number}] fixed` }), ['support@acme.test']);
    assert.equal(unproven!.outcome, 'quarantined', "an agent's address alone does not make the mail the agent's (agent-mail.test.ts)");
    const [agent] = await receive(rawMessage({ from: 'agent@acme.test', subject: `[${number.toLowerCase()}] fixed`, headers: { 'Authentication-Results': trustedDmarcPass('acme.test') } }), ['support@acme.test']);
    assert.deepEqual([agent!.outcome, agent!.ticketId], ['reply', opened!.ticketId], "an agent of the ticket's tenant, authenticated, may answer by mail");
    // The agent's mailed reply is mailed on to the requester, threaded.
    const mailed = await outbox({ ticket_id: opened!.ticketId, kind: 'agent-reply' });
    assert.deepEqual(mailed.map((m) => m.to_address), ['erin@customer.test']);
    assert.ok((mailed[0]!.references_ids as string[]).length >= 1);
  });

  it("never joins another tenant's ticket: a reply sent to the other tenant's address opens a ticket there", async () => {
    const original = rawMessage({ from: 'frank@customer.test', subject: 'Acme only' });
    const [acme] = await receive(original, ['support@acme.test']);
    const acmeTicket = (await listObjects(w.admin, 'ticket', { where: { id: acme!.ticketId } }))[0]!;
    const before = (await entries(acmeTicket)).length;
    const token = signedMessageId(w.deps.box, { tenantId: w.t.acme!, ticketId: acme!.ticketId! }, 'acme.test');
    const [crossed] = await receive(
      rawMessage({ from: 'frank@customer.test', to: 'help@globex.test', subject: `Re: [${acme!.ticketNumber}] Acme only`, inReplyTo: `<${messageIdOf(original)}>`, references: `<${token}>` }),
      ['help@globex.test'],
    );
    assert.equal(crossed!.outcome, 'ticket');
    assert.equal(crossed!.tenantId, w.t.globex);
    assert.match(crossed!.ticketNumber!, /^GLOBEX-/);
    assert.equal((await entries(acmeTicket)).length, before, "the acme ticket was not touched");
    // A forged token (right shape, wrong signature) names nothing.
    const forged = token.replace(/\.[A-Za-z0-9_-]{22}@/, '.AAAAAAAAAAAAAAAAAAAAAA@');
    const [byForged] = await receive(rawMessage({ from: 'mallory@evil.test', inReplyTo: `<${forged}>`, subject: 'hi' }), ['support@acme.test']);
    assert.equal(byForged!.outcome, 'ticket');
    // A token signed with another secret names nothing either.
    const otherKey = signedMessageId(secretBox('another-secret-another-secret-another'), { tenantId: w.t.acme!, ticketId: acme!.ticketId! }, 'acme.test');
    const [byOther] = await receive(rawMessage({ from: 'frank@customer.test', inReplyTo: `<${otherKey}>`, subject: 'hi again' }), ['support@acme.test']);
    assert.equal(byOther!.outcome, 'ticket');
  });

  it('sends no auto-response to auto-replies, bounces and lists', async () => {
    const variants: Record<string, string>[] = [
      { 'Auto-Submitted': 'auto-replied' },
      { Precedence: 'bulk' },
      { 'X-Autoreply': 'yes' },
    ];
    for (const headers of variants) {
      const [d] = await receive(rawMessage({ from: 'bot@robots.test', subject: `Out of office ${Object.keys(headers)[0]}`, headers }), ['support@acme.test']);
      assert.equal(d!.outcome, 'ticket');
      assert.equal((await outbox({ ticket_id: d!.ticketId })).length, 0, JSON.stringify(headers));
    }
    const dsn = rawMessage({
      from: 'MAILER-DAEMON@mx.test',
      subject: 'Undelivered Mail Returned to Sender',
      contentType: 'multipart/report; report-type=delivery-status; boundary="b1"',
      body: '--b1\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--b1--',
    });
    const [bounce] = await receive(dsn, ['support@acme.test']);
    assert.equal((await outbox({ ticket_id: bounce!.ticketId })).length, 0);
  });

  it('flags a sender failing SPF/DKIM/DMARC: it cannot act as an agent nor add collaborators', async () => {
    const [opened] = await receive(rawMessage({ from: 'gina@customer.test', subject: 'Keyboard' }), ['support@acme.test']);
    const failing = { 'Authentication-Results': 'mx.acme.test; spf=pass smtp.mailfrom=acme.test; dkim=fail header.d=acme.test; dmarc=fail' };
    const [spoof] = await receive(rawMessage({ from: 'agent@acme.test', subject: `[${opened!.ticketNumber}] closing this`, headers: failing }), ['support@acme.test']);
    assert.equal(spoof!.outcome, 'quarantined', 'a flagged "agent" neither joins the ticket nor opens one in the agent\'s name');
    const [cc] = await receive(rawMessage({ from: 'gina@customer.test', cc: 'victim@else.test', subject: 'New with cc', headers: failing }), ['support@acme.test']);
    assert.equal((await listObjects(w.admin, 'ticketCollaborator', { where: { ticket_id: cc!.ticketId } })).length, 0);
    assert.equal((await outbox({ ticket_id: cc!.ticketId })).length, 0, 'no auto-reply to a flagged sender');
    const [entry] = await listObjects(w.admin, 'threadEntry', { where: { ticket_id: cc!.ticketId, kind: 'reply' } });
    assert.equal((entry!.data as { email: { flagged: boolean } }).email.flagged, true);
    // The same message from a sender that passes adds the copied person as a collaborator.
    const [ok] = await receive(rawMessage({ from: 'gina@customer.test', cc: 'Hal <hal@customer.test>, help@globex.test', subject: 'New with cc, trusted' }), ['support@acme.test']);
    const collaborators = await listObjects(w.admin, 'ticketCollaborator', { where: { ticket_id: ok!.ticketId } });
    assert.equal(collaborators.length, 1, "another tenant's support address is never made a collaborator");
  });

  it('quarantines, never drops, what cannot become a ticket entry, and counts it', async () => {
    const start = await countQuarantine(w.admin);
    const noFrom = Buffer.from('To: support@acme.test\r\nSubject: who am I\r\nMessage-ID: <nofrom@x.test>\r\n\r\nbody\r\n');
    const [a] = await receive(noFrom, ['support@acme.test']);
    assert.equal(a!.outcome, 'quarantined');
    const big = rawMessage({ subject: 'Huge', body: 'x'.repeat(w.deps.config.maxMessageBytes + 10) });
    const [b] = await receive(big, ['support@acme.test']);
    assert.equal(b!.outcome, 'quarantined');
    assert.match(b!.reason!, /over the limit/);
    const [again] = await receive(big, ['support@acme.test']);
    assert.equal(again!.outcome, 'duplicate');
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0d, 0x0a, 0x0d, 0x0a, 0x41]);
    const [c] = await receive(garbage, ['support@acme.test']);
    assert.equal(c!.outcome, 'quarantined');
    assert.equal(await countQuarantine(w.admin), start + 3);
    const listed = await listQuarantine(w.admin);
    assert.ok(listed.some((q) => q.subject === 'Huge' && q.size === big.length));
    const [stored] = (await sql<{ raw: Uint8Array }>`select raw from mail_quarantine where subject = 'Huge'`.execute(db().owner)).rows;
    assert.equal(Buffer.from(stored!.raw).equals(big), true, 'the raw message is kept byte for byte');
    assert.equal((await tickets(w.t.acme!)).filter((t) => t.subject === 'who am I' || t.subject === 'Huge').length, 0);
  });

  it("refuses unknown senders into quarantine when the mailbox says so, and holds back a sender's flood", async () => {
    await updateObject(w.admin, 'mailbox', w.mailboxes.globex!.id as string, { accept_unknown_senders: false });
    const [refused] = await receive(rawMessage({ from: 'nobody@else.test', to: 'help@globex.test' }), ['help@globex.test']);
    assert.equal(refused!.outcome, 'quarantined');
    assert.match(refused!.reason!, /known contacts only/);
    const [known] = await receive(rawMessage({ from: 'agent@globex.test', to: 'help@globex.test', subject: 'internal', headers: { 'Authentication-Results': trustedDmarcPass('globex.test') } }), ['help@globex.test']);
    assert.equal(known!.outcome, 'ticket');
    await updateObject(w.admin, 'mailbox', w.mailboxes.globex!.id as string, { accept_unknown_senders: true });

    const limit = w.deps.config.ratePerSenderPerHour;
    const outcomes: string[] = [];
    for (let i = 0; i <= limit; i++) outcomes.push((await receive(rawMessage({ from: 'flood@spam.test', subject: `spam ${i}` }), ['support@acme.test']))[0]!.outcome);
    assert.equal(outcomes.filter((o) => o === 'ticket').length, limit);
    assert.equal(outcomes.at(-1), 'quarantined');
  });

  it("keeps a message a ticket filter rejects, undoing everything its first attempt wrote, once", async () => {
    const filter = await createConfigObject(w.admin, 'ticketFilter', { tenant_id: w.t.acme, name: 'No lottery', match: 'all', rules: [{ field: 'subject', op: 'contains', value: 'lottery' }], reject: true });
    try {
      const raw = rawMessage({ from: 'winner@lottery.test', subject: 'You won the lottery' });
      const [first] = await receive(raw, ['support@acme.test']);
      assert.deepEqual([first!.outcome, first!.ticketId], ['rejected', undefined]);
      assert.match(first!.reason!, /No lottery/);
      assert.equal((await listObjects(w.admin, 'contact', { where: { email: 'winner@lottery.test' } })).length, 0, "the sender's contact went with the refused attempt");
      assert.equal((await listQuarantine(w.admin, 500)).filter((q) => q.sender === 'winner@lottery.test').length, 1);
      const [again] = await receive(raw, ['support@acme.test']);
      assert.equal(again!.outcome, 'duplicate', 'the claim of the second unit of work stands');
    } finally {
      await sql`delete from ticket_filters where id = ${filter.id}`.execute(db().owner);
    }
  });

  it('mails agent replies to the requester and collaborators, never internal notes', async () => {
    const [opened] = await receive(rawMessage({ from: 'ivy@customer.test', cc: 'jack@customer.test', subject: 'Monitor' }), ['support@acme.test']);
    const ticketId = opened!.ticketId!;
    const queued = async () => (await outbox({ ticket_id: ticketId })).filter((m) => m.kind === 'agent-reply');
    await addThreadEntry(w.admin, ticketId, { kind: 'note', body: '<p>Customer is difficult</p>' });
    assert.equal((await queued()).length, 0, 'an internal note is never mailed');
    await addThreadEntry(w.admin, ticketId, { kind: 'reply', body: '<p>Try another cable</p>' });
    const mailed = await queued();
    assert.deepEqual(mailed.map((m) => m.to_address).sort(), ['ivy@customer.test', 'jack@customer.test']);
    // The reply inside the tenant's branded layout (the agent-reply template), and as text.
    assert.match(mailed[0]!.body_html as string, /<td style="padding:24px"><p>Try another cable<\/p><\/td>/);
    assert.match(mailed[0]!.body_text as string, /^Try another cable\n\n-- \nAcme · ACME-\d{6}$/);
    const jobs = await sql<{ key: string }>`select key from jobs where name = 'mail.send'`.execute(db().owner);
    assert.ok(mailed.every((m) => jobs.rows.some((j) => j.key === m.id)), 'each outbox row has its send job, from the same transaction');
  });

  it('refuses a message addressed to no support address', async () => {
    await assert.rejects(receive(rawMessage({ to: 'sales@acme.test' }), ['sales@acme.test']), { code: 'NOT_FOUND' });
    // Without an envelope, the message's own recipients route it.
    const [d] = await receive(rawMessage({ to: 'Someone <someone@x.test>', cc: 'HELP@globex.test', subject: 'cc routing' }));
    assert.equal(d!.tenantId, w.t.globex);
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import nodemailer from 'nodemailer';
import { assignTicket } from '../../src/desk/tickets/ticket-lifecycle.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import { signedMessageId } from '../../src/mail/message-token.ts';
import { sendMailHandler } from '../../src/mail/send-mail.ts';
import { startSmtpListener, type SmtpListener } from '../../src/mail/smtp-listener.ts';
import { createObject, listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { startRelay, type Relay } from '../resilience/mail-desk.ts';
import { mailWorld, rawMessage, trustedDmarcPass, TRUSTED_AUTHSERV_ID, type MailWorld } from './mail-fixtures.ts';

/*
 * Issue 18, item 3: mail from an agent's address acts as the agent (a public reply, mailed on to
 * the customer) only when it proves the agent wrote it: a DMARC/aligned DKIM pass from the trusted
 * receiving server, or a reply token we signed for that agent. Everything here goes through the
 * real SMTP listener, as an attacker or the trusted MTA would send it.
 */
forEachDatabase('mail from an agent address over SMTP', (db) => {
  let w: MailWorld;
  let listener: SmtpListener;
  let relay: Relay;
  let runner: JobRunner;
  let ticket: Row;
  let otherAgent: Row;

  const send = async (raw: Buffer, port = listener.port): Promise<string> => {
    const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    return (await client.sendMail({ envelope: { from: 'bounce@acme.test', to: ['support@acme.test'] }, raw })).response;
  };
  const replies = async (author: Row) => listObjects(w.admin, 'threadEntry', { where: { ticket_id: ticket.id, author_id: author.id, kind: 'reply' }, limit: 100 });
  const relayed = async () => listObjects(w.admin, 'mailOutbox', { where: { ticket_id: ticket.id, kind: 'agent-reply' }, limit: 100 });
  const held = async (sender: string) => (await listObjects(w.admin, 'mailQuarantine', { where: { sender }, limit: 100 })).length;
  const fromAgent = (o: { from?: string; subject?: string; inReplyTo?: string; headers?: Record<string, string> } = {}) =>
    rawMessage({ from: o.from ?? 'Acme agent <agent@acme.test>', subject: o.subject ?? `Re: [${ticket.number as string}] Printer on fire`, body: 'Your refund is approved.', ...o });
  /** The message as the trusted MTA hands it over: its own fields added on top of the sender's. */
  const onTop = (lines: string[], raw: Buffer) => Buffer.concat([Buffer.from(lines.map((l) => `${l}\r\n`).join('')), raw]);

  /** Sends `raw` and checks it was held: not a reply, nothing mailed, kept in quarantine. */
  const assertHeld = async (raw: Buffer, author: Row = w.agents.acme!, port?: number) => {
    const [before, mailed, kept] = [(await replies(author)).length, (await relayed()).length, await held(author.email as string)];
    assert.match(await send(raw, port), /^250 .*quarantined/);
    assert.equal((await replies(author)).length, before, 'no reply in the agent’s name');
    assert.equal((await relayed()).length, mailed, 'nothing relayed to the customer');
    assert.equal(await held(author.email as string), kept + 1, 'kept for review');
  };

  before(async () => {
    relay = await startRelay();
    w = await mailWorld(db(), { relayUrl: `smtp://127.0.0.1:${relay.port}` });
    listener = await startSmtpListener(w.deps, { port: 0, host: '127.0.0.1' });
    runner = new JobRunner({ shards: w.deps.shards, settings: w.deps.settings, catalog: w.deps.catalog }, { handlers: [sendMailHandler(w.deps) as unknown as JobHandler<never>] });
    const ctx = systemContext(w.deps.shards, DEFAULT_TENANCY, w.catalog.snapshot());
    otherAgent = await createObject(ctx, 'contact', { tenant_id: w.t.acme, kind: 'agent', email: 'other@acme.test', name: 'Other agent' });
    assert.match(await send(rawMessage({ from: 'Carol <carol@customer.test>', subject: 'Printer on fire' })), /^250 .*ACME-000001/);
    ticket = (await listObjects(w.admin, 'ticket', { where: { tenant_id: w.t.acme, number: 'ACME-000001' } }))[0]!;
  });
  after(async () => {
    await listener.close();
    await relay.close();
    await w.deps.shards.close();
  });

  it("holds the reported attack: an agent's From, no Authentication-Results, the ticket number in the subject", async () => {
    await assertHeld(fromAgent());
    const [kept] = await listObjects(w.admin, 'mailQuarantine', { where: { sender: 'agent@acme.test' }, limit: 1 });
    assert.match(kept!.reason as string, /agent's address, but the message does not prove the agent wrote it/);
  });

  it('accepts a reply whose trusted receiving server says DMARC passed, and mails it on to the customer', async () => {
    const mailed = (await relayed()).length;
    assert.match(await send(onTop([`Authentication-Results: ${trustedDmarcPass('acme.test')}`], fromAgent())), /^250 .*ACME-000001/);
    const [reply] = await replies(w.agents.acme!);
    assert.match(reply!.body_html as string, /refund is approved/);
    const out = (await relayed()).slice(mailed);
    assert.deepEqual(out.map((m) => m.to_address), ['carol@customer.test']);
  });

  it('holds a pass from an authserv-id it does not trust, and one from a peer that is no trusted relay', async () => {
    await assertHeld(onTop(['Authentication-Results: mx.evil.test; dkim=pass header.d=acme.test; dmarc=pass header.from=acme.test'], fromAgent()));
    // The trusted MTA's own words, but handed over by a peer outside MAIL_TRUSTED_RELAYS: the sender wrote them.
    const direct = await startSmtpListener({ ...w.deps, config: { ...w.deps.config, trustedRelays: ['192.0.2.1'] } }, { port: 0, host: '127.0.0.1' });
    try {
      await assertHeld(onTop([`Authentication-Results: ${trustedDmarcPass('acme.test')}`], fromAgent()), w.agents.acme!, direct.port);
    } finally {
      await direct.close();
    }
  });

  it("holds a forged pass below the trusted server's own field, adjacent or not", async () => {
    const forged = { 'Authentication-Results': trustedDmarcPass('acme.test') };
    await assertHeld(onTop([`Authentication-Results: ${TRUSTED_AUTHSERV_ID}; spf=pass smtp.mailfrom=acme.test`, 'Received: from evil.test by mx.acme.test; Mon, 7 Dec 2026 10:00:00 +0000'], fromAgent({ headers: forged })));
    await assertHeld(onTop([`Authentication-Results: ${TRUSTED_AUTHSERV_ID}; dkim=none; dmarc=fail header.from=acme.test`], fromAgent({ headers: forged })));
  });

  it('holds a DKIM pass for another domain, and a DMARC pass for another domain', async () => {
    await assertHeld(onTop([`Authentication-Results: ${TRUSTED_AUTHSERV_ID}; dkim=pass header.d=evil.test header.i=@evil.test; spf=pass smtp.mailfrom=evil.test; dmarc=none header.from=acme.test`], fromAgent()));
    await assertHeld(onTop([`Authentication-Results: ${TRUSTED_AUTHSERV_ID}; dmarc=pass header.from=evil.test`], fromAgent()));
  });

  it("accepts a reply quoting the token of the desk's mail to that agent, and keeps that token out of the customer's mail", async () => {
    // The desk mails the agent (an assignment notice); its Message-ID carries the agent's token.
    await assignTicket(w.admin, ticket.id as string, { assigneeId: w.agents.acme!.id as string }, ticket.version as number);
    await runner.drain(db());
    const notice = relay.received.find((m) => (m.parsed.to as { text: string }).text === 'agent@acme.test')!;
    const tokenId = notice.parsed.messageId!;
    assert.match(tokenId, /^<ta\./);
    const before = (await replies(w.agents.acme!)).length;
    const mailed = (await relayed()).length;
    assert.match(await send(fromAgent({ subject: 'Re: assigned to you', inReplyTo: tokenId })), /^250 .*ACME-000001/);
    assert.equal((await replies(w.agents.acme!)).length, before + 1);
    const [toCarol] = (await relayed()).slice(mailed);
    assert.equal(toCarol!.to_address, 'carol@customer.test');
    assert.ok(!(toCarol!.references_ids as string[]).some((id) => id.startsWith('ta.')), 'the agent token is never quoted to others');
    await runner.drain(db());
    const delivered = relay.received.filter((m) => (m.parsed.to as { text: string }).text === 'carol@customer.test');
    assert.ok(delivered.length >= 1 && delivered.every((m) => !`${m.parsed.inReplyTo ?? ''} ${[m.parsed.references ?? []].flat().join(' ')}`.includes('<ta.')));

    // The same token from another agent's address proves nothing.
    await assertHeld(fromAgent({ from: 'other@acme.test', subject: 'Re: assigned to you', inReplyTo: tokenId }), otherAgent);
    // Tampered: the first character of the signature changed.
    const tampered = tokenId.replace(/\.([A-Za-z0-9_-])([A-Za-z0-9_-]{21}@[^@]+>)$/, (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`);
    assert.notEqual(tampered, tokenId);
    await assertHeld(fromAgent({ subject: 'Re: assigned to you', inReplyTo: tampered }));
  });

  it("holds a reply quoting an expired token, another tenant's, or a customer's", async () => {
    const agent = { contactId: w.agents.acme!.id as string, issuedAt: Math.floor(Date.now() / 1000) };
    const expired = signedMessageId(w.deps.box, { tenantId: w.t.acme!, ticketId: ticket.id as string, agent: { ...agent, issuedAt: agent.issuedAt - 31 * 24 * 3600 } }, 'acme.test');
    await assertHeld(fromAgent({ subject: 'Re: old', inReplyTo: `<${expired}>` }));
    const otherTenant = signedMessageId(w.deps.box, { tenantId: w.t.globex!, ticketId: ticket.id as string, agent }, 'acme.test');
    await assertHeld(fromAgent({ subject: 'Re: elsewhere', inReplyTo: `<${otherTenant}>` }));
    const customers = signedMessageId(w.deps.box, { tenantId: w.t.acme!, ticketId: ticket.id as string }, 'acme.test');
    await assertHeld(fromAgent({ subject: 'Re: to carol', inReplyTo: `<${customers}>` }));
    // The control: a fresh token for this agent, signed the same way, is accepted.
    const fresh = signedMessageId(w.deps.box, { tenantId: w.t.acme!, ticketId: ticket.id as string, agent }, 'acme.test');
    assert.match(await send(fromAgent({ subject: 'Re: fresh', inReplyTo: `<${fresh}>` })), /^250 .*ACME-000001/);
  });
});

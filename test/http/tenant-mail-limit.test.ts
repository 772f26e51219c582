import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { exitCodeFor, SYSEXITS } from '../../src/cli/mail-pipe.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { fetchMailbox, imapJobHandlers } from '../../src/mail/imap-fetch.ts';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { startSmtpListener, type SmtpListener } from '../../src/mail/smtp-listener.ts';
import { setTenantQuotas } from '../../src/tenancy/catalog/tenant-quotas.ts';
import { forEachDatabase } from '../support/databases.ts';
import { startImapServer, type ImapServer } from '../support/imap-server.ts';
import { mailWorld, rawMessage, type MailWorld } from '../mail/mail-fixtures.ts';

/**
 * A tenant's hourly limit of inbound mail defers what is over it, on every transport: SMTP answers
 * 451 (the sender keeps the message and retries), `mail pipe` exits EX_TEMPFAIL, and the IMAP fetch
 * leaves it unseen for a later fetch. Nothing of a deferred message is written; other tenants go on.
 */
forEachDatabase('the per-tenant hourly mail limit', (db, kind) => {
  let w: MailWorld;
  let listener: SmtpListener;
  let imapServer: ImapServer;
  let runner: JobRunner;
  const user = `acme-limit-${kind}`;
  const password = 'imap-Secret-2';

  const client = () => nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  const taken = async (tenant: number) => Number((await sql<{ n: string }>`select count(*)::text as n from mail_messages where tenant_id = ${tenant} and direction = 'in'`.execute(db().owner)).rows[0]!.n);
  const ticketsOf = async (tenant: number) => Number((await sql<{ n: string }>`select count(*)::text as n from tickets where tenant_id = ${tenant}`.execute(db().owner)).rows[0]!.n);
  const quarantined = async (tenant: number) => Number((await sql<{ n: string }>`select count(*)::text as n from mail_quarantine where tenant_id = ${tenant}`.execute(db().owner)).rows[0]!.n);
  /** acme may take `more` messages beyond those it already took this hour. */
  const allow = async (more: number) => {
    await setTenantQuotas(db(), 'acme', { mailPerHour: (await taken(w.t.acme!)) + more });
    await w.catalog.refresh();
  };
  const unseen = async () => {
    const imap = new ImapFlow({ host: '127.0.0.1', port: imapServer.port, secure: false, auth: { user, pass: password }, logger: false });
    await imap.connect();
    const lock = await imap.getMailboxLock('INBOX');
    try {
      return ((await imap.search({ seen: false }, { uid: true })) || []).length;
    } finally {
      lock.release();
      await imap.logout();
    }
  };

  before(async () => {
    imapServer = await startImapServer({ [user]: password });
    w = await mailWorld(db(), {}, { acme: { imapUrl: `imap://${user}:${password}@127.0.0.1:${imapServer.port}/INBOX` } });
    listener = await startSmtpListener(w.deps, { port: 0, host: '127.0.0.1' });
    runner = new JobRunner({ shards: w.deps.shards, settings: w.deps.settings, catalog: w.deps.catalog }, { handlers: imapJobHandlers(w.deps) });
  });
  after(async () => {
    await listener?.close();
    await imapServer?.stop();
    await w?.deps.shards.close();
  });

  it('answers 451 over SMTP past the limit, writes nothing, and takes the retry once the limit allows', async () => {
    await allow(2);
    const mail = (subject: string, to = 'support@acme.test') => client().sendMail({ from: 'kim@customer.test', to, subject, text: 'Hello', messageId: `<${subject.replace(/\W/g, '')}.${kind}@customer.test>` });
    for (const subject of ['Limit one', 'Limit two']) assert.match((await mail(subject)).response, /^250 /);
    const [ticketsBefore, quarantineBefore] = [await ticketsOf(w.t.acme!), await quarantined(w.t.acme!)];
    await assert.rejects(mail('Limit three'), (error: { responseCode?: number }) => error.responseCode === 451);
    assert.deepEqual([await ticketsOf(w.t.acme!), await quarantined(w.t.acme!)], [ticketsBefore, quarantineBefore], 'deferred, not taken nor quarantined');
    assert.match((await mail('Globex meanwhile', 'help@globex.test')).response, /^250 /, 'another tenant is not affected');
    await allow(1);
    assert.match((await mail('Limit three')).response, /^250 .*ACME-/, "the sender's retry is taken");
    assert.equal(await ticketsOf(w.t.acme!), ticketsBefore + 1);
  });

  it('makes `mail pipe` exit EX_TEMPFAIL past the limit', async () => {
    await allow(0);
    const piped = receiveMessage(w.deps, { raw: rawMessage({ from: 'pat@customer.test', subject: 'Piped over' }), transport: 'pipe', recipients: ['support@acme.test'] });
    await assert.rejects(piped, (error: { code?: string }) => exitCodeFor(error.code!) === SYSEXITS.TEMPFAIL && error.code === 'RATE_LIMITED');
  });

  it('leaves IMAP messages past the limit unseen, and fetches them once the limit allows', async () => {
    const imap = new ImapFlow({ host: '127.0.0.1', port: imapServer.port, secure: false, auth: { user, pass: password }, logger: false });
    await imap.connect();
    for (const subject of ['IMAP one', 'IMAP two', 'IMAP three']) await imap.append('INBOX', rawMessage({ from: 'nina@customer.test', subject }));
    await imap.logout();
    await allow(1);
    const before = await ticketsOf(w.t.acme!);
    const fetch = async () => {
      await enqueue(db().owner, fetchMailbox, { tenantId: w.t.acme!, payload: { mailboxId: w.mailboxes.acme!.id as string } });
      return runner.drain(db());
    };
    const outcomes = await fetch();
    assert.equal(outcomes.find((o) => o.name === 'mail.fetch-mailbox')?.state, 'done', 'the fetch itself succeeds');
    assert.equal(await ticketsOf(w.t.acme!), before + 1);
    assert.equal(await unseen(), 2, 'the two over the limit stay unseen on the server');
    await allow(2);
    await fetch();
    assert.equal(await ticketsOf(w.t.acme!), before + 3);
    assert.equal(await unseen(), 0);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { addThreadEntry } from '../../src/desk/threads/add-thread-entry.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import { readMessageToken } from '../../src/mail/message-token.ts';
import { sendMailHandler } from '../../src/mail/send-mail.ts';
import { startSmtpListener, type SmtpListener } from '../../src/mail/smtp-listener.ts';
import { listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { outsideServer } from '../support/smtp-sink.ts';
import { freePort } from '../support/net.ts';
import { mailWorld, rawMessage, type MailWorld } from './mail-fixtures.ts';

function selfSignedCertificate(): { certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'td-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  return { certFile, keyFile };
}

forEachDatabase('mail over SMTP, in and out', (db) => {
  let w: MailWorld;
  let listener: SmtpListener;
  let relayPort: number;
  let runner: JobRunner;
  const client = () => nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  const tickets = (tenant: number) => listObjects(w.admin, 'ticket', { where: { tenant_id: tenant }, orderBy: 'created_at', limit: 500 });

  before(async () => {
    relayPort = await freePort();
    w = await mailWorld(db(), { relayUrl: `smtp://127.0.0.1:${relayPort}`, maxMessageBytes: 100_000 });
    listener = await startSmtpListener(w.deps, { port: 0, host: '127.0.0.1' });
    runner = new JobRunner({ shards: w.deps.shards, settings: w.deps.settings, catalog: w.deps.catalog }, { handlers: [sendMailHandler(w.deps) as unknown as JobHandler<never>] });
  });
  after(async () => {
    await listener.close();
    await w.deps.shards.close();
  });

  it('answers 250 only once the ticket is committed: the ticket is there when the client returns', async () => {
    const info = await client().sendMail({ from: 'kim@customer.test', to: 'support@acme.test', subject: 'Over SMTP', text: 'Hello' });
    assert.deepEqual(info.accepted, ['support@acme.test']);
    assert.match(info.response, /^250 .*ACME-\d{6}/);
    assert.equal((await tickets(w.t.acme!)).filter((t) => t.subject === 'Over SMTP').length, 1);
  });

  it('refuses at RCPT an address that is no support address, and keeps the others', async () => {
    await assert.rejects(client().sendMail({ from: 'kim@customer.test', to: 'nobody@acme.test', subject: 'x', text: 'x' }), (error: { responseCode?: number }) => error.responseCode === 550);
    const info = await client().sendMail({ from: 'kim@customer.test', to: ['nobody@acme.test', 'help@globex.test'], subject: 'Mixed', text: 'x' });
    assert.deepEqual([info.accepted, info.rejected], [['help@globex.test'], ['nobody@acme.test']]);
    assert.equal((await tickets(w.t.globex!)).filter((t) => t.subject === 'Mixed').length, 1);
  });

  it('answers 451 when the message cannot be committed, so the sender retries; the retry is taken once', async () => {
    // A failure inside the unit of work, after the message was claimed: as if the process died there.
    await sql`create function td_test_fail() returns trigger language plpgsql as $$ begin raise exception 'disk full'; end $$`.execute(db().owner);
    await sql`create trigger td_test_fail before insert on tickets for each row execute function td_test_fail()`.execute(db().owner);
    const message = { from: 'lee@customer.test', to: 'support@acme.test', subject: 'Retried', text: 'x', messageId: '<retried-1@customer.test>' };
    try {
      await assert.rejects(client().sendMail(message), (error: { responseCode?: number }) => error.responseCode === 451);
    } finally {
      await sql`drop trigger td_test_fail on tickets`.execute(db().owner);
      await sql`drop function td_test_fail()`.execute(db().owner);
    }
    assert.equal((await tickets(w.t.acme!)).filter((t) => t.subject === 'Retried').length, 0, 'nothing was half-kept');
    await client().sendMail(message);
    await client().sendMail(message);
    assert.equal((await tickets(w.t.acme!)).filter((t) => t.subject === 'Retried').length, 1);
  });

  it('refuses a message over the size limit at DATA', async () => {
    await assert.rejects(
      client().sendMail({ from: 'kim@customer.test', to: 'support@acme.test', subject: 'Too big', text: 'x'.repeat(150_000) }),
      (error: { responseCode?: number }) => error.responseCode === 552,
    );
  });

  it('offers STARTTLS when a certificate is configured', async () => {
    const tlsWorld = { ...w.deps, config: { ...w.deps.config, tls: selfSignedCertificate() } };
    const secure = await startSmtpListener(tlsWorld, { port: 0, host: '127.0.0.1' });
    try {
      const info = await nodemailer
        .createTransport({ host: '127.0.0.1', port: secure.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } })
        .sendMail({ from: 'kim@customer.test', to: 'support@acme.test', subject: 'Over TLS', text: 'x' });
      assert.deepEqual(info.accepted, ['support@acme.test']);
    } finally {
      await secure.close();
    }
  });

  it('sends queued mail through the relay with the signed token and threading headers, retrying while the relay is down', async () => {
    await client().sendMail({ from: 'mia@customer.test', to: 'support@acme.test', subject: 'Threaded', text: 'first', messageId: '<mia-1@customer.test>' });
    const [ticket] = (await tickets(w.t.acme!)).filter((t) => t.subject === 'Threaded');
    // The relay is down: the send job fails and waits to be retried.
    const failed = await runner.drain(db());
    assert.ok(failed.length >= 1 && failed.every((o) => o.state === 'queued'));
    const [job] = (await sql<{ attempts: number; run_at: Date; last_error: string }>`select attempts, run_at, last_error from jobs where name = 'mail.send' and state = 'queued' order by created_at desc limit 1`.execute(db().owner)).rows;
    assert.equal(job!.attempts, 1);
    assert.ok(job!.run_at.getTime() > Date.now() + 10_000, 'backed off');
    assert.match(job!.last_error, /relay/);

    const relay = await outsideServer(relayPort);
    try {
      await sql`update jobs set run_at = now() where name = 'mail.send' and state = 'queued'`.execute(db().owner);
      await runner.drain(db());
      const ack = relay.received.find((m) => m.subject === `Re: [${ticket!.number as string}] Threaded`)!;
      assert.ok(ack, 'the acknowledgment reached the outside server');
      assert.equal(ack.from!.value[0]!.address, 'support@acme.test');
      assert.equal(ack.inReplyTo, '<mia-1@customer.test>');
      assert.equal(ack.headers.get('auto-submitted'), 'auto-replied');
      const token = readMessageToken(w.deps.box, ack.messageId!.replace(/^<|>$/g, ''));
      assert.deepEqual(token, { tenantId: w.t.acme, ticketId: ticket!.id });

      // An agent's reply goes out threaded; its note does not go out at all.
      await addThreadEntry(w.admin, ticket!.id as string, { kind: 'note', body: '<p>internal: VIP customer</p>' });
      await addThreadEntry(w.admin, ticket!.id as string, { kind: 'reply', body: '<p>We are on it</p>' });
      await runner.drain(db());
      const toMia = relay.received.filter((m) => (m.to as { value: { address: string }[] }).value[0]!.address === 'mia@customer.test');
      assert.equal(toMia.length, 2, 'the acknowledgment and the reply, not the note');
      assert.ok(!toMia.some((m) => (m.text ?? '').includes('internal')));
      const reply = toMia.find((m) => m.text?.includes('We are on it'))!;
      assert.ok(reply.references?.includes('<mia-1@customer.test>'));
      assert.equal(reply.inReplyTo, ack.messageId, 'the reply follows the last message of the thread');

      // The customer answers the agent's mail: it threads back into the ticket through our listener.
      await client().sendMail({ from: 'mia@customer.test', to: 'support@acme.test', subject: 'thanks', text: 'works now', inReplyTo: reply.messageId!, references: [reply.messageId!] });
      const entries = await listObjects(w.admin, 'threadEntry', { where: { ticket_id: ticket!.id, kind: 'reply' }, orderBy: 'created_at', limit: 10 });
      assert.equal(entries.length, 3);
      assert.match(entries[2]!.body_html as string, /works now/);
      const sent: Row[] = await listObjects(w.admin, 'mailOutbox', { where: { ticket_id: ticket!.id } });
      assert.ok(sent.every((m) => m.sent_at instanceof Date));
      // Once sent, a job run again (a retry after a lost commit) sends nothing more.
      const before = relay.received.length;
      await sql`update jobs set state = 'queued', run_at = now(), attempts = 0 where name = 'mail.send'`.execute(db().owner);
      await runner.drain(db());
      assert.equal(relay.received.length, before);
    } finally {
      await relay.close();
    }
  });

  it('parses awkward messages into tickets or clear refusals, never a crash', async () => {
    const corpus: [string, Buffer][] = [
      ['8-bit header', Buffer.concat([Buffer.from('From: Zoë <zoe@customer.test>\r\nTo: support@acme.test\r\nSubject: Caf'), Buffer.from([0xe9]), Buffer.from(' au lait\r\n\r\nbody\r\n')])],
      ['encoded subject', rawMessage({ subject: '=?UTF-8?B?w6nDqMOg?= encoded', messageId: null })],
      ['wrong charset', rawMessage({ subject: 'charset', contentType: 'text/plain; charset=x-unknown-charset', body: 'caf\u00e9' })],
      ['html with scripts', rawMessage({ subject: 'script', contentType: 'text/html; charset=utf-8', body: '<p>hi</p><script>alert(1)</script><img src=x onerror=alert(2)>' })],
      [
        'nested multiparts',
        rawMessage({
          subject: 'nested',
          contentType: 'multipart/mixed; boundary="outer"',
          body: [
            '--outer', 'Content-Type: multipart/alternative; boundary="inner"', '',
            '--inner', 'Content-Type: text/plain', '', 'plain part', '--inner', 'Content-Type: text/html', '', '<b>html part</b>', '--inner--',
            '--outer', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename="big.bin"', 'Content-Transfer-Encoding: base64', '',
            Buffer.alloc(30_000, 7).toString('base64').replace(/.{76}/g, '$&\r\n'),
            '--outer', 'Content-Type: text/plain', 'Content-Disposition: attachment; filename="small.txt"', '', 'small file', '--outer--',
          ].join('\r\n'),
        }),
      ],
    ];
    for (const [name, raw] of corpus) {
      await client().sendMail({ envelope: { from: 'x@customer.test', to: ['support@acme.test'] }, raw });
      void name;
    }
    const bySubject = new Map((await tickets(w.t.acme!)).map((t) => [t.subject as string, t]));
    assert.ok(bySubject.has('éèà encoded'));
    const script = bySubject.get('script')!;
    const [scriptEntry] = await listObjects(w.admin, 'threadEntry', { where: { ticket_id: script.id, kind: 'reply' } });
    assert.doesNotMatch(scriptEntry!.body_html as string, /script|onerror/);
    const nested = bySubject.get('nested')!;
    const files = await listObjects(w.admin, 'attachment', { where: { ticket_id: nested.id } });
    assert.deepEqual(files.map((f) => f.filename), ['small.txt'], 'the file over the limit is left out');
    const [nestedEntry] = await listObjects(w.admin, 'threadEntry', { where: { ticket_id: nested.id, kind: 'reply' } });
    assert.match(nestedEntry!.body_html as string, /html part/);
    assert.equal((await listObjects(w.admin, 'mailQuarantine', { where: { subject: 'nested' } })).length, 1, 'the whole message is kept for the file left out');
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import nodemailer from 'nodemailer';
import { parseEmail } from '../../src/desk/osticket/parse-email.ts';
import { listTenantFiles } from '../../src/files/tenant-files.ts';
import { MAX_MIME_PARTS } from '../../src/mail/mime-parts.ts';
import { listQuarantine } from '../../src/mail/quarantine.ts';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { startSmtpListener, type SmtpListener } from '../../src/mail/smtp-listener.ts';
import { listObjects } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { mailWorld, type MailWorld } from '../mail/mail-fixtures.ts';
import { MB, peakRssGrowth } from './memory.ts';

/*
 * Messages of very many MIME parts through the mail intake: refused into quarantine with a reason
 * that says so (never a crash, never a thousand attachments), in bounded memory, over SMTP as well;
 * a message of exactly the limit is still taken whole.
 */

let counter = 0;

/** A multipart/mixed message: a text part and `files` small attachments (so `files + 2` parts with the container). */
function manyParts(files: number, subject: string, fileBytes = 600): Buffer {
  const boundary = `b${++counter}-${'x'.repeat(20)}`;
  const lines = [
    'From: Parts Sender <parts@customer.test>',
    'To: support@acme.test',
    `Subject: ${subject}`,
    `Message-ID: <parts${counter}.${Date.now()}@customer.test>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please see the attached files.',
  ];
  const body = Buffer.alloc(fileBytes, 'A').toString('base64');
  for (let i = 0; i < files; i++) lines.push(`--${boundary}`, 'Content-Type: application/octet-stream', `Content-Disposition: attachment; filename="part${i}.bin"`, 'Content-Transfer-Encoding: base64', '', body);
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

/** Parts inside parts, `depth` levels down. */
function nestedParts(depth: number): Buffer {
  let inner = 'Content-Type: text/plain\r\n\r\nthe bottom\r\n';
  for (let i = 0; i < depth; i++) inner = `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n${inner}--n${i}--\r\n`;
  return Buffer.from(`From: deep@customer.test\r\nTo: support@acme.test\r\nSubject: Deep\r\nMessage-ID: <deep${Date.now()}@customer.test>\r\nMIME-Version: 1.0\r\n${inner}`);
}

forEachDatabase('MIME messages of very many parts', (db) => {
  let w: MailWorld;
  let listener: SmtpListener;
  const receive = (raw: Buffer) => receiveMessage(w.deps, { raw, transport: 'smtp', recipients: ['support@acme.test'] });
  const quarantined = async (subject: string) => (await listQuarantine(w.admin, 1000)).filter((q) => q.subject === subject);

  before(async () => {
    w = await mailWorld(db(), { maxMessageBytes: 8 * MB, maxAttachmentBytes: 64 * 1024 });
    listener = await startSmtpListener(w.deps, { port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await listener?.close();
    await w?.deps.shards.close();
  });

  it('quarantines a 1,000-part message unparsed, with its sender and subject and a reason, writing no file', async () => {
    const raw = manyParts(998, 'Thousand parts');
    const { result, growth } = await peakRssGrowth(() => receive(raw));
    const [delivery] = result;
    assert.equal(delivery!.outcome, 'quarantined');
    assert.match(delivery!.reason!, /1000 MIME parts, over the limit of 100/);
    const [kept] = await quarantined('Thousand parts');
    assert.ok(kept, 'kept in quarantine, not dropped');
    assert.deepEqual([kept.sender, kept.size], ['parts@customer.test', raw.length], 'its headers were read; the raw message is kept whole');
    assert.deepEqual(await listTenantFiles(w.deps.dataDir, w.t.acme!), [], 'no attachment written');
    assert.equal((await listObjects(w.admin, 'ticket', { where: { tenant_id: w.t.acme }, limit: 10 })).length, 0, 'no ticket');
    assert.ok(growth < 100 * MB, `memory grew by ${Math.round(growth / MB)} MB for a ${Math.round(raw.length / 1024)} KiB message`);
  });

  it('takes a message of exactly the limit whole, and quarantines one part more', async () => {
    const [atLimit] = await receive(manyParts(MAX_MIME_PARTS - 2, 'At the limit'));
    assert.equal(atLimit!.outcome, 'ticket', atLimit!.reason);
    const attachments = await listObjects(w.admin, 'attachment', { where: { ticket_id: atLimit!.ticketId }, limit: 1000 });
    assert.equal(attachments.length, MAX_MIME_PARTS - 2);
    const [over] = await receive(manyParts(MAX_MIME_PARTS - 1, 'One part over'));
    assert.equal(over!.outcome, 'quarantined');
    assert.match(over!.reason!, new RegExp(`${MAX_MIME_PARTS + 1} MIME parts`));
  });

  it('quarantines parts nested a thousand deep without overflowing the stack', async () => {
    const [delivery] = await receive(nestedParts(1000));
    assert.equal(delivery!.outcome, 'quarantined');
    assert.match(delivery!.reason!, /MIME parts, over the limit/);
  });

  it('answers a 1,000-part message over SMTP once it is safe in quarantine, and stays up for the next', async () => {
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
    const many = await client.sendMail({ envelope: { from: 'parts@customer.test', to: ['support@acme.test'] }, raw: manyParts(998, 'Thousand over SMTP') });
    assert.match(many.response, /^250 .*quarantined/);
    assert.equal((await quarantined('Thousand over SMTP')).length, 1);
    const next = await client.sendMail({ from: 'parts@customer.test', to: 'support@acme.test', subject: 'Ordinary', text: 'still here' });
    assert.match(next.response, /^250 .*ACME-\d{6}/);
  });

  it("refuses a 1,000-part message on osTicket's email endpoint too, before parsing it", async () => {
    await assert.rejects(parseEmail(manyParts(998, 'osTicket')), (error: { code?: string; message?: string }) => error.code === 'VALIDATION_FAILED' && /1000 MIME parts/.test(error.message ?? ''));
    assert.equal((await parseEmail(manyParts(3, 'osTicket small'))).attachments.length, 3);
  });
});

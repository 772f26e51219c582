import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { receiveMessage, type Delivery } from '../../src/mail/receive-message.ts';
import { listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { mailWorld, rawMessage, type MailWorld } from './mail-fixtures.ts';

/*
 * A corpus of awkward messages, written here byte by byte, through the inbound pipeline: each one
 * gives a ticket (what could be read of it) or a clear refusal kept in quarantine, never a crash.
 * Limits of mailWorld: 200,000 bytes per message, 20,000 per attachment.
 */
const crlf = (...lines: (string | Buffer)[]) => Buffer.concat(lines.map((l) => Buffer.concat([typeof l === 'string' ? Buffer.from(l, 'utf8') : l, Buffer.from('\r\n')])));
const base64Lines = (data: Buffer) => data.toString('base64').replace(/.{76}/g, '$&\r\n');

forEachDatabase('awkward inbound messages', (db) => {
  let w: MailWorld;
  const receive = async (raw: Buffer): Promise<Delivery> => (await receiveMessage(w.deps, { raw, transport: 'pipe', recipients: ['support@acme.test'] }))[0]!;
  const firstEntry = async (d: Delivery): Promise<Row> => (await listObjects(w.admin, 'threadEntry', { where: { ticket_id: d.ticketId, kind: 'reply' }, orderBy: 'created_at', limit: 1 }))[0]!;
  const ticketOf = async (d: Delivery): Promise<Row> => (await listObjects(w.admin, 'ticket', { where: { id: d.ticketId } }))[0]!;

  before(async () => {
    w = await mailWorld(db());
  });
  after(async () => {
    await w.deps.shards.close();
  });

  it('reads nested multiparts: the HTML alternative as the body, inline images and attachments as files', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const d = await receive(
      rawMessage({
        subject: 'Nested',
        contentType: 'multipart/mixed; boundary="m1"',
        body: [
          '--m1', 'Content-Type: multipart/related; boundary="r1"', '',
          '--r1', 'Content-Type: multipart/alternative; boundary="a1"', '',
          '--a1', 'Content-Type: text/plain; charset=utf-8', '', 'plain version', '',
          '--a1', 'Content-Type: text/html; charset=utf-8', '', '<p>html <b>version</b> <img src="cid:logo@x"></p>', '',
          '--a1--',
          '--r1', 'Content-Type: image/png', 'Content-ID: <logo@x>', 'Content-Disposition: inline; filename="logo.png"', 'Content-Transfer-Encoding: base64', '', base64Lines(png),
          '--r1--',
          '--m1', 'Content-Type: text/csv; name="report.csv"', 'Content-Disposition: attachment; filename="report.csv"', '', 'a,b\r\n1,2',
          '--m1--', '',
        ].join('\r\n'),
      }),
    );
    assert.equal(d.outcome, 'ticket');
    assert.match((await firstEntry(d)).body_html as string, /<p>html <b>version<\/b>/);
    const files = await listObjects(w.admin, 'attachment', { where: { ticket_id: d.ticketId }, orderBy: 'filename' });
    assert.deepEqual(files.map((f) => f.filename), ['logo.png', 'report.csv']);
  });

  it('reads wrong and unknown charsets and raw 8-bit headers into a ticket', async () => {
    // UTF-8 bytes declared as Latin-1: read as Latin-1 (mojibake), never refused.
    const mislabelled = await receive(rawMessage({ subject: 'Mislabelled', contentType: 'text/plain; charset=iso-8859-1', body: 'Caf\u00e9 cr\u00e8me' }));
    assert.equal(mislabelled.outcome, 'ticket');
    assert.match((await firstEntry(mislabelled)).body_html as string, /Caf.+ cr.+me/);
    const unknown = await receive(rawMessage({ subject: 'Unknown charset', contentType: 'text/plain; charset=x-no-such-charset', body: 'plain words' }));
    assert.equal(unknown.outcome, 'ticket');
    assert.match((await firstEntry(unknown)).body_html as string, /plain words/);
    // Raw 8-bit header bytes: UTF-8 ones are read as UTF-8; Latin-1 ones give replacement characters.
    const utf8 = await receive(crlf('From: Zo\u00eb <zoe@customer.test>', 'To: support@acme.test', 'Subject: Caf\u00e9 au lait', 'Message-ID: <eight-bit-1@customer.test>', '', 'body'));
    assert.equal(utf8.outcome, 'ticket');
    assert.equal((await ticketOf(utf8)).subject, 'Caf\u00e9 au lait');
    const latin1 = await receive(crlf(Buffer.from('From: Ren\xe9 <rene@customer.test>', 'latin1'), 'To: support@acme.test', Buffer.from('Subject: D\xe9j\xe0 vu', 'latin1'), '', 'body'));
    assert.equal(latin1.outcome, 'ticket');
    assert.match((await ticketOf(latin1)).subject as string, /^D.+j.+ vu$/);
    const [rene] = await listObjects(w.admin, 'contact', { where: { email: 'rene@customer.test' } });
    assert.ok(rene, 'the sender became a contact');
  });

  it('opens a ticket without the attachments over the limit and keeps the whole message in quarantine', async () => {
    const raw = rawMessage({
      subject: 'Huge attachment',
      contentType: 'multipart/mixed; boundary="h1"',
      body: [
        '--h1', 'Content-Type: text/plain', '', 'see attached', '',
        '--h1', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename="dump.bin"', 'Content-Transfer-Encoding: base64', '', base64Lines(Buffer.alloc(50_000, 1)),
        '--h1--', '',
      ].join('\r\n'),
    });
    const d = await receive(raw);
    assert.equal(d.outcome, 'ticket');
    assert.deepEqual(await listObjects(w.admin, 'attachment', { where: { ticket_id: d.ticketId } }), []);
    const data = (await firstEntry(d)).data as { email: { attachmentsRefused: { filename: string; size: number }[] } };
    assert.deepEqual(data.email.attachmentsRefused, [{ filename: 'dump.bin', size: 50_000 }]);
    const [kept] = await listObjects(w.admin, 'mailQuarantine', { where: { subject: 'Huge attachment' } });
    assert.match(kept!.reason as string, /dump\.bin/);
    assert.equal(kept!.size, raw.length);
    // Over the message limit: headers only are read, and the message is kept, not a ticket.
    const tooBig = await receive(rawMessage({ subject: 'Too big', body: 'y'.repeat(w.deps.config.maxMessageBytes) }));
    assert.deepEqual([tooBig.outcome, tooBig.ticketId], ['quarantined', undefined]);
  });

  it('keys a message without Message-ID by its bytes: a second delivery is the same message', async () => {
    const raw = rawMessage({ subject: 'No id', messageId: null });
    const first = await receive(raw);
    const again = await receive(raw);
    assert.deepEqual([first.outcome, again.outcome], ['ticket', 'duplicate']);
    assert.equal((await listObjects(w.admin, 'ticket', { where: { subject: 'No id' } })).length, 1);
  });

  it('keeps no script, event handler, style, frame or javascript: link of an HTML message', async () => {
    const d = await receive(
      rawMessage({
        subject: 'Scripted',
        contentType: 'text/html; charset=utf-8',
        body: '<html><head><style>p{}</style><script>alert(1)</script></head><body onload="alert(2)"><p onclick="alert(3)">hi</p>' +
          '<a href="javascript:alert(4)">a</a><a href="JaVaScRiPt&colon;alert(5)">b</a><img src=x onerror=alert(6)><iframe src="https://evil.test"></iframe>' +
          '<svg><script>alert(7)</script></svg><form action="https://evil.test"><input></form></body></html>',
      }),
    );
    assert.equal(d.outcome, 'ticket');
    const html = (await firstEntry(d)).body_html as string;
    assert.match(html, /<p>hi<\/p>/);
    assert.doesNotMatch(html, /script|onload|onclick|onerror|<style|iframe|javascript|<form|<svg/i);
  });

  it('gives malformed MIME a ticket of what could be read, or a clear refusal, never a crash', async () => {
    const cases: [string, Buffer][] = [
      ['boundary never closed', rawMessage({ subject: 'Unclosed', contentType: 'multipart/mixed; boundary="u1"', body: '--u1\r\nContent-Type: text/plain\r\n\r\nstill here' })],
      ['boundary missing', rawMessage({ subject: 'No boundary', contentType: 'multipart/mixed', body: 'just text' })],
      ['bad base64', rawMessage({ subject: 'Bad base64', headers: { 'Content-Transfer-Encoding': 'base64' }, body: '!!!not base64***' })],
      ['bad quoted-printable', rawMessage({ subject: 'Bad QP', headers: { 'Content-Transfer-Encoding': 'quoted-printable' }, body: 'a=ZZb=\r\n=' })],
      ['no body at all', crlf('From: a@customer.test', 'To: support@acme.test', 'Subject: Empty body', '')],
      ['headers only, no blank line', Buffer.from('From: b@customer.test\r\nTo: support@acme.test\r\nSubject: No separator')],
      ['encoded-word garbage', rawMessage({ subject: '=?utf-8?B?@@@?= =?x-unknown?Q?abc?= tail', from: '=?utf-8?Q?=FF=FE?= <c@customer.test>' })],
    ];
    for (const [name, raw] of cases) {
      const d = await receive(raw);
      assert.ok(['ticket', 'quarantined'].includes(d.outcome), `${name}: ${d.outcome}`);
      if (d.outcome === 'ticket') assert.ok(((await firstEntry(d)).body_html as string).length > 0, name);
      else assert.ok(d.reason, `${name} says why`);
    }
  });
});

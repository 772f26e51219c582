import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readMessageToken, signedMessageId } from '../../src/mail/message-token.ts';
import { failsAuthentication, isAutomated, messageIdsIn, replySubject, subjectTicketNumber } from '../../src/mail/message-traits.ts';
import { secretBox } from '../../src/mail/secret-box.ts';

const box = secretBox('a-mail-secret-of-at-least-32-characters!');
const lines = (headers: Record<string, string>) => Object.entries(headers).map(([k, v]) => ({ key: k.toLowerCase(), line: `${k}: ${v}` }));

describe('mail secrets and tokens', () => {
  it('encrypts credentials with AES-256-GCM: a fresh IV each time, tampering detected, another secret refused', () => {
    const a = box.encrypt('p@ss');
    assert.notEqual(a, box.encrypt('p@ss'));
    assert.equal(box.decrypt(a), 'p@ss');
    const parts = a.split('.');
    parts[3] = Buffer.from('xxxx').toString('base64url');
    assert.throws(() => box.decrypt(parts.join('.')));
    assert.throws(() => secretBox('another-secret-another-secret-another!!').decrypt(a));
  });

  it('signs Message-IDs that name tenant and ticket, and reads back only intact ones', () => {
    const ticketId = '0b6f3c1e-9a4d-4f3e-8c1a-2d3e4f5a6b7c';
    const id = signedMessageId(box, { tenantId: 7, ticketId }, 'acme.test', 'abc123');
    assert.match(id, /^td\.7\.0b6f3c1e9a4d4f3e8c1a2d3e4f5a6b7c\.abc123\.[A-Za-z0-9_-]{22}@acme\.test$/);
    assert.equal(signedMessageId(box, { tenantId: 7, ticketId }, 'acme.test', 'abc123'), id, 'the same nonce gives the same id (retried sends)');
    assert.deepEqual(readMessageToken(box, id), { tenantId: 7, ticketId });
    assert.equal(readMessageToken(box, id.replace('td.7.', 'td.8.')), undefined, 'another tenant in the token breaks the signature');
    assert.equal(readMessageToken(secretBox('another-secret-another-secret-another!!'), id), undefined);
    assert.equal(readMessageToken(box, 'CAF123@mail.gmail.com'), undefined);
    assert.equal(readMessageToken(undefined, id), undefined);
  });
});

describe('reading message headers', () => {
  it('finds message ids in In-Reply-To and References', () => {
    assert.deepEqual(messageIdsIn('<a@x> <b@y>\r\n <c@z>'), ['a@x', 'b@y', 'c@z']);
    assert.deepEqual(messageIdsIn('bare@id.test'), ['bare@id.test']);
    assert.deepEqual(messageIdsIn(undefined), []);
  });

  it('recognises automated mail', () => {
    const plain = (h: Record<string, string>) => isAutomated(lines(h), 'text/plain', 'a@b.test');
    assert.equal(plain({}), false);
    assert.equal(plain({ 'Auto-Submitted': 'no' }), false);
    assert.equal(plain({ 'Auto-Submitted': 'auto-generated' }), true);
    assert.equal(plain({ Precedence: 'list' }), true);
    assert.equal(plain({ 'X-Autoreply': 'yes' }), true);
    assert.equal(plain({ 'Return-Path': '<>' }), true);
    assert.equal(isAutomated([], 'multipart/report; report-type=delivery-status', 'a@b.test'), true);
    assert.equal(isAutomated([], 'text/plain', 'MAILER-DAEMON@mx.test'), true);
  });

  it('flags failed SPF, DKIM or DMARC verdicts only', () => {
    assert.equal(failsAuthentication(lines({ 'Authentication-Results': 'mx; spf=pass; dkim=pass; dmarc=pass' })), false);
    assert.equal(failsAuthentication(lines({ 'Authentication-Results': 'mx; spf=pass; dkim=none' })), false);
    assert.equal(failsAuthentication(lines({ 'Authentication-Results': 'mx; dmarc=fail (p=reject)' })), true);
    assert.equal(failsAuthentication(lines({ 'Authentication-Results': 'mx; spf=FAIL smtp.mailfrom=x' })), true);
  });

  it('reads and writes ticket numbers in subjects', () => {
    assert.equal(subjectTicketNumber('Re: [acme-eu-000042] Printer'), 'ACME-EU-000042');
    assert.equal(subjectTicketNumber('Order 000042'), undefined);
    assert.equal(replySubject('ACME-000042', 'RE: Fwd: [ACME-000042] Printer'), 'Re: [ACME-000042] Printer');
  });
});

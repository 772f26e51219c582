import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAuthenticationResults, trustedAuthenticationPasses } from '../../src/mail/authentication-results.ts';
import { readMessageToken, signedMessageId } from '../../src/mail/message-token.ts';
import { secretBox } from '../../src/mail/secret-box.ts';

const TRUSTED = new Set(['mx.acme.test']);
/** Header lines as mailparser gives them, top first. */
const fields = (...values: string[]) => values.map((v) => ({ key: 'authentication-results', line: `Authentication-Results: ${v}` }));
const passes = (...values: string[]) => trustedAuthenticationPasses(fields(...values), TRUSTED, 'acme.test');

describe('Authentication-Results (RFC 8601)', () => {
  it('reads results through comments, quoted strings, folding, a version and odd case', () => {
    const parsed = parseAuthenticationResults(' "MX.acme.test" 1 (Postfix; one) ;\r\n\tDKIM = pass (good sig) header.d = acme.test\r\n  header.i=@acme.test;\r\n dmarc=pass reason="aligned; fine" (p=reject (nested)) header.from=acme.test');
    assert.deepEqual(parsed, {
      authservId: 'MX.acme.test',
      results: [
        { method: 'dkim', result: 'pass', properties: [['header.d', 'acme.test'], ['header.i', '@acme.test']] },
        { method: 'dmarc', result: 'pass', properties: [['header.from', 'acme.test']] },
      ],
    });
    assert.deepEqual(parseAuthenticationResults('mx.acme.test; none'), { authservId: 'mx.acme.test', results: [] });
    assert.equal(passes('MX.ACME.TEST (Postfix);\r\n dmarc=pass (p=none dis=none) header.from=ACME.test'), true, 'ids and domains compare case-insensitively');
    assert.equal(passes('mx.acme.test; dkim=pass header.i=agent@acme.test'), true, 'DKIM with only the AUID (as Gmail writes it)');
    const gmail = 'mx.acme.test;\r\n       dkim=pass header.i=@acme.test header.s=s1 header.b=Ab+c/9=;\r\n       spf=pass (mx.acme.test: domain of agent@acme.test designates 192.0.2.1 as permitted sender) smtp.mailfrom=agent@acme.test;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=acme.test';
    assert.equal(passes(gmail), true);
    const rspamd = 'mx.acme.test; dkim=pass header.d=acme.test header.s=dkim header.b=xyz; arc=none smtp.remote-ip=192.0.2.1; dmarc=pass (policy=reject) header.from=acme.test';
    assert.equal(passes(rspamd), true);
    // Microsoft 365's field has no authserv-id: it cannot be attributed to anyone, so it proves nothing.
    assert.equal(passes('spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=acme.test; dkim=pass (signature was verified) header.d=acme.test;dmarc=pass action=none header.from=acme.test'), false);
  });

  it('says no to anything short of a DMARC or aligned DKIM pass for the From domain', () => {
    for (const value of [
      'mx.acme.test; none',
      'mx.acme.test; spf=pass smtp.mailfrom=acme.test',
      'mx.acme.test; dmarc=pass',
      'mx.acme.test; dmarc=pass header.from=acme.test.evil.test',
      'mx.acme.test; dmarc=pass header.from=evil.test',
      'mx.acme.test; dkim=pass header.d=evil.test',
      'mx.acme.test; dkim=pass header.d=sub.acme.test',
      'mx.acme.test; dkim=pass header.d=acme.test header.d=evil.test',
      'mx.acme.test; dkim=fail header.d=acme.test; dmarc=none header.from=acme.test',
      'mx.acme.test; dkim=pass header.d=acme.test; dmarc=fail header.from=acme.test',
      'mx.acme.test; dmarc=pass header.from=acme.test; dmarc=fail header.from=acme.test',
      'mx.acme.test; dmarc=pass header.from=acme.test (unterminated',
      'mx.acme.test; dmarc=pass header.from="acme.test',
      'mx.acme.test 2; dmarc=pass header.from=acme.test',
      'mx.acme.test; dmarc=pass header.from=acme.test garbage',
      'mx.acme.test (comment only)',
      'mx.evil.test; dmarc=pass header.from=acme.test',
    ]) {
      assert.equal(passes(value), false, value);
    }
  });

  it('believes only the topmost field of a trusted authserv-id', () => {
    const pass = 'mx.acme.test; dmarc=pass header.from=acme.test';
    assert.equal(passes(pass), true);
    assert.equal(passes('mx.acme.test; spf=pass smtp.mailfrom=acme.test', pass), false, 'a forged pass lower down');
    assert.equal(passes('filter.internal; spam=clean', pass), true, "another hop's own field above is passed over");
    assert.equal(passes('mx.acme.test; (broken', pass), false, 'a malformed trusted field on top counts, as a no');
    assert.equal(passes('"unterminated', pass), false, 'an unreadable field above stops the reading');
    assert.equal(trustedAuthenticationPasses(fields(pass), new Set(), 'acme.test'), false, 'nothing is trusted unless configured');
    assert.equal(trustedAuthenticationPasses([], TRUSTED, 'acme.test'), false, 'a missing header is unauthenticated');
  });

  it('never throws and never finds a pass in hostile input (property)', () => {
    const pieces = fc.constantFrom('mx.acme.test', 'dmarc', 'dkim', 'pass', 'fail', 'header', 'from', 'd', 'i', 'acme.test', '@acme.test', 'evil.test', ';', '=', '.', '/', '1', '(', ')', '\\', '"', ' ', '\t', '\r\n ', '\r\n', '\n', '\u0000', 'é', 'reason', 'none');
    const hostile = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(pieces, { maxLength: 40 }).map((p) => p.join('')));
    fc.assert(
      fc.property(hostile, (value) => {
        parseAuthenticationResults(value);
        // Without "pass" for acme.test in it, no reading may find one.
        if (!/pass/i.test(value) || !/acme\.test/i.test(value)) assert.equal(passes(value), false);
      }),
      { numRuns: 3000 },
    );
  });

  it('never finds a pass below a field of the trusted id, whatever the lower field says (property)', () => {
    const verdict = fc.constantFrom('none', 'spf=pass smtp.mailfrom=acme.test', 'dmarc=fail header.from=acme.test', 'dkim=pass header.d=evil.test', 'dmarc=none header.from=acme.test');
    fc.assert(
      fc.property(verdict, fc.string({ maxLength: 120 }), (top, lower) => {
        assert.equal(passes(`mx.acme.test; ${top}`, `mx.acme.test; dmarc=pass header.from=acme.test ${lower}`), false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('agent reply tokens', () => {
  const box = secretBox('a-mail-secret-of-at-least-32-characters!');
  const token = { tenantId: 7, ticketId: '0b6f3c1e-9a4d-4f3e-8c1a-2d3e4f5a6b7c', agent: { contactId: '1c2d3e4f-0000-4000-8000-00000000abcd', issuedAt: 1_800_000_000 } };

  it('binds tenant, ticket, agent and date, and reads back only intact ones', () => {
    const id = signedMessageId(box, token, 'acme.test', 'abc123');
    assert.match(id, /^ta\.7\.0b6f3c1e9a4d4f3e8c1a2d3e4f5a6b7c\.1c2d3e4f00004000800000000000abcd\.[0-9a-z]+\.abc123\.[A-Za-z0-9_-]{22}@acme\.test$/);
    assert.deepEqual(readMessageToken(box, id), token);
    for (const [from, to] of [['ta.7.', 'ta.8.'], ['1c2d3e4f', '1c2d3e40'], [`.${(1_800_000_000).toString(36)}.`, `.${(1_900_000_000).toString(36)}.`], ['ta.', 'td.']]) {
      assert.equal(readMessageToken(box, id.replace(from!, to!)), undefined, `${from} -> ${to}`);
    }
    assert.equal(readMessageToken(secretBox('another-secret-another-secret-another!!'), id), undefined);
    // The MAC's last character carries unused bits: only its one canonical spelling is read.
    const last = id.indexOf('@') - 1;
    const spellings = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].filter((c) => readMessageToken(box, `${id.slice(0, last)}${c}${id.slice(last + 1)}`));
    assert.deepEqual(spellings, [id[last]]);
    // A ticket token (to a customer) is no agent token.
    assert.equal(readMessageToken(box, signedMessageId(box, { tenantId: 7, ticketId: token.ticketId }, 'acme.test'))?.agent, undefined);
  });
});

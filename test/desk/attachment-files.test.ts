import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanContentType, cleanFilename, contentDisposition } from '../../src/desk/attachments/attachment-files.ts';
import { parseDataUrl } from '../../src/desk/osticket/data-url.ts';

describe('attachment file names and headers', () => {
  it('keeps quotes, backslashes and line breaks out of Content-Disposition', () => {
    const header = contentDisposition('a"b\\c\r\nSet-Cookie: x=1.txt');
    assert.ok(!/[\r\n]/.test(header));
    assert.match(header, /^attachment; filename="a_b_c__Set-Cookie: x=1.txt"; filename\*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1.txt$/);
    assert.equal(contentDisposition("l'été (1).pdf"), `attachment; filename="l'_t_ (1).pdf"; filename*=UTF-8''l%27%C3%A9t%C3%A9%20%281%29.pdf`);
  });

  it('stores only the last path segment of a name, and a neutral type for a strange one', () => {
    assert.equal(cleanFilename('../../etc/passwd'), 'passwd');
    assert.equal(cleanFilename('C:\\Users\\x\\report.pdf'), 'report.pdf');
    assert.equal(cleanFilename('..'), 'attachment');
    assert.equal(cleanFilename('\u0000\u0007'), 'attachment');
    assert.equal(cleanContentType('text/html; charset=utf-8'), 'text/html');
    assert.equal(cleanContentType('text/html\r\nX-Evil: 1'), 'application/octet-stream');
    assert.equal(cleanContentType(undefined), 'application/octet-stream');
  });
});

describe("osTicket's data URLs", () => {
  it('reads base64, percent-encoded and plain content, with the media type', () => {
    assert.deepEqual(parseDataUrl('data:image/png;base64,aGk=', 'f'), { contentType: 'image/png', data: Buffer.from('hi') });
    assert.deepEqual(parseDataUrl('data:text/plain;charset=utf-8,caf%C3%A9', 'f'), { contentType: 'text/plain', data: Buffer.from('café') });
    assert.deepEqual(parseDataUrl('data:,100% sure', 'f'), { contentType: 'text/plain', data: Buffer.from('100% sure') });
    assert.throws(() => parseDataUrl('http://example.com/x', 'attachments[0]'), { code: 'VALIDATION_FAILED', field: 'attachments[0]' });
    assert.throws(() => parseDataUrl('data:;base64,@@@', 'f'), { code: 'VALIDATION_FAILED' });
  });
});
